"""Inline text read without markdown-it, when it holds only words, wikilinks and tags.

markdown-it-py builds a token for every run of text, line break, link and tag of
every paragraph, heading and table cell; most inline text in a vault (nine in
ten paragraphs of a large real vault) holds nothing else.  In such text the
rules in play reduce to: :func:`~.wikilinks.wikilink_at` at every ``[[`` or
``![[``, :func:`~.tags.tag_at` at every ``#``, a break at every newline, and
code spans (a run of backticks up to the next run of as many: nothing is read in
it; a run that no such run follows is text).
:func:`scan_inline` applies those same functions from left to right, as
markdown-it would, without tokens.  Text holding any other syntax (math, HTML,
entities, escapes, or a ``[`` that may open a markdown link) is left to
markdown-it.  A ``[`` or ``![`` opening neither a wikilink nor, as no ``](`` follows
and the note defines no link references, a markdown link (a task's ``[ ]``, a
``[1]``) is text, as markdown-it's link rules find.  tests/test_corpora.py and
tests/test_fuzz.py compare the notes read both ways.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from .tags import tag_at
from .wikilinks import NextIndex, wikilink_at

# What only markdown-it reads: math, escapes, autolinks and HTML, entities.
_PLAIN = re.compile(r"[^$\\<&]*")
_MAY_OPEN = re.compile(r"[\n#!\[`]")
_BACKTICKS = re.compile(r"`+")


def backtick_runs(src: str) -> dict[int, list[int]]:
    """Where the runs of backticks start, by length (a code span closes at the next run
    as long as the one opening it: found by bisection, so text full of unmatched runs
    costs linear time, as markdown-it's cache makes it)."""
    runs: dict[int, list[int]] = {}
    for match in _BACKTICKS.finditer(src):
        runs.setdefault(match.end() - match.start(), []).append(match.start())
    return runs


def code_span_end(src: str, pos: int, runs: dict[int, list[int]]) -> int | None:
    """Just after the code span that the run of backticks at ``pos`` opens (the next
    run as long, CommonMark), or None when there is none: the backticks are text.
    ``runs``: :func:`backtick_runs` of ``src``."""
    length = _BACKTICKS.match(src, pos).end() - pos
    starts = runs.get(length, [])
    closer = bisect_right(starts, pos)
    return None if closer == len(starts) else starts[closer] + length


def scan_inline(src: str, references: bool = False) -> list[tuple] | None:
    """The elements of inline text in order -- ``("wikilink", offset, LinkText, embed)``,
    ``("tag", offset, name)``, ``("text", offset, text)`` (text split at line breaks) --
    or None when the text holds syntax that markdown-it must read.  ``references``:
    the note defines link references (``[label]: url``)."""
    if _PLAIN.fullmatch(src) is None:
        return None
    find = NextIndex(src)
    end = len(src)
    last_link_middle = src.rfind("](")
    elements: list[tuple] = []
    text_start = pos = 0
    tag_end = -1
    runs: dict[int, list[int]] | None = None  # made at the first backtick
    while True:
        match = _MAY_OPEN.search(src, pos)
        if match is None:
            break
        pos = match.start()
        char = src[pos]
        if char == "\n":
            if pos > text_start:
                elements.append(("text", text_start, src[text_start:pos]))
            text_start = pos = pos + 1
            continue
        if char == "#":
            name = tag_at(src, pos, end, after_tag=pos == tag_end)
            if name is None:
                pos += 1
                continue
            if pos > text_start:
                elements.append(("text", text_start, src[text_start:pos]))
            elements.append(("tag", pos, name))
            text_start = pos = tag_end = pos + 1 + len(name)
            continue
        if char == "`":
            if runs is None:
                runs = backtick_runs(src)
            span_end = code_span_end(src, pos, runs)
            if span_end is None:  # no code span: the backticks are text
                pos = _BACKTICKS.match(src, pos).end()
                continue
            if pos > text_start:  # the code span's content is not read
                elements.append(("text", text_start, src[text_start:pos]))
            text_start = pos = span_end
            continue
        if char == "!" and not src.startswith("![", pos):
            pos += 1
            continue
        link = wikilink_at(src, pos, end, find)
        if link is None:  # `[` or `![` opening no wikilink: markdown links' turn
            if references or last_link_middle >= pos:
                return None
            pos += 1  # no link can open here: text
            continue
        if pos > text_start:
            elements.append(("text", text_start, src[text_start:pos]))
        parts, embed, text_start = link
        elements.append(("wikilink", pos, parts, embed))
        pos = text_start
    if end > text_start:
        elements.append(("text", text_start, src[text_start:]))
    return elements
