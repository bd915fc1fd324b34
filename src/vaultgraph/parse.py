"""One file -> one :class:`~vaultgraph.model.Note`.

markdown-it-py decides what is code, math, HTML or front matter (its block pass run by
pyromark where syntax/blocks.py gives the same blocks); links, tags,
headings and block ids are read only from the inline tokens it leaves, and
every position is mapped back to the line and column in the file.
"""

from __future__ import annotations

import os
import re
import signal
import threading
from bisect import bisect_right
from contextlib import contextmanager
from itertools import accumulate, count
from operator import add
from pathlib import Path
from urllib.parse import unquote

from .files import TooLarge, read_bounded
from .frontmatter import read_frontmatter
from .model import (COMMENTED, ERROR, WARNING, Block, Citation, Diagnostic, Heading, LineText,
                    Link, Note, Quote, Suppression, Tag, share_lines)
from .syntax import MAX_NESTING, find_block_id, line_context, markdown_parser
from .syntax.blocks import block_tokens
from .syntax.scan import backtick_runs, code_span_end
from .syntax.dropped import CUT_LINK, DROPPED_CODES, dropped_links, extra_cell_links
from .syntax.citations import (blockquote_attribution, find_identifiers, find_quotes,
                               may_hold_identifiers, web_identifier)

MAX_NOTE_BYTES = 16 * 1024 * 1024
MAX_PARSE_SECONDS = 20.0
_SCHEME = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|//)")
_BLOCK_ONLY = re.compile(r"\^([A-Za-z0-9-]+)")
_PROPERTY = re.compile(r"[\w-]+\s*:")


def decode(path: str, data: bytes) -> tuple[str | None, list[Diagnostic]]:
    """Bytes -> text; None for binary content.  Bad UTF-8 is replaced, and reported.

    A file with NUL bytes is binary unless it is otherwise valid UTF-8 (text
    padded with NULs by a broken sync is still read).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    has_nul = b"\x00" in data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if has_nul:
            return None, [Diagnostic(path, 1, 1, WARNING, "binary-file",
                                     "binary content in a .md file; not parsed")]
        return data.decode("utf-8", "replace"), [Diagnostic(
            path, *_position(data, exc.start), WARNING, "encoding",
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); read with replacement characters",
        )]
    if has_nul:
        return text, [Diagnostic(path, *_position(data, data.index(b"\x00")), WARNING,
                                 "encoding", f"{data.count(0)} NUL bytes in the text; "
                                 "read as replacement characters")]
    return text, []


def _position(data: bytes, offset: int) -> tuple[int, int]:
    prefix = data[:offset]
    line_start = prefix.rfind(b"\n") + 1
    return prefix.count(b"\n") + 1, len(prefix[line_start:].decode("utf-8", "replace")) + 1


class ParseTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    # Re-arm first: an exception raised inside a gc callback or a __del__ is
    # swallowed by Python, so keep raising until one lands in the parser.
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    raise ParseTimeout


_handler_set = False  # alarm_handler has put _on_alarm in place (signal.getsignal
# would say so in 5 us, a ValueError raised and caught inside)


def _timers() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


class time_limit:
    """Raise ParseTimeout after ``seconds`` (POSIX main thread only; elsewhere no limit).

    The SIGALRM handler is put in place for the block and the one before it put back
    after, unless it is in place already (:func:`alarm_handler` around a batch of
    notes: two ``sigaction`` calls a note fewer, a seventh of a small note's parse)."""

    __slots__ = ("seconds", "previous")

    def __init__(self, seconds: float | None):
        self.seconds, self.previous = seconds, None

    def __enter__(self) -> None:
        if not (self.seconds and _timers()):
            self.seconds = None
            return
        if not _handler_set:
            self.previous = (signal.signal(signal.SIGALRM, _on_alarm),)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc_info) -> bool:
        if self.seconds:
            signal.setitimer(signal.ITIMER_REAL, 0)
            if self.previous is not None:
                signal.signal(signal.SIGALRM, self.previous[0])
        return False


@contextmanager
def alarm_handler():
    """The parse timeout's SIGALRM handler in place for the block (main thread only), the
    one before it put back after: :func:`time_limit` inside it only arms and disarms its
    timer (between two notes none is armed, so no SIGALRM comes)."""
    global _handler_set
    if not _timers() or _handler_set:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    _handler_set = True
    try:
        yield
    finally:
        _handler_set = False
        signal.signal(signal.SIGALRM, previous)


