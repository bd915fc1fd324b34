"""Inline rule for ``[[wikilinks]]`` and ``![[embeds]]``.

Grammar (Obsidian): the target ends at the first ``]]`` on the same line; a
``[[`` before it means the outer brackets are not a link (only the inner one
is); ``\\|`` (as needed inside tables) is the same separator as ``|``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from markdown_it.rules_inline import StateInline


class LinkText(NamedTuple):
    """A wikilink's inner text split the way Obsidian's ``parseLinktext`` does."""

    raw: str  # path + '#' + subpath, trimmed; alias dropped
    path: str
    subpath: str | None
    alias: str | None


def split_linktext(inner: str) -> LinkText | None:
    """Split ``target#sub|alias``; None when there is no target at all."""
    target, sep, alias = inner.partition("|")
    if sep and target.endswith("\\"):
        target = target[:-1]
    path, hash_, subpath = target.partition("#")
    path = path.strip()
    subpath = subpath.strip() if hash_ else None
    if not path and not subpath:
        return None
    raw = path + ("#" + subpath if subpath is not None else "")
    return LinkText(raw, path, subpath, alias if sep else None)


class NextIndex:
    """``src.find(needle, start)``, remembered so a line full of ``[[`` with no ``]]``
    costs linear, not quadratic, time (callers ask with ever larger ``start``)."""

    def __init__(self, src: str):
        self.src = src
        self.memo: dict[str, tuple[int, int]] = {}

    def __call__(self, needle: str, start: int) -> int:
        searched_from, found = self.memo.get(needle, (-1, -1))
        if 0 <= searched_from <= start and (found < 0 or found >= start):
            return found
        found = self.src.find(needle, start)
        self.memo[needle] = (start, found)
        return found


def next_index(state: StateInline, needle: str, start: int) -> int:
    """:class:`NextIndex` for an inline parse (one per source text: link labels are
    parsed again as their own text)."""
    finders = state.env.setdefault("_next_index", {})
    finder = finders.get(id(state.src))
    if finder is None or finder.src is not state.src:
        finder = finders[id(state.src)] = NextIndex(state.src)
    return finder(needle, start)


def find_close(src: str, find, start: int, end: int) -> int:
    """Index of the ``]]`` closing a wikilink whose text starts at ``start``, or -1;
    ``find(needle, start)`` searches the source ``src``, which ends at ``end``.

    A line break or another ``[[`` before the ``]]`` means no link here: both looked for
    between ``start`` and the ``]]`` only (linear over a text: the ``[[`` search stops at
    the next opener, and the line break is searched for only by the last opener before a
    ``]]``; the ``]]`` itself through ``find``, remembered).
    """
    close = find("]]", start)
    if (close < 0 or close + 2 > end or src.find("[[", start, close) >= 0
            or src.find("\n", start, close) >= 0):
        return -1
    return close


def past_open_brackets(src: str, start: int, close: int, end: int) -> int:
    """Where the ``]]`` closing a target ``src[start:close]`` really is: each ``[`` the
    target leaves open takes one more ``]`` of a ``]]]`` run, so ``[[wiki [link]]]``
    links to ``wiki [link]`` (Obsidian does: obsidian.nvim #972), while ``[[Note]]]``
    still links to ``Note`` and ``[[x [y]]`` to ``x [y``."""
    if src.find("[", start, close) < 0:
        return close
    unmatched = 0
    for char in src[start:close]:
        if char == "[":
            unmatched += 1
        elif char == "]" and unmatched:
            unmatched -= 1
    while unmatched and close + 2 < end and src[close + 2] == "]":
        close += 1
        unmatched -= 1
    return close


def wikilink_at(src: str, pos: int, end: int, find) -> tuple[LinkText, bool, int] | None:
    """The wikilink or embed opening at ``pos``: (its text, whether an embed, where it
    ends); None when there is none (see :func:`find_close` for ``find``)."""
    embed = src.startswith("![[", pos)
    if not embed and not src.startswith("[[", pos):
        return None
    start = pos + (3 if embed else 2)
    close = find_close(src, find, start, end)
    if close < 0:
        return None
    close = past_open_brackets(src, start, close, end)
    parts = split_linktext(src[start:close])
    return None if parts is None else (parts, embed, close + 2)


def wikilink_rule(state: StateInline, silent: bool) -> bool:
    found = wikilink_at(state.src, state.pos, state.posMax,
                        lambda needle, start: next_index(state, needle, start))
    if found is None:
        return False
    parts, embed, end = found
    if not silent:
        token = state.push("wikilink", "", 0)
        token.meta = {"pos": state.pos, "end": end, "parts": parts, "embed": embed}
    state.pos = end
    return True
