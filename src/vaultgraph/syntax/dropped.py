"""Text that looks like a link but that Obsidian does not read as one.

Obsidian drops such text without a word, and so does the parser (rightly: it reads
what Obsidian reads).  This module finds the kinds that are a writer's mistake, in
the plain text of an inline token (outside code spans, math, HTML, autolinks and the
links that were read), so that ``check`` can say so:

- ``cut-link``: a wikilink cut in two -- by a table row's ``|`` (GFM splits the row
  into cells before any link is read; ``\\|`` does not split), or by a line break
  (a wikilink ends at the end of its line);
- ``unclosed-link``: ``[[`` or ``![[`` and a name, with no ``]]`` on the line;
- ``space-in-link``: ``[t](My Note.md)``: a space ends a CommonMark link destination,
  so this is text, not a link; ``%20`` or ``<My Note.md>`` make it one.

What stays quiet: code (spans and blocks), math, HTML comments and blocks (never
plain text here), escaped brackets (``\\[[x]]``), a ``[[`` that another ``[[`` on the
line makes text (``[[a [[b]] c]]``: Obsidian's rule), ``[[`` with nothing or a space
after it (prose about the syntax), empty links (``[[]]``, ``[[|alias]]``: a template's
placeholder or prose about the syntax; no target is lost), and in a table a would-be
link after an odd number of backticks or dollars in its cell (a code span or math
that the ``|`` cut).  Rules and sources:
docs/obsidian-rules.md ("Text that is not read").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Callable, NamedTuple

from ..codes import Code
from ..model import ATTACHMENT_EXTENSIONS
from .wikilinks import split_linktext

CUT_LINK, UNCLOSED_LINK, SPACE_IN_LINK = Code.CUT_LINK, Code.UNCLOSED_LINK, Code.SPACE_IN_LINK
DROPPED_CODES = frozenset({CUT_LINK, UNCLOSED_LINK, SPACE_IN_LINK})

# A destination ending with the extension of a note or of a file Obsidian opens names a file.
_FILE = r"\.(?:md|" + "|".join(sorted(ATTACHMENT_EXTENSIONS)) + ")"
_SPACED = re.compile(r"!?\[([^\[\]\n]*)\]\(([^()<>\n]*)\)")
_SPACED_DESTINATION = re.compile(r"([^#]*?" + _FILE + r")((?:#.*)?)", re.IGNORECASE | re.DOTALL)
_SCHEME = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*:")
_SHOWN = 60  # characters of the text shown in a message


class Dropped(NamedTuple):
    """A would-be link: where it starts in the inline text (its ``!`` or first ``[``),
    the diagnostic code, the message and the target text (None when there is none)."""

    offset: int
    code: str
    message: str
    target: str | None


def _escaped(text: str, index: int) -> bool:
    """An odd run of backslashes just before ``index``."""
    count = 0
    while index > 0 and text[index - 1] == "\\":
        count += 1
        index -= 1
    return count % 2 == 1


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN - 3] + "..."


def _unescaped_pipe(text: str, start: int, end: int) -> bool:
    index = text.find("|", start, end)
    while index >= 0:
        if not _escaped(text, index):
            return True
        index = text.find("|", index + 1, end)
    return False


def dropped_links(content: str, plain: list[tuple[int, int]], in_table: bool = False,
                  source_rest: Callable[[int], str] | None = None) -> list[Dropped]:
    """The would-be links in ``content`` (an inline token's text, as written), in order.

    ``plain``: the (start, end) offsets of the runs of ``content`` read as plain text,
    sorted.  ``in_table``: ``content`` is a table cell; ``source_rest(offset)`` then
    gives its source line from ``offset`` on (the row as written, before the cells
    were cut from it).
    """
    if "[[" not in content and "](" not in content:
        return []
    starts = [start for start, _ in plain]

    def is_plain(index: int) -> bool:
        at = bisect_right(starts, index) - 1
        return at >= 0 and index < plain[at][1]

    found: list[Dropped] = []
    for start, end in plain:
        index = content.find("[[", start, end)
        while index >= 0:
            nxt = index + 2
            while nxt < end and content[nxt] == "[":  # `[[[`: its first `[[` is the one
                nxt += 1
            if not _escaped(content, index):
                dropped = _wikilink_like(content, index, in_table, source_rest, is_plain)
                if dropped is not None:
                    found.append(dropped)
            index = content.find("[[", nxt, end)
        if "](" in content[start:end]:
            found.extend(_spaced(content, start, end))
    found.sort(key=lambda d: d.offset)
    return found


def _wikilink_like(content: str, index: int, in_table: bool,
                   source_rest: Callable[[int], str] | None,
                   is_plain: Callable[[int], bool]) -> Dropped | None:
    """What the ``[[`` at ``index`` that opened no wikilink is, if a mistake."""
    embed = index > 0 and content[index - 1] == "!" and is_plain(index - 1)
    opener = index - 1 if embed else index
    bang = "!" if embed else ""
    inner_start = index + 2
    # Every search stops at the next `[[` or line break: linear time on a line of `[[`s.
    other = content.find("[[", inner_start)
    line_end = content.find("\n", inner_start, other if other >= 0 else len(content))
    if line_end < 0:
        if other >= 0:  # closed before it (a link, or empty), or `[[a [[b]] c]]`, whose
            return None  # inner one is the link (Obsidian): nothing lost
        line_end = len(content)
    close = content.find("]]", inner_start, line_end)
    if in_table and close < 0:
        cell_before = content[:index]
        if cell_before.count("`") % 2 or cell_before.count("$") % 2:
            return None  # a code span or math that a `|` cut: not meant as a link
        if source_rest is not None:
            row = source_rest(opener)
            start = len(bang) + 2
            row_close = row.find("]]", start)
            row_other = row.find("[[", start)
            if (row_close >= 0 and (row_other < 0 or row_other > row_close)
                    and _unescaped_pipe(row, start, row_close)):
                written = row[:row_close + 2]
                parts = split_linktext(row[start:row_close].replace("\\|", "|"))
                return Dropped(opener, CUT_LINK,
                               f'{_shown(written)} is cut in two: inside a table row, "|" '
                               'splits cells, so no link is read -- escape it as "\\|"',
                               parts.raw if parts else None)
    if close >= 0:
        return None  # closed on its line, so empty (`[[]]`, `[[|a]]`): no target is lost
    text = content[inner_start:line_end]
    if not text.strip() or text[0].isspace():
        return None  # a `[[` typed alone, or prose about brackets
    if line_end < len(content):  # a line break: is the `]]` on the next line?
        next_end = content.find("\n", line_end + 1)
        next_end = len(content) if next_end < 0 else next_end
        close = content.find("]]", line_end + 1, next_end)
        other = content.find("[[", line_end + 1, next_end)
        if close >= 0 and (other < 0 or other > close) and is_plain(close):
            target = " ".join(content[inner_start:close].split())
            parts = split_linktext(target)
            if "[" in target or "]" in target:
                return None  # `[[1, 2],\n[3, 4]]`: a matrix, not a name
            if parts is not None:
                return Dropped(opener, CUT_LINK,
                               f"{bang}[[{_shown(target)}]] is cut in two: a line break ends "
                               "a wikilink, so no link is read -- write it on one line",
                               parts.raw)
    return Dropped(opener, UNCLOSED_LINK,
                   f'{bang}[[{_shown(text.rstrip())} is not a link: no "]]" closes it on its line',
                   None)


def _without_title(inside: str) -> str:
    """What is between a markdown link's parentheses, without a CommonMark title at its
    end (``"t"`` or ``'t'`` after white space), which does not make it a link."""
    text = inside.rstrip()
    if len(text) > 1 and text[-1] in "\"'":
        opening = text.rfind(text[-1], 0, len(text) - 1)
        if opening > 0 and text[opening - 1].isspace():
            return text[:opening].rstrip()
    return text


def _spaced(content: str, start: int, end: int) -> list[Dropped]:
    """``[t](My Note.md)`` in plain text: a markdown link CommonMark does not read."""
    found = []
    for match in _SPACED.finditer(content, start, end):
        label, inside = match.groups()
        parts = _SPACED_DESTINATION.fullmatch(_without_title(inside))
        if parts is None:
            continue
        destination, fragment = parts.groups()
        written = (destination.strip() + fragment).rstrip()
        if (not any(ch.isspace() for ch in written) or _SCHEME.match(destination)
                or _escaped(content, match.start())):
            continue
        encoded = re.sub(r"\s", "%20", written)
        bang = "!" if match.group(0).startswith("!") else ""
        found.append(Dropped(
            match.start(), SPACE_IN_LINK,
            f"{_shown(match.group(0))} is not a link: a space ends a markdown link's "
            f"destination -- write {bang}[{_shown(label)}]({_shown(encoded)}) or "
            f"{bang}[{_shown(label)}](<{_shown(written)}>)",
            written))
    return found


def extra_cell_links(row: str, columns: int) -> tuple[int, str, str | None] | None:
    """The first would-be link in the cells of the table row ``row`` (its source line)
    past the table's ``columns`` columns, which GFM drops: (1-based column of its ``[``
    or ``!``, message, target) or None.  Cells are split as GFM splits them, at every
    ``|`` not right after a backslash (code spans do not protect it)."""
    if columns < 1 or "[" not in row:
        return None
    pipes = [i for i, ch in enumerate(row) if ch == "|" and (i == 0 or row[i - 1] != "\\")]
    if not pipes:
        return None
    leading = not row[:pipes[0]].strip(" \t>")  # the row opens with a pipe
    trailing = not row[pipes[-1] + 1:].strip()
    if len(pipes) + 1 - leading - trailing <= columns:
        return None
    start = pipes[columns - 1 + leading] + 1
    opener = row.find("[[", start)
    markdown = _SPACED.search(row, start)
    if markdown is not None and (opener < 0 or markdown.start() < opener):
        opener, close = markdown.start(), markdown.end()
    elif opener >= 0:
        if opener > start and row[opener - 1] == "!":
            opener -= 1
        close = row.find("]]", opener)
        close = close + 2 if close >= 0 else -1
    else:
        return None
    cell = row[row.rfind("|", 0, opener) + 1:opener]
    if cell.count("`") % 2 or cell.count("$") % 2:
        return None  # in code or math: not meant as a link
    written = row[opener:close] if close > opener else row[opener:].rstrip(" |")
    after = max(close, opener + 2)
    others = row.count("[[", after) + row.count("](", after)
    more = f" (and {others} more)" if others else ""
    inner = written.lstrip("!")[2:-2] if written.lstrip("!").startswith("[[") and close > 0 else ""
    parts = split_linktext(inner.replace("\\|", "|")) if inner else None
    target = parts.raw if parts else markdown.group(2).strip() \
        if markdown is not None and markdown.start() == opener else None
    return (opener + 1,
            f"{_shown(written)}{more} is not read: it is in a cell past the table's {columns} "
            f"column{'s' if columns > 1 else ''}, which GFM drops -- add a column, or write "
            '"\\|" for a "|" that should not split the row',
            target)