def read_bytes(root: Path, path: str) -> tuple[bytes | None, list[Diagnostic]]:
    """The bytes of a note (None when it cannot or should not be read) and why not.
    Only a regular file is read, and at most MAX_NOTE_BYTES + 1 bytes of it
    (:func:`~vaultgraph.files.read_bounded`): a note swapped for a FIFO or a device
    after discovery is reported, not waited on or read without end."""
    try:
        return read_bounded(os.path.join(root, path), MAX_NOTE_BYTES), []
    except TooLarge as exc:
        return None, [Diagnostic(
            path, 1, 1, WARNING, "too-large",
            f"{exc.size / 1048576:.1f} MB is over the {MAX_NOTE_BYTES // 1048576} MB limit; not parsed")]
    except OSError as exc:
        return None, [Diagnostic(path, 1, 1, ERROR, "unreadable-file",
                                 f"cannot read: {exc.strerror or exc}")]


def read_text(root: Path, path: str) -> tuple[str | None, list[Diagnostic]]:
    """The text of a note (None when it cannot or should not be read) and why not."""
    data, problems = read_bytes(root, path)
    return (None, problems) if data is None else decode(path, data)


def _normalise(text: str) -> str:
    """One line break for CRLF and lone CR (markdown-it does the same)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def line_count(root: Path, path: str) -> int | None:
    """How many lines the note at vault path ``path`` has, as its line numbers count
    them (CRLF and a lone CR are one line break; a last line without one counts, an
    empty file has none); None when it cannot be read."""
    text, _ = read_text(root, path)
    if text is None:
        return None
    text = _normalise(text)
    return text.count("\n") + (not text.endswith("\n")) if text else 0


def read_note(root: Path, path: str, seconds: float | None = MAX_PARSE_SECONDS) -> Note:
    """Read and parse the note at vault path ``path``; failures become diagnostics."""
    return note_from_bytes(path, *read_bytes(root, path), seconds)


def note_from_bytes(path: str, data: bytes | None, problems: list[Diagnostic],
                    seconds: float | None = MAX_PARSE_SECONDS) -> Note:
    """Parse a note's bytes (None: not read, for the reasons in ``problems``).

    A note over MAX_NOTE_BYTES, or whose parsing takes over ``seconds``, is kept
    (links to it resolve) but its content is not read.
    """
    text, problems = (None, problems) if data is None else decode(path, data)
    return guarded(path, None if text is None else (lambda: parse_text(path, text)), problems,
                   seconds, "links and tags not read")


def guarded(path: str, parse, problems: list[Diagnostic], seconds: float | None,
            lost: str) -> Note:
    """``parse()`` (None: nothing to parse) within ``seconds``, ``problems`` put first in
    its diagnostics; a timeout or a parser failure is a diagnostic saying what is
    ``lost``, and an empty Note is kept."""
    note = Note(path)
    if parse is not None:
        try:
            with time_limit(seconds):
                note = parse()
        except ParseTimeout:
            if _timers():  # the alarm may have come inside time_limit's exit, before it
                signal.setitimer(signal.ITIMER_REAL, 0)  # disarmed (_on_alarm re-arms it)
            problems.append(Diagnostic(path, 1, 1, WARNING, "parse-timeout",
                                       f"parsing took over {seconds:g} s; {lost}"))
        except (RecursionError, MemoryError, ValueError, IndexError) as exc:
            problems.append(Diagnostic(path, 1, 1, ERROR, "parse-error",
                                       f"could not be parsed ({type(exc).__name__}); {lost}"))
    note.diagnostics[:0] = problems
    return note


class _Locator:
    """Maps offsets inside an inline token's content to file line and column."""

    def __init__(self, lines: list[str], cursors: dict[int, int], first: int, content: str):
        self.lines, self.cursors, self.first = lines, cursors, first
        self.parts = parts = content.split("\n")
        parts = parts[:-1]  # where each part starts: after those before and their breaks
        self.starts = [0, *map(add, accumulate(map(len, parts)), count(1))] if parts else [0]
        self.bases: dict[int, int] = {}

    def base(self, index: int) -> int:
        if index not in self.bases:
            number = self.first + index
            source = self.lines[number] if number < len(self.lines) else ""
            part = self.parts[index]
            stripped, tail = source.rstrip(), part.rstrip()
            # (a tab in the indentation may reach the content as spaces: matched without them)
            core = tail.lstrip(" ")
            if core and stripped.endswith(core):
                found = len(stripped) - len(tail)
            else:
                cursor = self.cursors.get(number, 0)
                found = source.find(part, cursor)
                if found < 0:
                    found = source.find(part.replace("|", "\\|"), cursor)
                found = max(found, 0)
            self.cursors[number] = found + len(part)
            self.bases[index] = found
        return self.bases[index]

    def locate(self, offset: int) -> tuple[int, int]:
        starts = self.starts
        index = bisect_right(starts, offset) - 1
        base = self.bases.get(index)
        if base is None:
            base = self.base(index)
        return self.first + index + 1, base + offset - starts[index] + 1


