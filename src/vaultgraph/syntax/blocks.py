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
- a line that may open a link reference definition (after any quote or list markers,
  ``[label]:``, the label possibly over several lines), or a footnote definition, which
  CommonMark takes for one: definitions change how brackets are read (``[[X]]: text``
  opens none and stays compiled);
- a line that could be a table's delimiter row (only ``|``, ``-``, ``:`` and whitespace
  after any quote or list markers, with a ``-``, and a ``|`` in it or in the line before:
  ``a|`` over ``--`` is a table too): tables are markdown-it-py's;
- a line starting with 80 or more columns of quote or list markers and indentation:
  markdown-it-py stops at :data:`~vaultgraph.syntax.MAX_NESTING` levels and the note gets
  a ``too-deep`` diagnostic; under 80 columns no block is that deep;
- over :data:`MAX_COMPILED_CHARS` characters: the events are read one by one, so the
  parse timeout (SIGALRM) is handled between two of them, but not inside the first, which
  holds pulldown-cmark's whole block pass; the compiled pass only gets bounded inputs,
  and a larger note keeps markdown-it-py and its timeout;
- a line of a paragraph or heading that no inline event starts on, or that a code span
  or inline HTML from the line before runs into, or that opens with a link's or an
  image's ``](..)`` (its first event is the element's end, whose range starts on the line
  before: its quote or list markers cannot be told from its text then), and a setext heading over more than one line (markdown-it-py
  keeps the indentation of its later lines);
- a paragraph's later line indented 4 columns or more that starts as a block could
  (``   - text`` then ``    > quote``): CommonMark keeps it in the paragraph lazily,
  markdown-it-py ends the list item there and reads an indented code block; and an
  indented code block starting with ``>`` (markdown-it-py takes ``    > x`` after a quote
  for more of the quote);
- a tab right after a list marker on a line opening with a quote marker: the two parsers
  count its columns differently there (no note of the corpora has one);
- a vertical tab or a form feed anywhere: blank to CommonMark (pulldown-cmark), not to
  markdown-it-py (``x`` over ``-\x0b`` is a heading to one, a paragraph to the other);
- any event this module does not know, text pyromark cannot take (lone surrogates), and
  a panic inside pyromark.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache
from itertools import accumulate, count
from operator import add

MAX_COMPILED_CHARS = 1_000_000
MAX_PREFIX_COLUMNS = 80

_MATH = "$$"
# The tests of a line's start are searched for in "\n" + text, each pattern opening with
# that line break: a literal is found fast, where `^` under re.M is tried at every
# character (a fifth of the test's time then).
# A line that may open a link reference (or footnote) definition: after any quote or list
# markers, a bracketed label (no unescaped bracket in it; it may run over lines) and `:`.
_DEFINITION = re.compile(r"\n[ \t>*+.)0-9-]*\[(?:[^\[\]\\]|\\.)*\]:")
# After optional quote/list markers: a would-be delimiter row (checked for | and - below).
_ROW = re.compile(r"\n[ \t>*+.)0-9-]*?[|:][ \t|:-]*(?=\n|\Z)")
_PREFIX = re.compile(r"\n[ \t>*+.)0-9-]{20,}")
# A tab after a list marker in a quote: markdown-it-py and pulldown-cmark count its columns
# differently there (`> > -\t  text` is a paragraph to one, indented code to the other).
_QUOTED_TAB = re.compile(r"\n[ \t]*>[ \t>]*(?:(?:[-+*]|[0-9]{1,9}[.)])[ \t]+)*(?:[-+*]|[0-9]{1,9}[.)])\t")
# A delimiter row needs no `|` of its own under a line with one (markdown-it's table rule:
# `a|` over `--` is a table of one column): a line of markers and delimiter characters
# (checked for a - below) after a line holding a `|` (from its last: linear).
_UNDER_PIPE = re.compile(r"\|[^\n|]*\n(?=([ \t>*+.)0-9:|-]*)(?:\n|\Z))")

