"""Inline rule for ``#tags`` with Obsidian's character set and boundaries."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it.rules_inline import StateInline

# The body of a tag: anything up to one of these (Obsidian's tag regex).
TAG_BODY = re.compile(
    r"[^\u2000-\u206F\u2E00-\u2E7F'!\"#$%&()*+,.:;<=>?@^`{|}~\[\]\\\s]+"
)
# Characters after which a '#' may open a tag besides whitespace: emphasis
# markers (`_#a_`, `**#a**`), observed in Obsidian.
_OPENERS = frozenset("_*")


def is_valid_tag(name: str) -> bool:
    """A tag is a non-empty run of tag characters with at least one non-digit."""
    return (
        bool(name)
        and TAG_BODY.fullmatch(name) is not None
        and any(not ch.isdigit() for ch in name)
    )


def tag_at(src: str, pos: int, end: int, after_tag: bool) -> str | None:
    """The name of the tag opening at ``pos`` (the source ends at ``end``), or None;
    ``after_tag``: a tag ends right at ``pos`` (`#a#b` is two tags)."""
    if src[pos] != "#":
        return None
    if pos > 0:
        before = src[pos - 1]
        if not (before.isspace() or before in _OPENERS or after_tag):
            return None
    match = TAG_BODY.match(src, pos + 1, end)
    if match is None:
        return None
    name = match.group()
    if pos > 0 and src[pos - 1] in _OPENERS:
        # `_#tag_` / `**#tag**`: the closing emphasis marker is not part of the tag.
        name = name.rstrip(src[pos - 1]) or name
    if not any(not ch.isdigit() for ch in name):
        return None
    return name


def tag_rule(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    after_tag = not state.pending and bool(state.tokens) and state.tokens[-1].type == "tag"
    name = tag_at(state.src, pos, state.posMax, after_tag)
    if name is None:
        return False
    end = pos + 1 + len(name)
    if not silent:
        token = state.push("tag", "", 0)
        token.meta = {"pos": pos, "end": end, "name": name}
    state.pos = end
    return True