def _markdown_link(href: str, embed: bool, line: int, column: int, context: str) -> Link | None:
    if not href or _SCHEME.match(href):
        return None
    path, hash_, subpath = href.partition("#")
    return Link(
        kind="markdown", raw=href, path=unquote(path).strip(),
        subpath=unquote(subpath).strip() if hash_ else None, alias=None,
        line=line, column=column, context=context, embed=embed,
    )


def parse_text(path: str, text: str, scan: bool = True, compiled: bool = True) -> Note:
    """Parse markdown text (any line endings) into a Note.  ``scan``: plain inline text
    is read by syntax/scan.py, not tokenized; ``compiled``: the block pass runs on
    pyromark (pulldown-cmark) where syntax/blocks.py says it gives markdown-it-py's
    blocks (the same Note, sooner; ``scan=False, compiled=False`` is markdown-it-py's
    full parse, the reference the tests compare with)."""
    text = _normalise(text).replace("\x00", "\ufffd")
    lines = text.split("\n")
    note = Note(path)
    md = markdown_parser(scan=scan)
    tokens = block_tokens(text, md) if compiled else None
    if tokens is None:
        tokens = md.parse(text)
    cursors: dict[int, int] = {}
    # An opening `---` followed by a property but never closed: front matter gone wrong
    # (a note may also just start with a horizontal rule).
    if (lines[0].rstrip() == "---" and len(lines) > 1 and _PROPERTY.match(lines[1])
            and (not tokens or tokens[0].type != "front_matter")):
        note.diagnostics.append(Diagnostic(
            path, 1, 1, ERROR, "invalid-frontmatter",
            "front matter opened on line 1 is never closed with ---"))

    too_deep = [t for t in tokens if t.level >= MAX_NESTING - 1]
    if too_deep:
        line = next((t.map[0] + 1 for t in too_deep if t.map), 1)
        note.diagnostics.append(Diagnostic(
            path, line, 1, WARNING, "too-deep",
            f"blocks nested over {MAX_NESTING} levels deep; what is deeper is not read"))
    quote_depth = 0
    containers: list[str] = []  # the blocks holding the token at hand, outermost first
    for index, token in enumerate(tokens):
        kind = token.type
        if kind == "inline":
            if token.map:
                parent = tokens[index - 1].type if index else ""
                if (parent == "paragraph_open" and tokens[index - 1].level == 0
                        and "[^" in token.content):
                    note.footnotes.extend(footnote_spans(lines, *token.map))
                _read_inline(note, token, parent, quote_depth > 0, lines, cursors)
            continue
        if kind not in _WALKED:  # (paragraphs' own tokens, lists, code...: one test)
            continue
        if kind in _CONTAINERS:
            containers.append(_container_name(tokens, index))
        elif kind in _CONTAINERS_CLOSE:
            containers.pop()
        if kind in ("blockquote_open", "blockquote_close"):
            quote_depth += 1 if kind == "blockquote_open" else -1
        elif kind == "front_matter":
            fm = read_frontmatter(path, token.content, lines, token.map[0] + 2)
            note.frontmatter, note.aliases = fm.data, fm.aliases
            note.links.extend(fm.links)
            note.tags.extend(fm.tags)
            note.diagnostics.extend(fm.diagnostics)
        elif kind == "heading_open":
            heading = Heading(tokens[index + 1].content.strip(), int(token.tag[1:]),
                              token.map[0] + 1)
            if token.level == 0:
                note.headings.append(heading)
            else:  # see _CONTAINERS
                heading.container = containers[0] if containers else "container"
                note.nested_headings.append(heading)
    if "|" in text:
        _report_extra_cells(note, tokens, lines)
    if "%%" in text:
        spans = comment_spans(lines, tokens)
        _mark_commented(note.links, spans)
        # A would-be link inside a comment is a finding on a link there too (--commented).
        dropped = [d for d in note.diagnostics if d.code in DROPPED_CODES]
        _mark_commented(dropped, spans)
        for diagnostic in dropped:
            if diagnostic.commented:
                diagnostic.message += f" {COMMENTED}"
        if "vaultgraph" in text:
            note.suppressions = suppressions(lines, spans)
    share_lines(note.links + note.citations)
    return note


