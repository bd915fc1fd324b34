"""JSON Canvas files (``.canvas``): the links they hold, as a Note record of kind ``canvas``.

A canvas (https://jsoncanvas.org/spec/1.0/) is a JSON object whose ``nodes`` list
holds ``text`` nodes (markdown), ``file`` nodes (``"file"``: a vault path, and an
optional ``"subpath"`` such as ``#Heading`` or ``#^block``), ``link`` nodes (a URL)
and ``group`` nodes; ``edges`` join nodes.  Obsidian treats a canvas as a file, not a
note: it can be linked to (``[[board.canvas]]``) and its links are in Obsidian's link
index (``fileManager.iterateAllRefs``), so vaultgraph reads:

- each file node as one link to its file (with its subpath);
- each wikilink, embed and markdown link in a text node's markdown (read as a note's
  text is, so code, math and HTML hide links there too);

all of kind ``canvas``, with ``node`` the node's id.  ``line``/``column`` are where the
node's ``"id"`` value is written in the file (1:1 when it cannot be found); a text
node's link has the line of the node's text holding it as ``context``.  Group and link
nodes, and edges, link to no file.  A canvas that is not JSON, not an object, or has
nodes that are not objects gets an ``invalid-canvas`` diagnostic; the run goes on.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right

from pathlib import Path

from .files import TooLarge, read_bounded
from .jstext import js_text
from .model import ERROR, WARNING, Diagnostic, Link, Note

MAX_CANVAS_BYTES = 16 * 1024 * 1024  # as for notes
# `"id": "<string>"` -- in valid JSON a bare `"` only delimits strings, so this finds
# keys named id (of nodes, and of edges, which come after them).
_ID = re.compile(r'"id"\s*:\s*("(?:[^"\\]|\\.)*")')


def canvas_from_bytes(path: str, data: bytes | None, problems: list[Diagnostic],
                      seconds: float | None = None) -> Note:
    """The links of a canvas's bytes (None: not read, for the reasons in ``problems``)."""
    from .parse import MAX_PARSE_SECONDS, guarded

    return guarded(path, None if data is None else (lambda: parse_canvas(path, data)), problems,
                   MAX_PARSE_SECONDS if seconds is None else seconds, "its links are not read")


def read_canvas_bytes(root: Path, path: str) -> tuple[bytes | None, list[Diagnostic]]:
    """The bytes of a canvas -- a regular file of at most MAX_CANVAS_BYTES -- or None
    and why not."""
    try:
        return read_bounded(root / path, MAX_CANVAS_BYTES), []
    except TooLarge:
        return None, [Diagnostic(path, 1, 1, WARNING, "too-large",
                                 f"over the {MAX_CANVAS_BYTES // 1048576} MB limit; not read")]
    except OSError as exc:
        return None, [Diagnostic(path, 1, 1, ERROR, "unreadable-file",
                                 f"cannot read: {exc.strerror or exc}")]


def _invalid(path: str, message: str, line: int = 1, column: int = 1) -> Note:
    return Note(path, diagnostics=[Diagnostic(path, line, column, ERROR, "invalid-canvas",
                                              message)])


def parse_canvas(path: str, data: bytes) -> Note:
    """A canvas's bytes -> a Note holding its links (kind ``canvas``) and diagnostics."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return _invalid(path, f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); links not read",
                        line)
    try:
        canvas = json.loads(text) if text.strip() else {}  # Obsidian writes new canvases empty
    except json.JSONDecodeError as exc:
        return _invalid(path, f"not valid JSON ({exc.msg}); links not read", exc.lineno,
                        exc.colno)
    except RecursionError:
        return _invalid(path, "JSON nested too deeply; links not read")
    if not isinstance(canvas, dict):
        return _invalid(path, "not a JSON Canvas (the file is not a JSON object); links not read")
    nodes = canvas.get("nodes", [])
    if not isinstance(nodes, list):
        return _invalid(path, '"nodes" is not a list; links not read')
    note = Note(path)
    place = _id_places(text)
    skipped = 0
    for node in nodes:
        if not isinstance(node, dict):
            skipped += 1
            continue
        node = {key: _text(value) for key, value in node.items()}
        node_id = node.get("id")
        node_id = node_id if isinstance(node_id, str) else None
        line, column = place.get(node_id, (1, 1))
        kind = node.get("type")
        if kind == "file":
            file = node.get("file")
            if not isinstance(file, str) or not file.strip():
                skipped += 1
                continue
            subpath = node.get("subpath")
            subpath = subpath[1:] if isinstance(subpath, str) and subpath.startswith("#") \
                and subpath[1:] else None
            raw = file + (f"#{subpath}" if subpath else "")
            note.links.append(Link("canvas", raw, file.strip(), subpath, None, line, column,
                                   f"file node {node_id}: {raw}", False, False, node_id))
        elif kind == "text" and isinstance(node.get("text"), str) and "[" in node["text"]:
            # (every link, and every would-be link, is written with a `[`)
            _read_text_node(note, node["text"], node_id, line, column)
    if skipped:
        note.diagnostics.append(Diagnostic(
            path, 1, 1, ERROR, "invalid-canvas",
            f"{skipped} node{'s are' if skipped > 1 else ' is'} not a JSON object, or a file "
            "node without a file path; skipped"))
    return note


def _text(value):
    """A node's string field as JavaScript holds it (jstext.py: ``\\ud800`` escapes);
    other values as they are."""
    return js_text(value) if isinstance(value, str) else value


def _read_text_node(note: Note, text: str, node_id: str | None, line: int, column: int) -> None:
    """The links of a text node's markdown, placed at the node, and its would-be links
    (cut-link, unclosed-link, space-in-link: nothing dropped silently), named by node."""
    from .parse import parse_text
    from .syntax.dropped import DROPPED_CODES

    found = parse_text(note.path, text)
    note.links.extend(
        Link("canvas", link.raw, link.path, link.subpath, link.alias, line, column,
             f"text node {node_id}: {link.context}", link.embed, link.commented, node_id)
        for link in found.links if link.property_name is None)
    note.diagnostics.extend(
        Diagnostic(note.path, line, column, d.severity, d.code,
                   f"{d.message} (canvas node {node_id})", d.target, [], d.commented)
        for d in found.diagnostics if d.code in DROPPED_CODES)


def _id_places(text: str) -> dict[str, tuple[int, int]]:
    """Each id -> the 1-based (line, column) of its value's first occurrence."""
    if '"id"' not in text:
        return {}
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    places: dict[str, tuple[int, int]] = {}
    for match in _ID.finditer(text):
        try:
            value = js_text(json.loads(match.group(1)))
        except ValueError:
            continue
        if value not in places:
            offset = match.start(1)
            line = bisect_right(starts, offset)
            places[value] = (line, offset - starts[line - 1] + 1)
    return places
