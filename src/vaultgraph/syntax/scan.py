"""Inline text read without markdown-it, when it holds only words, links and tags.

markdown-it-py builds a token for every run of text, line break, link and tag of
every paragraph, heading and table cell; most inline text in a vault (nine in
ten paragraphs of a large real vault) holds nothing else.  In such text the
rules in play reduce to: :func:`~.wikilinks.wikilink_at` at every ``[[`` or
``![[``, :func:`~.tags.tag_at` at every ``#``, a break at every newline, code
spans (a run of backticks up to the next run of as many: nothing is read in it;
a run that no such run follows is text), and markdown links and images of the
simple form :func:`markdown_link_at` reads (``[text](destination "title")``: text
with no brackets or code, a destination with no spaces or parentheses; CommonMark
0.31 "Links", as markdown-it-py's link and image rules read them), inline math
(:func:`math_end`) and HTML open and close tags (:func:`html_end`), in which nothing
is read, and URL autolinks (:func:`autolink_at`), whose text is read for identifiers
only.  :func:`scan_inline` applies those same functions from left to right, as
markdown-it would, without tokens.  Text holding any other syntax (entities,
escapes, e-mail autolinks, HTML comments, or a ``[`` that may open a markdown link of
another form) is left to markdown-it.  A ``[`` or ``![`` opening neither a wikilink nor, as no ``](`` follows
or its ``]`` is followed by no ``(``, and the note defines no link references, a
markdown link (a task's ``[ ]``, a ``[1]``) is text, as markdown-it's link rules
find.  tests/test_corpora.py, tests/test_syntax.py and tests/test_fuzz.py compare
the notes read both ways.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache

from .tags import tag_at
from .wikilinks import NextIndex, wikilink_at

# What only markdown-it reads: escapes (any backslash) and entities (an `&` before a letter,
# digit or `#`).  Tested as `"\\" in src` and this after `"&" in src`: a pattern with an
# alternative first character is tried at every character (10 ns each), `in` is a memchr.
_ENTITY = re.compile(r"&[A-Za-z0-9#]")
_MAY_OPEN = re.compile(r"[\n#!\[`$<]")
# markdown-it's isWhiteSpace: what may not follow a math span's opening `$` or precede
# its closing one (mdit-py-plugins' dollarmath with allow_space=False)
_MATH_SPACE = frozenset("\t\n\x0b\x0c\r \xa0\u1680\u202f\u205f\u3000") | frozenset(
    map(chr, range(0x2000, 0x200B)))
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


# A link's text holding no syntax but tags and line breaks; its `]` is the first one.
_LABEL = re.compile(r"\[([^\[\]`<\\&$]*)\]")
# What follows it in an inline link: `(`, a destination with no space, parenthesis,
# control character, escape, entity, `<` or bracket (as written: markdown-it's
# parseLinkDestination reads it unchanged), then maybe a title after a space, then `)`;
# or `()` with nothing but spaces in it (a link to nothing).  Spaces there are ` `, tab
# and line break (markdown-it's isStrSpace and "\n").
_INLINE_LINK_REST = re.compile(
    r"\([ \t\n]*(?:([^\x00-\x20\x7f()<\\&$`\[\]]+)"
    r"(?:[ \t\n]+(?:\"[^\"\n<\\&$`\[\]]*\"|'[^'\n<\\&$`\[\]]*'|\([^()\n<\\&$`\[\]]*\)))?"
    r"[ \t\n]*)?\)")
_IN_LABEL = re.compile(r"[\n#]")


def markdown_link_at(src: str, pos: int) -> tuple[int, int, str, int] | None:
    """The inline link ``[text](destination "title")`` or image ``![text](...)`` opening
    at ``pos`` when it has the simple form markdown-it reads exactly so (see
    :data:`_LABEL`, :data:`_INLINE_LINK_REST`): (where its text starts, where it ends,
    its destination as written, just after its ``)``); None for any other text,
    whether or not markdown-it reads a link there."""
    start = pos + 1 if src[pos] == "!" else pos
    label = _LABEL.match(src, start)
    if label is None:
        return None
    rest = _INLINE_LINK_REST.match(src, label.end())
    if rest is None:
        return None
    return start + 1, label.end() - 1, rest.group(1) or "", rest.end()


def _text_bracket(src: str, pos: int) -> bool:
    """The ``[`` (or ``![``) at ``pos`` opens a link text with no syntax in it whose
    ``]`` no ``(`` follows: in a note that defines no link references, no link (the
    ``[ ]`` of a task, a ``[1]``, ``[a][b]``: markdown-it's link rule tries a reference
    only when the note defines some)."""
    label = _LABEL.match(src, pos + 1 if src[pos] == "!" else pos)
    return label is not None and not src.startswith("(", label.end())


def _read_label(src: str, start: int, end: int, elements: list[tuple]) -> None:
    """The elements of a link's text ``src[start:end]`` (tags and line breaks only, as
    :data:`_LABEL` allows), appended as markdown-it reads them between the link's
    ``link_open`` and ``link_close``: its text as ``("label", offset, text)`` (no plain
    text of the note: syntax/dropped.py looks at none of it)."""
    text_start = pos = start
    tag_end = -1
    while True:
        match = _IN_LABEL.search(src, pos, end)
        if match is None:
            break
        pos = match.start()
        if src[pos] == "\n":
            if pos > text_start:
                elements.append(("label", text_start, src[text_start:pos]))
            text_start = pos = pos + 1
            continue
        name = tag_at(src, pos, end, after_tag=pos == tag_end)
        if name is None:
            pos += 1
            continue
        if pos > text_start:
            elements.append(("label", text_start, src[text_start:pos]))
        elements.append(("tag", pos, name))
        text_start = pos = tag_end = pos + 1 + len(name)
    if end > text_start:
        elements.append(("label", text_start, src[text_start:end]))


def math_end(src: str, pos: int) -> int:
    """Just after the inline math span (``$...$``, ``$$...$$``) opening at the ``$`` at
    ``pos``, or ``pos`` when there is none (the ``$`` is text): mdit-py-plugins' dollarmath
    rule as markdown_parser enables it (no space inside either ``$``, no digit before
    the opening one or after the closing one, not empty), for text without backslashes
    (no ``$`` is escaped).  ``src[pos - 1]`` at ``pos`` 0 is the text's last character,
    as in the plugin."""
    if pos + 1 >= len(src) or src[pos + 1] in _MATH_SPACE or src[pos - 1].isdigit():
        return pos
    if src[pos + 1] == "$":  # `$$`: up to the first `$` another follows
        end = src.find("$$", pos + 2) + 1
        if end <= pos + 3:  # none, or nothing inside
            return pos
    else:
        end = src.find("$", pos + 1)
        if end < 0 or src[end - 1] in _MATH_SPACE:
            return pos
    if end + 1 < len(src) and src[end + 1].isdigit():
        return pos
    return end + 1


@cache
def _html_tag() -> re.Pattern[str]:
    """markdown-it's own patterns of an HTML open or close tag (its html_inline rule)."""
    from markdown_it.common.html_re import close_tag, open_tag

    return re.compile(f"(?:{open_tag}|{close_tag})")


def html_end(src: str, pos: int) -> int | None:
    """Just after the HTML open or close tag (``<span class="x">``, ``</span>``, ``<br/>``)
    at the ``<`` at ``pos``; ``pos`` itself when the ``<`` is text (no tag, comment,
    declaration or autolink can start there); None when markdown-it must decide (a
    comment, a processing instruction, a declaration, or a ``<...>`` holding a ``:``
    or ``@``: maybe an autolink)."""
    close = src.find(">", pos + 1)
    if close >= 0:
        other = src.find("<", pos + 1, close)
        inside = src[pos + 1:close]
        if other < 0 and (":" in inside or "@" in inside):
            return None  # markdown-it's autolink rule may read it
    after = src[pos + 1:pos + 2]
    if after in ("!", "?"):
        return None
    if not (after == "/" or ("a" <= after.lower() <= "z" and after.isascii())):
        return pos
    match = _html_tag().match(src, pos)
    return pos if match is None else match.end()


@cache
def _autolink_parts() -> tuple:
    """markdown-it's pattern of an autolink's URL, and the function making its text."""
    from markdown_it.common.normalize_url import normalizeLinkText
    from markdown_it.rules_inline.autolink import AUTOLINK_RE

    return AUTOLINK_RE, normalizeLinkText


def autolink_at(src: str, pos: int) -> tuple[str, int] | None:
    """The URL autolink (``<https://example.org/a>``) at the ``<`` at ``pos``, as
    markdown-it's autolink rule reads it (the first ``>`` after it closes it, no ``<`` or
    ``>`` before; a scheme, ``:``, and no space or control character): (its text as that
    rule makes it: ``normalizeLinkText``, percent-escapes decoded; where it ends), or None
    (an e-mail autolink among them: html_end leaves it to markdown-it)."""
    after = src.find("<", pos + 1)  # (the `>` looked for before the next `<` only: linear)
    close = src.find(">", pos + 1, len(src) if after < 0 else after)
    if close < 0:
        return None
    url = src[pos + 1:close]
    pattern, link_text = _autolink_parts()
    if pattern.search(url) is None:
        return None
    return link_text(url), close + 1


def scan_inline(src: str, references: bool = False) -> list[tuple] | None:
    """The elements of inline text in order -- ``("wikilink", offset, LinkText, embed)``,
    ``("tag", offset, name)``, ``("text", offset, text)`` (text split at line breaks),
    ``("link", offset, destination, is_image)`` for a markdown link or image, followed by
    a link's own text as ``("label", offset, text)`` and tags (split as text is),
    ``("autolink", offset, text)`` for a URL autolink (its text as markdown-it makes it,
    at its ``<``: where parse.py's reading of markdown-it's tokens places it) --
    or None when the text holds syntax that markdown-it must read.  ``references``:
    the note defines link references (``[label]: url``)."""
    if "\\" in src or ("&" in src and _ENTITY.search(src) is not None):
        return None
    if ("[" not in src and "#" not in src and "\n" not in src and "`" not in src
            and "$" not in src and "<" not in src):
        # nothing can open (a `!` opens only with a `[`): one text, as the loop below
        # finds it, without searching it character by character for _MAY_OPEN
        return [("text", 0, src)] if src else []
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
        if char == "<":
            found = autolink_at(src, pos)
            if found is not None:  # its text is read for identifiers, as markdown-it's
                if pos > text_start:
                    elements.append(("text", text_start, src[text_start:pos]))
                elements.append(("autolink", pos, found[0]))
                text_start = pos = found[1]
                continue
        if char == "$" or char == "<":
            span_end = math_end(src, pos) if char == "$" else html_end(src, pos)
            if span_end is None:
                return None
            if span_end == pos:  # text
                pos += 1
                continue
            if pos > text_start:  # nothing in math or a tag is read
                elements.append(("text", text_start, src[text_start:pos]))
            text_start = pos = span_end
            continue
        if char == "!" and not src.startswith("![", pos):
            pos += 1
            continue
        link = wikilink_at(src, pos, end, find)
        if link is None:  # `[` or `![` opening no wikilink: markdown links' turn
            found = markdown_link_at(src, pos)
            if found is None:
                if references or (last_link_middle >= pos and not _text_bracket(src, pos)):
                    return None
                pos += 1  # no link opens here: text
                continue
            if pos > text_start:
                elements.append(("text", text_start, src[text_start:pos]))
            label_start, label_end, href, text_start = found
            image = src[pos] == "!"
            elements.append(("link", pos, href, image))
            if not image:  # (an image's text is its own, not the note's)
                _read_label(src, label_start, label_end, elements)
            pos = text_start
            continue
        if pos > text_start:
            elements.append(("text", text_start, src[text_start:pos]))
        parts, embed, text_start = link
        elements.append(("wikilink", pos, parts, embed))
        pos = text_start
    if end > text_start:
        elements.append(("text", text_start, src[text_start:]))
    return elements