_FOOTNOTE_DEFINITION = re.compile(r" {0,3}\[\^[^\]\s]+\]:")


def footnote_spans(lines: list[str], start: int, end: int) -> list[tuple[int, int]]:
    """The footnote definitions in a top-level paragraph on ``lines[start:end]`` (0-based,
    end excluded): (first, last) 1-based lines of each, from its ``[^label]:`` line (up to
    3 spaces before it; it may interrupt the paragraph) to the line before the next
    definition or the paragraph's end.  Its continuation lines, indented or not, belong to
    it as they do in pandoc's footnotes and markdown-it-footnote's (docs/obsidian-rules.md,
    "Footnotes").  Nothing when no line of the paragraph opens a definition."""
    starts = [number for number in range(start, end) if _FOOTNOTE_DEFINITION.match(lines[number])]
    return [(first + 1, (starts[i + 1] if i + 1 < len(starts) else end))
            for i, first in enumerate(starts)]


# Only headings at the top level of the document are headings of the note: Obsidian's
# outline and heading links ignore one inside a callout, a quote or a list item (its
# metadata cache holds no such heading: maintainers of Advanced URI, #124, and of
# Switcher++, #195).  Code, HTML blocks and front matter hold no heading tokens at all.
_CONTAINERS = {"blockquote_open": "quote", "list_item_open": "list item"}
_CONTAINERS_CLOSE = {"blockquote_close", "list_item_close"}
# The block tokens parse_text does something with, but for inline ones.
_WALKED = frozenset({*_CONTAINERS, *_CONTAINERS_CLOSE, "front_matter", "heading_open"})
_CALLOUT = re.compile(r"\[![^\]\n]+\]")


def _container_name(tokens: list, index: int) -> str:
    """``quote``, ``callout`` (a quote opening with ``[!type]``) or ``list item``."""
    name = _CONTAINERS[tokens[index].type]
    if (name == "quote" and index + 2 < len(tokens) and tokens[index + 1].type == "paragraph_open"
            and _CALLOUT.match(tokens[index + 2].content)):
        return "callout"
    return name


# Blocks whose text is never markdown: a `%%` in them opens no comment.
_LITERAL_BLOCKS = frozenset({"fence", "code_block", "math_block", "math_block_eqno",
                             "html_block", "front_matter"})
_BACKTICKS = re.compile(r"`+")


def _without_code_spans(line: str) -> str:
    """``line`` with its inline code spans blanked out, columns kept (the closing rule:
    syntax.scan.code_span_end)."""
    runs = backtick_runs(line)
    pieces, done = [], 0
    pos = line.find("`")
    while pos >= 0:
        end = code_span_end(line, pos, runs)
        if end is None:  # text: on past the run
            end = _BACKTICKS.match(line, pos).end()
        else:
            pieces.append(line[done:pos] + " " * (end - pos))
            done = end
        pos = line.find("`", end)
    return "".join(pieces) + line[done:]


