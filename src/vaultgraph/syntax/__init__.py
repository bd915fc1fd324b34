"""markdown-it-py configured for Obsidian-flavoured markdown.

Block structure (front matter, code, math, HTML, headings, tables) comes from
markdown-it-py and mdit-py-plugins; the Obsidian inline syntax is added as
small named rules: ``wikilink`` (links and embeds) and ``tag``.  Markdown
links and images keep markdown-it's own rules, wrapped to record where they
start.  ``%%comments%%`` need no rule: Obsidian indexes the links inside
them, so they are read as ordinary text.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Callable

from ..model import CONTEXT_CHARS, LineText
from .dispatch import dispatching_tokenizer
from .scan import scan_inline
from .tags import TAG_BODY, is_valid_tag, tag_rule
from .wikilinks import LinkText, next_index, split_linktext, wikilink_rule

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.rules_inline import StateInline

__all__ = [
    "BLOCK_ID",
    "find_block_id",
    "MAX_NESTING",
    "LinkText",
    "TAG_BODY",
    "is_valid_tag",
    "line_context",
    "markdown_parser",
    "split_linktext",
]

# A block id closes a block: `^id` at the very end of its last line, after
# whitespace or glued to a link (`![[x.png]]^id`, `[t](url)^id`), as real
# vaults (Obsidian's own help vault among them) write it.
BLOCK_ID = re.compile(r"(?:(?<=\s)|(?<=^)|(?<=\]\])|(?<=\)))\^([A-Za-z0-9-]+)[ \t]*$")


def find_block_id(line: str) -> re.Match | None:
    """The block id closing ``line``.  Only the last caret can open it (an id holds no
    caret, and only spaces and tabs follow it): matched there, not searched for from there
    (a pattern opening with lookbehinds is tried at every character up to the line's end:
    a caret inside a link early in a long paragraph cost 4 us)."""
    caret = line.rfind("^")
    return BLOCK_ID.match(line, caret) if caret >= 0 else None


def line_context(text: str, column: int = 1) -> str:
    """The line a link is on, trimmed; on a very long line, a window around ``column``
    (model.LineText.context: the one rule)."""
    return LineText(text).context(column)


def _could_be_link(state: StateInline, start: int) -> bool:
    """False when no ``](``/``][`` (or, with reference definitions, no ``]``) follows:
    then markdown-it's label scan, quadratic on runs of ``[``, need not run."""
    if state.env.get("references"):
        return next_index(state, "]", start) >= 0
    return next_index(state, "](", start) >= 0 or next_index(state, "][", start) >= 0


def _record_start(rule: Callable[[StateInline, bool], bool]):
    """Wrap markdown-it's link/image rule so the token remembers its offset, and
    the token closing it (the image, the ``link_close``) where it ends."""

    def wrapped(state: StateInline, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        if not _could_be_link(state, start) or not rule(state, silent):
            return False
        if not silent:
            for token in state.tokens[count:]:
                if token.type in ("link_open", "image"):
                    token.meta = {"pos": start, "end": state.pos}
                    break
            state.tokens[-1].meta["end"] = state.pos
        return True

    return wrapped


def _record_span(rule: Callable[[StateInline, bool], bool]):
    """Wrap an inline rule (line breaks, code spans, math, HTML, autolinks) so the tokens
    it pushes remember where its match starts and ends: parse.py looks for each text
    token between the tokens around it (its words may also occur inside them)."""

    def wrapped(state: StateInline, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        if not silent:
            for token in state.tokens[count:]:
                if token.type != "text":  # not the pending text pushed before them
                    token.meta["start"], token.meta["end"] = start, state.pos
        return True

    return wrapped


def _not_footnotes(rule):
    """Keep `[^1]: [[Source]]` out of the link reference definitions.

    Footnote definitions stay ordinary paragraphs, so the links in them are
    read like any other (Obsidian indexes them) even when nothing cites them.
    """

    def wrapped(state, start_line: int, end_line: int, silent: bool) -> bool:
        begin = state.bMarks[start_line] + state.tShift[start_line]
        if state.src.startswith("[^", begin):
            return False
        return rule(state, start_line, end_line, silent)

    return wrapped


def _at_document_start(rule):
    """Front matter only where the note starts: mdit-py-plugins' rule also fires inside a
    list item on the first line (``- |---|`` hid that line's links).  Obsidian reads
    properties only from a ``---`` on the note's first line (Help [Properties])."""

    def wrapped(state, start_line: int, end_line: int, silent: bool) -> bool:
        if state.bMarks[start_line] + state.tShift[start_line] != 0:
            return False
        return rule(state, start_line, end_line, silent)

    return wrapped


# Deeper blocks (quotes in quotes in lists...) are not read: markdown-it stops there, which
# keeps Python's recursion limit safe; parse.py reports a note that reaches it.
MAX_NESTING = 100


def _inline_unless_scanned(state: "StateCore") -> None:
    """markdown-it's core ``inline`` rule, except for text :func:`scan_inline` reads
    alone: such a token gets no children, and ``meta["scanned"]``: its elements."""
    references = bool(state.env.get("references"))
    for token in state.tokens:
        if token.type == "inline":
            scanned = scan_inline(token.content, references)
            if scanned is not None:
                token.children = []
                token.meta = {"scanned": scanned}
                continue
            if token.children is None:
                token.children = []
            state.md.inline.parse(token.content, state.md, state.env, token.children)


@cache
def markdown_parser(dispatch: bool = True, scan: bool = False,
                    decoded_apart: bool = False) -> "MarkdownIt":
    """The parser.  With ``dispatch`` (the default) inline text is tokenized by
    :func:`dispatching_tokenizer`: the same tokens as markdown-it's own loop, sooner.
    With ``scan``, inline text that :func:`scan_inline` can read is not tokenized:
    its elements are in the inline token's ``meta["scanned"]``.  With ``decoded_apart``,
    each escape and entity stays a token of its own (``text_special``: what it stands
    for, and where it starts and ends), not joined to the text around it."""
    from markdown_it import MarkdownIt
    from markdown_it.rules_block.reference import reference
    from markdown_it.rules_inline.image import image
    from markdown_it.rules_inline.link import link
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark", {"html": True, "maxNesting": MAX_NESTING}).enable("table")
    md.use(front_matter_plugin)
    rules = dict(zip(md.block.ruler.get_active_rules(), md.block.ruler.getRules("")))
    md.block.ruler.at("front_matter", _at_document_start(rules["front_matter"]))
    md.block.ruler.at("reference", _not_footnotes(reference))
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    # Destinations are kept as written (no percent-encoding, no scheme filter).
    md.normalizeLink = lambda url: url
    md.validateLink = lambda url: True
    rules = dict(zip(md.inline.ruler.get_active_rules(), md.inline.ruler.getRules("")))
    spanned = ["newline", "math_inline", "backticks", "autolink", "html_inline"]
    if decoded_apart:
        spanned += ["escape", "entity"]
        md.core.ruler.disable("text_join")
    for name in spanned:
        md.inline.ruler.at(name, _record_span(rules[name]))
    md.inline.ruler.at("link", _record_start(link))
    md.inline.ruler.at("image", _record_start(image))
    md.inline.ruler.before("link", "wikilink", wikilink_rule)
    md.inline.ruler.before("emphasis", "tag", tag_rule)
    md.inline.ruler.disable(["emphasis"])
    if dispatch:
        md.inline.tokenize = dispatching_tokenizer(md)
    if scan:
        md.core.ruler.at("inline", _inline_unless_scanned)
    return md
