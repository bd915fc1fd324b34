"""The block pass on pyromark: the block tokens markdown-it-py would give, sooner.

pyromark wraps pulldown-cmark (the CommonMark parser of Rust's documentation tools); it
finds a note's blocks -- headings, paragraphs, quotes, lists, code, HTML, rules -- and
gives each event with its source range.  The events are turned here into the flat block
tokens :func:`vaultgraph.parse.parse_text` reads (``heading_open``, ``inline``,
``blockquote_open``...: type, line map, inline content, nesting level); the inline text
is sliced from the note by those ranges (UTF-8 byte offsets) and read by markdown-it-py's
own inline rules and ours, as before: markdown-it-py decides links, tags, code spans and
math everywhere, pyromark only where blocks start and end.  Front matter is found here by
mdit-py-plugins' rule (as ``syntax.markdown_parser`` keeps it: the note's first line
only), never by pyromark's metadata option, which takes any later ``---`` block for
metadata.

markdown-it-py's full parse is the reference, and the tests compare the two on every
note of the corpora and on generated text (tests/test_blocks.py).  Where pyromark cannot
be trusted to give the same blocks, :func:`block_tokens` returns None and the note is
parsed by markdown-it-py alone, decided by the text before the parse or by the events:

- ``$$`` anywhere: pyromark's math is off (``$$`` blocks are markdown-it-py's plugin);
- ``]:`` anywhere, as a link reference definition (or a footnote definition, which
  CommonMark takes for one) has it: definitions change how brackets are read;
- a line that could be a table's delimiter row (only ``|``, ``-``, ``:`` and whitespace
  after any quote or list markers, with a ``|`` and a ``-``): tables are markdown-it-py's;
- a line starting with 80 or more columns of quote or list markers and indentation:
  markdown-it-py stops at :data:`~vaultgraph.syntax.MAX_NESTING` levels and the note gets
  a ``too-deep`` diagnostic; under 80 columns no block is that deep;
- over :data:`MAX_COMPILED_CHARS` characters: Rust code cannot be interrupted by the
  parse timeout (SIGALRM), so the compiled pass only gets bounded inputs and a larger note
  keeps the interruptible parser and its timeout;
- a line of a paragraph or heading that no inline event starts on, or that a code span
  or inline HTML from the line before runs into (its quote or list markers cannot be
  told from its text then), and a setext heading over more than one line (markdown-it-py
  keeps the indentation of its later lines);
- a paragraph's later line indented 4 columns or more that starts as a block could
  (``   - text`` then ``    > quote``): CommonMark keeps it in the paragraph lazily,
  markdown-it-py ends the list item there and reads an indented code block;
- any event this module does not know, and text pyromark cannot take (lone surrogates).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache

MAX_COMPILED_CHARS = 1_000_000
MAX_PREFIX_COLUMNS = 80

_MATH = "$$"
# A line that may open a link reference (or footnote) definition: after any quote or list
# markers, a bracketed label (no unescaped bracket in it; it may run over lines) and `:`.
_DEFINITION = re.compile(r"^[ \t>*+.)0-9-]*\[(?:[^\[\]\\]|\\.)*\]:", re.M)
# After optional quote/list markers: a would-be delimiter row (checked for | and - below).
_ROW = re.compile(r"^[ \t>*+.)0-9-]*?[|:][ \t|:-]*$", re.M)
_PREFIX = re.compile(r"^[ \t>*+.)0-9-]{20,}", re.M)

# What may open a block where a paragraph goes on: on a lazy line indented 4 columns or
# more (under a list item's content column), markdown-it-py lets it end the list item,
# CommonMark (pulldown-cmark) keeps the line in the paragraph.
_CLOSING = re.compile(r"[ \t]#+$")
_INTERRUPTERS = frozenset(b">#`~<-*+_=0123456789")
_ATOMS = ("Code", "InlineHtml", "Html")  # inline events that may run over a line break
_INLINE_CONTAINERS = frozenset({"Emphasis", "Strong", "Strikethrough", "Superscript",
                                "Subscript", "Link", "Image"})
_HEADING_TAGS = {f"H{n}": f"h{n}" for n in range(1, 7)}


class BlockToken:
    """The fields of a markdown-it-py token that the parse reads."""

    __slots__ = ("type", "tag", "map", "level", "content", "children", "meta")

    def __init__(self, type: str, map: list[int] | None, level: int, content: str = "",
                 tag: str = ""):
        self.type, self.map, self.level, self.content, self.tag = type, map, level, content, tag
        self.children = None
        self.meta: dict = {}


@cache
def _events_with_range():
    from pyromark import events_with_range

    return events_with_range


def needs_reference(text: str) -> bool:
    """True when the note must be read by markdown-it-py alone (the module's list)."""
    if len(text) > MAX_COMPILED_CHARS or _MATH in text:
        return True
    if "]:" in text and _DEFINITION.search(text):
        return True
    if "|" in text:
        for match in _ROW.finditer(text):
            row = match.group()
            if "|" in row and "-" in row:
                return True
    for match in _PREFIX.finditer(text):
        if len(match.group().expandtabs(4)) >= MAX_PREFIX_COLUMNS:
            return True
    return False


def front_matter(lines: list[str]) -> tuple[str, int] | None:
    """(content, lines it takes) of the front matter opening the note, by mdit-py-plugins'
    rule at the note's start: a first line starting with 3 or more ``-``, closed by a line
    of at least as many ``-`` (indented under 4 columns, then only spaces or tabs) or by
    ``...`` at the first column; None when there is none or it is never closed."""
    first = lines[0]
    count = len(first) - len(first.lstrip("-"))
    if count < 3:
        return None
    for number in range(1, len(lines)):
        line = lines[number]
        body = line.lstrip(" \t")
        if line.startswith("...") and not line[3:].strip(" \t"):
            break
        if not body.startswith("-"):
            continue
        if len(line[:len(line) - len(body)].expandtabs(4)) >= 4:
            continue
        dashes = len(body) - len(body.lstrip("-"))
        if dashes >= count and not body[dashes:].strip(" \t"):
            break
    else:
        return None
    return "\n".join(lines[1:number]), number + 1


def _inline_container(value) -> bool:
    return (value in _INLINE_CONTAINERS if type(value) is str
            else next(iter(value)) in _INLINE_CONTAINERS)


class _Unknown(Exception):
    """Events this module does not turn into markdown-it-py's tokens."""


def block_tokens(text: str, md) -> list | None:
    """The tokens of markdown-it-py's ``md.parse(text)`` for normalised ``text`` (no CR,
    no NUL), block pass by pyromark and inline pass by ``md``'s core rules; None when the
    note must be read by markdown-it-py alone (see the module docstring)."""
    if needs_reference(text):
        return None
    tokens: list = []
    body = text
    if text.startswith("---"):
        lines = text.split("\n")
        found = front_matter(lines)
        if found is not None:
            content, taken = found
            tokens.append(BlockToken("front_matter", [0, taken], 0, content))
            # the same lines, blank: pyromark sees no `---` there, and offsets keep lines
            body = "\n" * taken + "\n".join(lines[taken:])
    try:
        data = body.encode("utf-8")
        # A lazy iterator, read event by event: between two events the parse timeout
        # (SIGALRM) is handled; the first one holds pulldown-cmark's whole block pass.
        events = _events_with_range()(body, merge_text=True)
    except (UnicodeEncodeError, ValueError):
        return None
    starts = [0]  # where each line starts, in UTF-8 bytes (the ranges' unit)
    find = data.find
    at = find(b"\n")
    while at >= 0:
        starts.append(at + 1)
        at = find(b"\n", at + 1)
    try:
        _Builder(data, starts, tokens).run(events)
    except _Unknown:
        return None
    from markdown_it.rules_core import StateCore

    state = StateCore(text, md, {})
    state.tokens = tokens
    for name, rule in zip(md.core.ruler.get_active_rules(), md.core.ruler.getRules("")):
        if name not in ("normalize", "block"):
            rule(state)
    return tokens


class _Builder:
    """pyromark's events -> markdown-it-py's block tokens."""

    def __init__(self, data: bytes, starts: list[int], tokens: list):
        self.data, self.starts, self.tokens = data, starts, tokens
        self.level = 0
        self.stack: list[str] = []  # open containers: "quote", "list", "item"
        self.inline: list | None = None  # (start, end, atom) of the open leaf's events
        self.tight = False  # the open leaf is a tight list item's text
        self.literal = False  # in code or an HTML block
        self.heading_tag = ""

    def lines(self, start: int, end: int) -> list[int]:
        starts = self.starts
        return [bisect_right(starts, start) - 1, bisect_right(starts, max(end - 1, start))]

    def run(self, events) -> None:
        for event, span in events:
            if type(event) is str:
                if event in ("SoftBreak", "HardBreak"):
                    self.add_inline(span, False)
                elif event == "Rule":
                    self.close_tight()
                    self.tokens.append(BlockToken("hr", self.lines(span["start"], span["end"]),
                                                  self.level, tag="hr"))
                else:
                    raise _Unknown(event)
                continue
            ((kind, value),) = event.items()
            if kind == "Start":
                if _inline_container(value):
                    self.add_inline(span, False)
                else:
                    self.start(value, span)
            elif kind == "End":
                if not _inline_container(value):
                    self.end(value, span)
            elif kind in ("Text", "Code", "InlineHtml", "Html"):
                if not self.literal:
                    self.add_inline(span, kind in _ATOMS)
            else:
                raise _Unknown(kind)
        self.close_tight()

    def add_inline(self, span: dict, atom: bool) -> None:
        if self.inline is None:
            if self.literal or not self.stack or self.stack[-1] != "item":
                raise _Unknown("inline outside a block")
            # a tight list item's text: markdown-it-py gives it a (hidden) paragraph
            self.inline, self.tight = [], True
        self.inline.append((span["start"], span["end"], atom))

    def close_tight(self) -> None:
        if self.tight:
            events = self.inline
            self.inline, self.tight = None, False
            start = min(s for s, _, _ in events)
            end = max(e for _, e, _ in events)
            self.paragraph(events, start, end)

    def start(self, value, span: dict) -> None:
        self.close_tight()
        if self.inline is not None or self.literal:
            raise _Unknown(value)  # a block inside a paragraph, a heading or code
        tokens, level = self.tokens, self.level
        if value == "Paragraph":
            self.inline = []
        elif value == "Item":
            tokens.append(BlockToken("list_item_open", self.lines(span["start"], span["end"]),
                                     level, tag="li"))
            self.stack.append("item")
            self.level += 1
        elif value == "HtmlBlock":
            tokens.append(BlockToken("html_block", self.lines(span["start"], span["end"]),
                                     level))
            self.literal = True
        elif isinstance(value, dict):
            ((kind, detail),) = value.items()
            if kind == "Heading":
                self.inline, self.heading_tag = [], _HEADING_TAGS[detail["level"]]
            elif kind == "BlockQuote" and detail is None:
                tokens.append(BlockToken("blockquote_open",
                                         self.lines(span["start"], span["end"]), level,
                                         tag="blockquote"))
                self.stack.append("quote")
                self.level += 1
            elif kind == "List":
                name = "bullet_list" if detail is None else "ordered_list"
                tokens.append(BlockToken(name + "_open", self.lines(span["start"], span["end"]),
                                         level))
                self.stack.append("list")
                self.level += 1
            elif kind == "CodeBlock":
                name = "code_block" if detail == "Indented" else "fence"
                tokens.append(BlockToken(name, self.lines(span["start"], span["end"]), level))
                self.literal = True
            else:
                raise _Unknown(kind)
        else:
            raise _Unknown(value)

    def end(self, value, span: dict) -> None:
        if value == "Paragraph" or isinstance(value, dict) and "Heading" in value:
            if self.inline is None or self.tight:
                raise _Unknown(value)
            events, self.inline = self.inline, None
            if value == "Paragraph":
                self.paragraph(events, span["start"], span["end"])
            else:
                self.heading(events, span, self.heading_tag)
            return
        self.close_tight()
        if value in ("CodeBlock", "HtmlBlock"):
            self.literal = False
        elif value == "Item":
            self.stack.pop()
            self.level -= 1
            self.tokens.append(BlockToken("list_item_close", None, self.level, tag="li"))
        elif isinstance(value, dict):
            ((kind, detail),) = value.items()
            self.stack.pop()
            self.level -= 1
            if kind == "BlockQuote":
                self.tokens.append(BlockToken("blockquote_close", None, self.level,
                                              tag="blockquote"))
            elif kind == "List":
                self.tokens.append(BlockToken(
                    ("ordered_list" if detail else "bullet_list") + "_close", None, self.level))
            else:
                raise _Unknown(kind)
        else:
            raise _Unknown(value)

    def texts(self, events: list, first: int, last: int) -> list[str]:
        """The inline text of lines ``first`` to ``last`` (0-based, included): each from
        where its first event starts (a backslash escape's backslash included) to the
        line's end."""
        data, starts = self.data, self.starts
        firsts: dict[int, int] = {}
        for start, end, atom in events:
            line = bisect_right(starts, start) - 1
            if line not in firsts or start < firsts[line]:
                firsts[line] = start
            if atom and end > start and bisect_right(starts, end - 1) - 1 > line:
                raise _Unknown("an inline element over a line break")
        parts = []
        for line in range(first, last + 1):
            if line not in firsts:
                raise _Unknown("a line without events")
            begin = firsts[line]
            if begin > starts[line] and data[begin - 1] == 0x5C:  # `\`: an escape's
                begin -= 1
            elif line > first and data[begin] in _INTERRUPTERS:
                prefix = data[starts[line]:begin].decode("utf-8").expandtabs(4)
                if len(prefix) - len(prefix.rstrip(" ")) >= 4:
                    raise _Unknown("a lazy line that could open a block")
            stop = starts[line + 1] - 1 if line + 1 < len(starts) else len(data)
            parts.append(data[begin:stop].decode("utf-8"))
        return parts

    def paragraph(self, events: list, start: int, end: int) -> None:
        first, stop = self.lines(start, end)
        content = "\n".join(self.texts(events, first, stop - 1)).strip() if events else ""
        level, append = self.level, self.tokens.append
        append(BlockToken("paragraph_open", [first, stop], level, tag="p"))
        append(BlockToken("inline", [first, stop], level + 1, content))
        append(BlockToken("paragraph_close", None, level, tag="p"))

    def heading(self, events: list, span: dict, tag: str) -> None:
        map_ = self.lines(span["start"], span["end"])
        if events:
            start = min(s for s, _, _ in events)
            end = max(e for _, e, _ in events)
            first = bisect_right(self.starts, start) - 1
            if bisect_right(self.starts, max(end - 1, start)) - 1 != first:
                raise _Unknown("a heading over more than one line")
            if start > self.starts[first] and self.data[start - 1] == 0x5C:
                start -= 1
            content = self.data[start:end].decode("utf-8").strip()
            if map_[1] - map_[0] == 1 and "#" in content:  # an ATX heading: a closing
                # sequence after a tab is one (CommonMark; pulldown-cmark wants a space)
                content = _CLOSING.sub("", content)
        else:
            content = ""
        level, append = self.level, self.tokens.append
        append(BlockToken("heading_open", map_, level, tag=tag))
        append(BlockToken("inline", map_, level + 1, content))
        append(BlockToken("heading_close", None, level, tag=tag))