_CLOSING = re.compile(r"[ \t]#+$")  # an ATX heading's closing sequence
# What may open a block where a paragraph goes on: on a lazy line indented 4 columns or
# more (under a list item's content column), markdown-it-py lets it end the list item,
# CommonMark (pulldown-cmark) keeps the line in the paragraph.
_INTERRUPTERS = frozenset(b">#`~<-*+_=0123456789")
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
    if len(text) > MAX_COMPILED_CHARS or _MATH in text or "\x0b" in text or "\x0c" in text:
        return True
    lines = "\n" + text  # each line, the first too, after a line break
    if "]:" in text and _DEFINITION.search(lines):
        return True
    if "|" in text:
        for match in _ROW.finditer(lines):
            row = match.group()
            if "|" in row and "-" in row:
                return True
        for match in _UNDER_PIPE.finditer(text):
            if "-" in match.group(1):
                return True
    if "\t" in text and ">" in text and _QUOTED_TAB.search(lines):
        return True
    for match in _PREFIX.finditer(lines):  # (the line break counts one column: 1 +)
        if len(match.group().expandtabs(4)) >= 1 + MAX_PREFIX_COLUMNS:
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
    except UnicodeEncodeError:  # lone surrogates: pyromark takes none either
        return None
    # where each line starts, in UTF-8 bytes (the ranges' unit): after the lines before
    # it and their line breaks
    lengths = data.split(b"\n")
    lengths.pop()
    starts = [0, *map(add, accumulate(map(len, lengths)), count(1))]
    try:
        # A lazy iterator, read event by event: between two events the parse timeout
        # (SIGALRM) is handled; the first one holds pulldown-cmark's whole block pass.
        events = _events_with_range()(body, merge_text=True)
        _build(data, starts, tokens, events)
    except _Unknown:
        return None
    except BaseException as exc:  # a Rust panic is a BaseException (pyo3's PanicException)
        if type(exc).__name__ != "PanicException":
            raise
        return None
    state_core, rules = _core_rules(md)
    state = state_core(text, md, {})
    state.tokens = tokens
    for rule in rules:
        rule(state)
    return tokens


@cache
def _core_rules(md) -> tuple:
    """markdown-it-py's StateCore, and ``md``'s core rules after its block pass, in
    order (a parser of ``syntax.markdown_parser`` is made once, its rules never changed
    after); its ``text_join`` given only the inline tokens with children."""
    from markdown_it.rules_core import StateCore, text_join

    rules = [_joining(rule) if rule is text_join else rule
             for name, rule in zip(md.core.ruler.get_active_rules(), md.core.ruler.getRules(""))
             if name not in ("normalize", "block")]
    return StateCore, tuple(rules)


def _joining(text_join):
    """``text_join`` run on the inline tokens with children alone: it changes no other
    token (it joins the text children of inline tokens); most have none here, their
    text read by syntax/scan.py."""

    def wrapped(state) -> None:
        tokens = state.tokens
        state.tokens = [token for token in tokens if token.children and token.type == "inline"]
        try:
            text_join(state)
        finally:
            state.tokens = tokens

    return wrapped


_CLOSERS: dict = {}  # (type, level, tag) -> its closing token (never changed by a rule)


def _closer(type: str, level: int, tag: str = "") -> BlockToken:
    key = (type, level, tag)
    token = _CLOSERS.get(key)
    if token is None:
        token = _CLOSERS[key] = BlockToken(type, None, level, tag=tag)
    return token


def _lines(starts: list[int], start: int, end: int) -> list[int]:
    """The line map ([first, after last], 0-based) of the bytes ``start`` to ``end``."""
    return [bisect_right(starts, start) - 1,
            bisect_right(starts, end - 1 if end > start else start)]