def comment_spans(lines: list[str], tokens) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The ``%%comments%%`` of a note: ((line, column) where each opens, (line, column)
    just after it closes), 1-based, in order.  ``%%`` pairs in document order, across
    lines and blocks; a ``%%`` in code, math, HTML blocks or front matter, or in an
    inline code span, is text; an unclosed ``%%`` comments out the rest of the note
    (as Obsidian's editor shows it).  Source: Help [Basic formatting syntax#Comments]."""
    literal: set[int] = set()
    for token in tokens:
        if token.type in _LITERAL_BLOCKS and token.map:
            literal.update(range(*token.map))
    marks = []
    for number in [number for number, line in enumerate(lines) if "%%" in line]:
        if number in literal:
            continue
        line = lines[number]
        if "`" in line:
            line = _without_code_spans(line)
        at = line.find("%%")
        while at >= 0:  # (each `%%` after the one before: a `%%%` is one and a `%`)
            marks.append((number + 1, at + 1))
            at = line.find("%%", at + 2)
    spans = []
    for index in range(0, len(marks), 2):
        start = marks[index]
        if index + 1 < len(marks):
            line, column = marks[index + 1]
            spans.append((start, (line, column + 2)))
        else:
            spans.append((start, (len(lines) + 1, 1)))
    return spans


_SUPPRESSION = re.compile(r"\s*vaultgraph:\s*ignore(?:\[([^\]\n]*)\])?\s*")


def suppressions(lines: list[str], spans) -> list[Suppression]:
    """The ``%% vaultgraph: ignore[code, ...] %%`` comments among ``spans``
    (:func:`comment_spans`; a comment on one line whose whole text is the directive):
    with text before or after it on its line, it silences that line; alone on its line,
    the block below it, up to the next blank line (a comment is invisible in Obsidian's
    reading view).  ``ignore`` without ``[...]`` names every code (ruff's bare
    ``# noqa``)."""
    found = []
    for (line, column), (end_line, end) in spans:
        if line != end_line:
            continue
        text = lines[line - 1]
        match = _SUPPRESSION.fullmatch(text, column + 1, end - 3)
        if match is None:
            continue
        codes = [code.strip() for code in (match.group(1) or "").split(",") if code.strip()]
        first = last = line
        if not text[:column - 1].strip() and not text[end - 1:].strip():
            first = last = line + 1  # alone on its line: the block below it
            while last <= len(lines) and lines[last - 1].strip():
                last += 1
            last -= 1
        found.append(Suppression(line, column, first, last, codes))
    return found


def _mark_commented(links: list, spans) -> None:
    """Set ``commented`` on the links (or diagnostics) that start inside one of ``spans``."""
    if not spans:
        return
    starts = [start for start, _ in spans]
    for link in links:
        place = (link.line, link.column)
        index = bisect_right(starts, place) - 1
        if index >= 0 and place < spans[index][1]:
            link.commented = True


def _read_inline(note: Note, token, parent: str, in_quote: bool, lines: list[str],
                 cursors: dict[int, int]) -> None:
    content = token.content
    locator: _Locator | None = None  # made on first use: most text has nothing to place

    def locate(offset: int) -> tuple[int, int]:
        nonlocal locator
        if locator is None:
            locator = _Locator(lines, cursors, token.map[0], content)
        return locator.locate(offset)

    shown: dict[int, LineText] = {}

    def context(line: int, column: int = 1) -> LineText:  # (share_lines trims them)
        found = shown.get(line)
        if found is None:
            found = shown[line] = LineText(lines[line - 1] if line <= len(lines) else "")
        return found

    identifiers = may_hold_identifiers(content)
    cited_before, links_before = len(note.citations), len(note.links)
    scanned = token.meta.get("scanned") if token.meta else None
    for element in _elements(token.children, content) if scanned is None else scanned:
        kind = element[0]
        if kind == "wikilink":
            _, pos, parts, embed = element
            line, col = locate(pos)
            note.links.append(Link(
                kind="embed" if embed else "link", raw=parts.raw, path=parts.path,
                subpath=parts.subpath, alias=parts.alias, line=line, column=col,
                context=context(line, col), embed=embed,
            ))
        elif kind == "tag":
            line, col = locate(element[1])
            note.tags.append(Tag(element[2], line, col))
        elif kind == "link":
            _, pos, href, image = element
            line, col = locate(pos)
            link = _markdown_link(href, image, line, col, context(line, col))
            if link:
                note.links.append(link)
            elif href.startswith(("http://", "https://")) and not image:
                found = web_identifier(href)  # an image shown is no source cited
                if found:
                    note.citations.append(Citation(*found, line, col, context(line, col)))
        elif identifiers:
            _, start, text = element
            for id_kind, value, offset in find_identifiers(text):
                line, col = locate(start + offset)
                note.citations.append(Citation(id_kind, value, line, col, context(line, col)))

    if "[[" in content or "](" in content:
        _report_dropped(note, token, parent, scanned, locate, lines)

    if parent == "paragraph_open":
        # a quote is tied to a source when its paragraph cites one too
        cited = len(note.citations) > cited_before or len(note.links) > links_before \
            or "[^" in content
        quotes = [Quote(person, text, *locate(offset), cited)
                  for person, text, offset in find_quotes(content)]
        attributed = blockquote_attribution(content) if in_quote and not quotes else None
        if attributed:
            quotes.append(Quote(*attributed, *locate(0), cited))
        note.quotes.extend(quotes)

    last_start = content.rfind("\n") + 1
    last = content[last_start:]
    match = find_block_id(last) if parent in ("paragraph_open", "heading_open") else None
    if match is None and parent in ("td_open", "th_open"):
        match = _BLOCK_ONLY.fullmatch(last.strip())
    if match:
        line, col = locate(last_start + match.start(1) - 1)
        note.blocks.append(Block(match.group(1), line, col))


def _report_dropped(note: Note, token, parent: str, scanned: list | None, locate,
                    lines: list[str]) -> None:
    """A diagnostic for each would-be link of an inline token that is read as text
    (syntax/dropped.py: a wikilink cut by a table's ``|`` or a line break...)."""
    content = token.content
    if scanned is not None:
        if not any("[[" in e[2] or "](" in e[2] for e in scanned if e[0] == "text"):
            return  # (dropped_links looks for would-be links in plain text only)
        plain = [(e[1], e[1] + len(e[2])) for e in scanned if e[0] == "text"]
    else:
        plain = _plain_spans(token.children or [], len(content))
    in_table = parent in ("td_open", "th_open")

    def source_rest(offset: int) -> str:  # a link cut in a row is looked for this far
        line, column = locate(offset)
        return lines[line - 1][column - 1:column + 999] if line <= len(lines) else ""

    for found in dropped_links(content, plain, in_table, source_rest):
        line, column = locate(found.offset)
        note.diagnostics.append(Diagnostic(note.path, line, column, WARNING, found.code,
                                           found.message, found.target))


def _report_extra_cells(note: Note, tokens, lines: list[str]) -> None:
    """A would-be link in the cells of a table row past the table's columns: GFM drops
    those cells, links and all, so it is reported (``cut-link``, at its first one)."""
    columns = 0
    for index, token in enumerate(tokens):
        if token.type == "thead_open":
            columns = 0
        elif token.type == "th_open":
            columns += 1
        elif token.type == "tr_open" and token.map and index and tokens[index - 1].type != "thead_open":
            line = lines[token.map[0]] if token.map[0] < len(lines) else ""
            found = extra_cell_links(line, columns)
            if found is not None:
                column, message, target = found
                note.diagnostics.append(Diagnostic(note.path, token.map[0] + 1, column, WARNING,
                                                   CUT_LINK, message, target))


def _plain_spans(children: list, end: int) -> list[tuple[int, int]]:
    """The runs of an inline token's content that no token but text covers: every other
    token knows where it starts and ends (syntax/__init__.py), a tag its name."""
    covered = []
    for child in children:
        meta = child.meta or {}
        start = meta.get("start", meta.get("pos"))
        stop = start + 1 + len(meta["name"]) if child.type == "tag" else meta.get("end")
        if start is not None and stop is not None:
            covered.append((start, stop))
    spans, cursor = [], 0
    for start, stop in sorted(covered):
        if start > cursor:
            spans.append((cursor, start))
        cursor = max(cursor, stop)
    if cursor < end:
        spans.append((cursor, end))
    return spans


def _elements(children, content: str):
    """An inline token's children as the elements syntax/scan.py gives: wikilinks,
    tags, markdown links and images (``("link", offset, href, is_image)``), text."""
    children = children or []
    cursor = 0  # where the previous element ends
    for child, limit in zip(children, _text_limits(children, len(content))):
        meta = child.meta
        if child.type == "wikilink":
            yield "wikilink", meta["pos"], meta["parts"], meta["embed"]
        elif child.type == "tag":
            yield "tag", meta["pos"], meta["name"]
        elif child.type in ("link_open", "image") and "pos" in meta:
            image = child.type == "image"
            yield "link", meta["pos"], str(child.attrs.get("src" if image else "href", "")), image
        elif child.type == "text":
            found = content.find(child.content, cursor, limit)
            start = found if found >= 0 else cursor
            cursor = start + len(child.content) if found >= 0 else cursor
            yield "text", start, child.content
        cursor = _after(child, cursor)


def _text_limits(children: list, end: int) -> list[int]:
    """For each child, where the next child that is not text starts (or ``end``).

    A text child is looked for between the end of the element before it and the
    start of the one after it: every token but text knows where it starts and ends
    (syntax/__init__.py), and a text whose escapes or entities keep it from being
    found as written then costs no more than its own stretch of the content."""
    limits = [0] * len(children)
    for index in range(len(children) - 1, -1, -1):
        limits[index] = end
        meta = children[index].meta
        end = meta.get("start", meta.get("pos", end))
    return limits


def _after(child, cursor: int) -> int:
    """Where text after ``child`` can start (a link's own text is inside it)."""
    if child.type != "link_open" and "end" in child.meta:
        return max(cursor, child.meta["end"])
    return cursor


def plain_text(root: Path, path: str, words: re.Pattern[str] | None = None):
    """``(text, place)`` for each run of plain text in a note -- outside code, math,
    HTML, links and front matter, with escapes and entities decoded -- where
    ``place(offset)`` gives the file line, column and line text of an offset in ``text``.
    Unreadable files yield nothing.

    ``words``: a pattern of whole words (``(?<!\\w)...(?!\\w)``); a note is then not
    parsed when its text can hold no match in a run: when it has no match, no ``&`` and
    no ``\\`` (a run is the text as written but for entities and escapes, and the
    syntax around a run starts and ends with characters that are not part of a word, so
    its ends are word boundaries in the text too)."""
    text, _ = read_text(root, path)
    if text is None:
        return
    if words is not None and "&" not in text and "\\" not in text and not words.search(text):
        return
    text = _normalise(text)
    lines = text.split("\n")
    cursors: dict[int, int] = {}
    try:
        with time_limit(MAX_PARSE_SECONDS):
            tokens = markdown_parser(decoded_apart=True).parse(text)
    except (ParseTimeout, RecursionError):
        return
    for token in tokens:
        if token.type != "inline" or not token.map:
            continue
        locator = _Locator(lines, cursors, token.map[0], token.content)
        cursor, depth = 0, 0
        run: list[tuple[int, str, bool]] = []  # (offset in the content, text, decoded)
        children = token.children or []
        for child, limit in zip(children, _text_limits(children, len(token.content))):
            found, decoded = -1, False
            if child.type == "text_special" and "start" in child.meta:  # escape, entity
                found, decoded = child.meta["start"], True
            elif child.type in ("text", "text_special"):
                found = token.content.find(child.content, cursor, limit)
                cursor = found + len(child.content) if found >= 0 else cursor
            if found < 0 and run:  # a run ends at anything but text found where it is
                yield _placed(run, locator, lines)
                run = []
            if found >= 0 and not depth:
                run.append((found, child.content, decoded))
            depth += (child.type == "link_open") - (child.type == "link_close")
            cursor = _after(child, cursor)
        if run:
            yield _placed(run, locator, lines)


def _placed(run: list[tuple[int, str, bool]], locator: _Locator, lines: list[str]):
    """A run of pieces of text as ``(text, place)`` (see :func:`plain_text`)."""
    starts, length = [], 0  # where each piece starts in the run's text
    for _, piece, _ in run:
        starts.append(length)
        length += len(piece)

    def place(offset: int) -> tuple[int, int, str]:
        index = bisect_right(starts, offset) - 1
        source, _, decoded = run[index]
        # in a decoded escape or entity, every character is where it starts
        line, column = locator.locate(source + (0 if decoded else offset - starts[index]))
        return line, column, line_context(lines[line - 1], column)

    return "".join(piece for _, piece, _ in run), place
