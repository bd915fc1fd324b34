"""The index's rows: notes to and from JSON, and the one error a damaged index raises.

Notes are stored as JSON (never pickle), so a tampered index cannot run code; a row
that does not decode to what was written raises :class:`DamagedIndex`
(:func:`decoded`), as does every statement on a damaged index
(index.GuardedConnection).  Lowest module of the store: it imports only the records.

The JSON is orjson's (UTF-8 bytes, stored as a BLOB: no text conversion either way;
encoding a note takes a fifth of the standard library's time, in the worker processes).
The few notes orjson cannot write -- text with lone surrogates (a canvas's ``\udcff``
escape), integers past 64 bits -- are written by the standard library as ASCII text
(a TEXT row) and read back by it (docs/performance.md, "Store and cold build").
"""

from __future__ import annotations

import json
from sys import intern
from typing import Callable

import orjson

from .model import (Block, Citation, Diagnostic, Heading, LineText, Link, Note, Quote,
                    Suppression, Tag)


# -- notes <-> JSON ----------------------------------------------------------------
def fields_of(record) -> list:
    """A slots dataclass as the list of its fields (dataclasses.astuple deep-copies: slow)."""
    return [getattr(record, name) for name in record.__slots__]


def note_to_json(note: Note) -> bytes | str:
    """The note as JSON: its fields, then its lines (``[text, start, length]`` of each
    LineText its links and citations show their context from; a link or citation holds
    the index of its line there, or its context as text).  UTF-8 bytes (orjson); ASCII
    text (``json``) for a note orjson cannot write."""
    lines: list[list] = []
    numbers: dict[int, int] = {}  # id of a LineText -> its index in lines

    def where(record) -> int | str:
        shown = record.where
        if shown.__class__ is str:
            return shown
        number = numbers.get(id(shown))
        if number is None:
            number = numbers[id(shown)] = len(lines)
            lines.append([shown.text, shown.start, shown.length])
        return number

    fields = [
        note.frontmatter, note.aliases,
        [fields_of(t) for t in note.tags],
        [[l.kind, l.raw, l.path, l.subpath, l.alias, l.line, l.column, where(l), l.embed,
          l.commented, l.node] for l in note.links],
        [fields_of(h) for h in note.headings], [fields_of(b) for b in note.blocks],
        [[c.kind, c.value, c.line, c.column, where(c)] for c in note.citations],
        [fields_of(q) for q in note.quotes],
        [fields_of(d) for d in note.diagnostics], [fields_of(h) for h in note.nested_headings],
        lines, [fields_of(s) for s in note.suppressions], note.footnotes,
    ]
    try:
        return orjson.dumps(fields)
    except TypeError:  # lone surrogates, integers past 64 bits, nesting over 254 deep
        return json.dumps(fields, separators=(",", ":"))


def _links(rows: list[list], lines: list[LineText]) -> list[Link]:
    """Links sharing equal strings: a vault has a handful of link kinds, and most link
    paths equal their raw text (a tenth or more less memory for a loaded vault); links
    on one line share its LineText."""
    return [Link(intern(kind), raw, raw if path == raw else path, subpath, alias, line, column,
                 shown if shown.__class__ is str else lines[shown], embed, commented, node)
            for kind, raw, path, subpath, alias, line, column, shown, embed, commented, node
            in rows]


def note_fields(text: bytes | str) -> list:
    """The lists :func:`note_to_json` wrote, as JSON gives them back: what the index's
    answers are written from (answers.AnswerWriter.note) without a Note made of them."""
    return orjson.loads(text) if text.__class__ is bytes else json.loads(text)


def note_from_json(path: str, text: bytes | str) -> Note:
    """The note :func:`note_to_json` wrote (ROW_ERRORS for anything else: see
    :func:`decoded`)."""
    return note_from_fields(path, note_fields(text))


def note_from_fields(path: str, fields: list) -> Note:
    """The note of :func:`note_fields`' lists."""
    (front, aliases, tags, links, headings, blocks, citations, quotes, diagnostics,
     nested, lines, suppressions, footnotes) = fields
    shown = [LineText(*line) for line in lines]
    # Tag names and headings ("Notes", "References") recur from note to note: one copy each.
    return Note(path, front, aliases, [Tag(intern(t[0]), t[1], t[2], intern(t[3])) for t in tags],
                _links(links, shown),
                [Heading(intern(h[0]), h[1], h[2]) for h in headings], [Block(*b) for b in blocks],
                [Citation(kind, value, line, column, where if where.__class__ is str
                          else shown[where]) for kind, value, line, column, where in citations],
                [Quote(*q) for q in quotes], [Diagnostic(*d) for d in diagnostics],
                [Heading(*h) for h in nested], [Suppression(*s) for s in suppressions],
                [(first, last) for first, last in footnotes])


class DamagedIndex(Exception):
    """The index cannot be read back (a damaged page, a row that is not what was
    written): it is not to be trusted.  Raised by every read and write of the index
    (index.GuardedConnection) and by :func:`decoded`; Index.open_updated and
    app.Session.heal discard the index and answer again from a new one."""


# Errors that reading rows of the index gives when they are not what was written: JSON
# that does not decode (ValueError; UnicodeDecodeError is one), nested too deep to
# decode (RecursionError), or of another shape or type (TypeError, KeyError, IndexError,
# AttributeError).
ROW_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError)


def decoded(decode: Callable, *args):
    """``decode(*args)`` of a row of the index; DamagedIndex when it is not JSON of the
    shape written."""
    try:
        return decode(*args)
    except ROW_ERRORS as exc:
        raise DamagedIndex(f"{type(exc).__name__}: {exc}") from exc