def _build(data: bytes, starts: list[int], tokens: list, events) -> None:
    """pyromark's events -> markdown-it-py's block tokens, appended to ``tokens``.

    One loop, its state in local variables (the events of a paragraph's text are most
    of them, and cost a comparison or two each); raises _Unknown where the module
    docstring says the note is markdown-it-py's."""
    append = tokens.append
    level = 0
    stack: list[str] = []  # open containers: "quote", "list", "item"
    # The open leaf (paragraph, heading, a tight item's text): where the first event of
    # each of its lines starts, its events' last end; None: no leaf open.
    firsts: list[int] | None = None
    last = 0
    broken = False  # the leaf's last event was a line break
    over = False  # a code span or inline HTML of the leaf runs over a line break
    tight = False  # the open leaf is a tight list item's text
    literal = False  # in code or an HTML block
    heading_tag = ""
    for event, span in events:
        if type(event) is str:
            if event == "SoftBreak" or event == "HardBreak":
                if firsts is None:
                    raise _Unknown(event)
                if broken or not firsts:  # (`\\` opening a line)
                    firsts.append(span["start"])
                end = span["end"]
                if end > last:
                    last = end
                broken = True
            elif event == "Rule":
                if tight:
                    _paragraph(append, data, starts, firsts, firsts[0], last, level, over)
                    firsts, tight = None, False
                append(BlockToken("hr", _lines(starts, span["start"], span["end"]), level,
                                  tag="hr"))
            else:
                raise _Unknown(event)
            continue
        for kind in event:
            break
        if kind == "Text":
            if literal:
                continue
        elif kind == "Start":
            value = event["Start"]
            if type(value) is str:
                if value in _INLINE_CONTAINERS:
                    pass  # its text: on to the leaf below
                else:
                    if tight:
                        _paragraph(append, data, starts, firsts, firsts[0], last, level, over)
                        firsts, tight = None, False
                    if firsts is not None or literal:
                        raise _Unknown(value)  # a block inside a paragraph, a heading or code
                    if value == "Paragraph":
                        firsts, last, broken, over = [], 0, False, False
                    elif value == "Item":
                        level = _opened(append, stack, "item", "list_item_open", starts, span,
                                        level, "li")
                    elif value == "HtmlBlock":
                        append(BlockToken("html_block",
                                          _lines(starts, span["start"], span["end"]), level))
                        literal = True
                    else:
                        raise _Unknown(value)
                    continue
            else:
                for name in value:
                    break
                if name not in _INLINE_CONTAINERS:
                    detail = value[name]
                    if tight:
                        _paragraph(append, data, starts, firsts, firsts[0], last, level, over)
                        firsts, tight = None, False
                    if firsts is not None or literal:
                        raise _Unknown(value)
                    if name == "Heading":
                        firsts, last, broken, over = [], 0, False, False
                        heading_tag = _HEADING_TAGS[detail["level"]]
                    elif name == "BlockQuote" and detail is None:
                        level = _opened(append, stack, "quote", "blockquote_open", starts, span,
                                        level, "blockquote")
                    elif name == "List":
                        level = _opened(append, stack, "list", "bullet_list_open"
                                        if detail is None else "ordered_list_open", starts, span,
                                        level)
                    elif name == "CodeBlock":
                        start = span["start"]
                        if detail == "Indented":
                            if data[start:start + 1] == b">":
                                # markdown-it-py reads `    > x` after a quote as more of it
                                raise _Unknown("an indented code block that starts as a quote")
                            block = "code_block"
                        else:
                            block = "fence"
                        append(BlockToken(block, _lines(starts, start, span["end"]), level))
                        literal = True
                    else:
                        raise _Unknown(name)
                    continue
        elif kind == "End":
            value = event["End"]
            if type(value) is str:
                if value == "Paragraph":
                    if firsts is None or tight:
                        raise _Unknown(value)
                    _paragraph(append, data, starts, firsts, span["start"], span["end"], level,
                               over)
                    firsts = None
                elif value in _INLINE_CONTAINERS:
                    if broken:  # a line opening with a link's or an image's `](..)`: no
                        # event says where that line's text starts
                        raise _Unknown("a line opening with an inline element's end")
                else:
                    if tight:
                        _paragraph(append, data, starts, firsts, firsts[0], last, level, over)
                        firsts, tight = None, False
                    if value == "CodeBlock" or value == "HtmlBlock":
                        literal = False
                    elif value == "Item":
                        stack.pop()
                        level -= 1
                        append(_closer("list_item_close", level, "li"))
                    else:
                        raise _Unknown(value)
                continue
            for name in value:
                break
            if name == "Heading":
                if firsts is None or tight:
                    raise _Unknown(value)
                _heading(append, data, starts, firsts, span, heading_tag, last, level)
                firsts = None
            elif name not in _INLINE_CONTAINERS:  # (an inline element's end is a text)
                if tight:
                    _paragraph(append, data, starts, firsts, firsts[0], last, level, over)
                    firsts, tight = None, False
                stack.pop()
                level -= 1
                if name == "BlockQuote":
                    append(_closer("blockquote_close", level, "blockquote"))
                elif name == "List":
                    append(_closer("ordered_list_close" if value[name] else "bullet_list_close",
                                   level))
                else:
                    raise _Unknown(name)
            continue
        elif kind == "Code" or kind == "InlineHtml":
            if literal:
                continue
            if data.find(b"\n", span["start"], span["end"]) >= 0:
                over = True
        elif kind == "Html" and literal:
            continue
        else:
            raise _Unknown(kind)
        # Text, a code span, inline HTML, the start of an inline container: in the leaf
        start = span["start"]
        if firsts is None:
            if literal or not stack or stack[-1] != "item":
                raise _Unknown("inline outside a block")
            # a tight list item's text: markdown-it-py gives it a (hidden) paragraph
            firsts, tight, broken, over = [start], True, False, False
        elif broken or not firsts:
            firsts.append(start)
            broken = False
        end = span["end"]
        if end > last:
            last = end
    if tight:
        _paragraph(append, data, starts, firsts, firsts[0], last, level, over)


def _opened(append, stack: list[str], container: str, type: str, starts: list[int],
            span: dict, level: int, tag: str = "") -> int:
    """A container's opening token appended, ``container`` on the stack; the level inside."""
    append(BlockToken(type, _lines(starts, span["start"], span["end"]), level, tag=tag))
    stack.append(container)
    return level + 1


def _texts(data: bytes, starts: list[int], firsts: list[int], first: int, last: int,
           over: bool) -> list[str]:
    """The inline text of lines ``first`` to ``last`` (0-based, included), given where
    the first event of each starts: from there (a backslash escape's backslash
    included) to the line's end."""
    if over:
        raise _Unknown("an inline element over a line break")
    if len(firsts) != last - first + 1:
        raise _Unknown("a line without events")
    count = len(starts)
    parts = []
    for line, begin in enumerate(firsts, first):
        following = line + 1 < count
        if not starts[line] <= begin < (starts[line + 1] if following else len(data) + 1):
            raise _Unknown("a line without events")
        if begin > starts[line] and data[begin - 1] == 0x5C:  # `\`: an escape's
            begin -= 1
        elif line > first and data[begin] in _INTERRUPTERS:
            prefix = data[starts[line]:begin].decode("utf-8").expandtabs(4)
            if len(prefix) - len(prefix.rstrip(" ")) >= 4:
                raise _Unknown("a lazy line that could open a block")
        parts.append(data[begin:starts[line + 1] - 1 if following else len(data)]
                     .decode("utf-8"))
    return parts


def _paragraph(append, data: bytes, starts: list[int], firsts: list[int], start: int,
               end: int, level: int, over: bool) -> None:
    first = bisect_right(starts, start) - 1
    stop = bisect_right(starts, end - 1 if end > start else start)
    map_ = [first, stop]
    if not firsts:
        content = ""
    elif stop - first == 1 and len(firsts) == 1 and not over:  # one line (most): _texts's
        begin, line_start = firsts[0], starts[first]
        line_end = starts[stop] - 1 if stop < len(starts) else len(data)
        if not line_start <= begin <= line_end:
            raise _Unknown("a line without events")
        if begin > line_start and data[begin - 1] == 0x5C:  # `\`: an escape's
            begin -= 1
        content = data[begin:line_end].decode("utf-8").strip()
    else:
        content = "\n".join(_texts(data, starts, firsts, first, stop - 1, over)).strip()
    append(BlockToken("paragraph_open", map_, level, "", "p"))
    append(BlockToken("inline", map_, level + 1, content))
    append(_closer("paragraph_close", level, "p"))


def _heading(append, data: bytes, starts: list[int], firsts: list[int], span: dict, tag: str,
             last: int, level: int) -> None:
    map_ = _lines(starts, span["start"], span["end"])
    if firsts:
        if len(firsts) > 1:
            raise _Unknown("a heading over more than one line")
        start = firsts[0]
        if data.find(b"\n", start, last) >= 0:
            raise _Unknown("a heading over more than one line")
        if start > 0 and data[start - 1] == 0x5C:
            start -= 1
        content = data[start:last].decode("utf-8").strip()
        if map_[1] - map_[0] == 1 and "#" in content:  # an ATX heading: a closing
            # sequence after a tab is one (CommonMark; pulldown-cmark wants a space) --
            # when pulldown-cmark took none off the line (then what it left is text)
            line_end = data.find(b"\n", last)
            if b"#" not in data[last:line_end if line_end >= 0 else len(data)]:
                content = _CLOSING.sub("", content)
    else:
        content = ""
    append(BlockToken("heading_open", map_, level, "", tag))
    append(BlockToken("inline", map_, level + 1, content))
    append(_closer("heading_close", level, tag))
