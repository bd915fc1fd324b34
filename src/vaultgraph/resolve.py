"""Obsidian's link resolution (``getFirstLinkpathDest``), and only that.

Order, as measured in Obsidian (see docs/obsidian-rules.md):

1. an empty path is the source note itself;
2. ``./`` and ``../`` paths are resolved against the source note's folder, exact only;
3. the exact vault path (``.md`` tried first, then the name as written);
4. files whose path ends with ``/<linkpath>`` (``.md`` first): one in the source
   note's own folder wins, else the shortest path; equal lengths are a tie,
   decided by sorting and reported as ambiguous.

Matching ignores case and compares NFC-normalised text; where several files match
in the note's folder, or as the exact path, the one spelled as written wins.  When the
rule chose a file not spelled like the link while one spelled exactly exists, the
resolution names that one (``spelled``: check's ``case-mismatch``).  Aliases never resolve.
"""

from __future__ import annotations

import posixpath
import unicodedata
import weakref
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping, NamedTuple


def fold(text: str) -> str:
    """The form in which Obsidian compares paths: NFC, lower case."""
    if text.isascii():  # NFC leaves ASCII as it is
        return text.lower()
    return unicodedata.normalize("NFC", text).lower()


def folder_of(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a link path leads.  ``rule`` is how the winner was chosen."""

    target: str | None
    rule: str  # self | relative | exact | same-folder | shortest | tie | unresolved
    candidates: tuple[str, ...] = ()
    # A file spelled exactly like the link (case included) that the rule did not choose:
    # the target matched only because names compare without case.
    spelled: str | None = None

    @property
    def ambiguous(self) -> bool:
        return self.rule == "tie"

    @property
    def case_mismatch(self) -> bool:
        return self.spelled is not None


def spelled_as(path: str, written: str) -> bool:
    """Whether ``path`` ends with the link path ``written`` (with or without ``.md``)
    spelled exactly, case included (Unicode forms are compared after NFC: they look
    the same)."""
    if not (path.isascii() and written.isascii()):
        path, written = unicodedata.normalize("NFC", path), unicodedata.normalize("NFC", written)
    return any(path == form or path.endswith("/" + form) for form in (written + ".md", written))


def _spelled_elsewhere(target: str, written: str, candidates) -> str | None:
    """The first of ``candidates`` spelled exactly like ``written`` when ``target`` is
    not (Obsidian compares names without case, so it may choose a file spelled
    otherwise over one spelled exactly: the case-mismatch warning)."""
    if spelled_as(target, written):
        return None
    return next((c for c in sorted(candidates) if c != target and spelled_as(c, written)), None)


def lookup_key(linkpath: str, source: str) -> str:
    """The folded file name a link path can lead to (as written or plus ``.md``):
    only adding or removing a file of that name can change where the link resolves."""
    written = linkpath.strip()
    if written.startswith(("./", "../")):
        written = posixpath.normpath(posixpath.join(folder_of(source), written))
    return fold(written.lstrip("/")).rsplit("/", 1)[-1] if written else ""


def keys_matching(path: str) -> tuple[str, ...]:
    """The :func:`lookup_key` values of links that the file ``path`` can answer."""
    name = fold(path).rsplit("/", 1)[-1]
    return (name, name[:-3]) if name.endswith(".md") else (name,)


_UNRESOLVED = Resolution(None, "unresolved")
_NEW = object()  # (not looked up yet)


class _Answer(NamedTuple):
    elsewhere: Resolution  # the answer for a link in a folder holding no candidate
    folders: frozenset[str] | None  # the candidates' folders, when there are candidates


class Resolver:
    """Resolves link paths against a fixed set of vault files.

    ``by_path`` maps a folded path, ``by_name`` a folded file name, to the files
    having it, in path order: dicts built from a file list, or lookups answered
    by the index (:meth:`over`).
    """

    def __init__(self, paths: Iterable[str] = ()):
        self.by_path: dict[str, list[str]] = {}
        self.by_name: dict[str, list[str]] = {}
        self._memo: dict[str, _Answer] = {}
        # A link path as written -> its _Answer (None: an empty or a relative path,
        # resolved link by link); (link path, folder) -> the Resolution from a folder
        # holding one of its candidates (resolve_all).
        self._written: dict[str, _Answer | None] = {}
        self._local: dict[tuple[str, str], Resolution] = {}
        # source -> (its links, their Resolutions) kept by resolve_links(keep=True) for the
        # next reader of that very list (the index's writer for check, in a cold run:
        # with a token until the note is decoded, see decoded()).
        self._kept: dict[str, tuple[list, list[Resolution]]] = {}
        for path in paths:
            key = fold(path)
            self.by_path.setdefault(key, []).append(path)
            self.by_name.setdefault(key.rsplit("/", 1)[-1], []).append(path)

    @classmethod
    def over(cls, by_path, by_name) -> "Resolver":
        """A resolver over lookups with ``get(key, default)`` (see index.py)."""
        resolver = cls()
        resolver.by_path, resolver.by_name = by_path, by_name
        return resolver

    def _exact(self, key: str, written: str) -> str | None:
        for candidate in (key + ".md", key):
            found = self.by_path.get(candidate)
            if found:
                # Names differing only by case or Unicode form: prefer the one written
                # exactly, then the one equal after NFC.
                for form in (None, "NFC"):
                    wanted = written if form is None else unicodedata.normalize(form, written)
                    for path in found:
                        shown = path if form is None else unicodedata.normalize(form, path)
                        if shown in (wanted, wanted + ".md"):
                            return path
                return min(found)
        return None

    def resolve(self, linkpath: str, source: str) -> Resolution:
        written = linkpath.strip()
        if not written:
            return Resolution(source, "self")
        if written.startswith(("./", "../")):
            joined = posixpath.normpath(posixpath.join(folder_of(source), written))
            if joined.startswith("../") or joined == "..":
                return _UNRESOLVED
            found = self._exact(fold(joined), joined)
            return Resolution(found, "relative") if found else _UNRESOLVED
        answer = self._lookup(written.lstrip("/"))
        if answer.folders is None:  # exact, unresolved, or one answer wherever the link is
            return answer.elsewhere
        here = folder_of(source)
        if here not in answer.folders:
            return answer.elsewhere
        candidates = answer.elsewhere.candidates
        local = sorted(c for c in candidates if folder_of(c) == here)
        # Names here differing only by case: the one spelled as written, as for exact paths.
        target = next((c for c in local if spelled_as(c, written.lstrip("/"))), local[0]) \
            if len(local) > 1 else local[0]
        return Resolution(target, "same-folder", candidates,
                          _spelled_elsewhere(target, written.lstrip("/"), candidates))

    def resolve_all(self, linkpaths: Iterable[str], source: str) -> list[Resolution]:
        """``[resolve(p, source) for p in linkpaths]``, each link path looked up once per
        resolver however many notes write it: a link path leads to the same file from
        every note (but an empty or relative one, and from a folder holding one of its
        candidates, per folder).  What every note's links are resolved by: a cold index
        of 100k notes resolves 800,000 links, twice (for the index and for ``check``)."""
        written_answers, local = self._written, self._local
        here = None
        found = []
        for linkpath in linkpaths:
            answer = written_answers.get(linkpath, _NEW)
            if answer is _NEW:
                written = linkpath.strip()
                answer = written_answers[linkpath] = None if not written or written.startswith(
                    ("./", "../")) else self._lookup(written.lstrip("/"))
            if answer is None:  # empty or relative: as the source note's path says
                found.append(self.resolve(linkpath, source))
            elif answer.folders is None:
                found.append(answer.elsewhere)
            else:
                if here is None:
                    here = folder_of(source)
                if here not in answer.folders:
                    found.append(answer.elsewhere)
                else:
                    resolution = local.get((linkpath, here))
                    if resolution is None:
                        resolution = local[linkpath, here] = self.resolve(linkpath, source)
                    found.append(resolution)
        return found

    def resolve_links(self, links: list, source: str, keep: bool = False) -> list[Resolution]:
        """:meth:`resolve_all` of the paths of ``links`` (model.Link records), the links of
        the note or canvas ``source``.  ``keep``: remember the answer for the next call
        given this very list (the same object: the same note, as parsed or decoded once),
        which takes it (the index's writer resolves a cold run's links, check reads them
        again: each link is resolved once).  Resolutions depend only on the files (one
        Resolver per listing) and the source path, so a kept answer is the answer."""
        kept = self._kept.pop(source, None)
        if kept is not None and kept[0] is links:
            found = kept[1]
        else:
            found = self.resolve_all([link.path for link in links], source)
        if keep and links:
            self._kept[source] = (links, found)
        return found

    def keep(self, links: object, source: str, found: list[Resolution]) -> None:
        """Remember ``found``, the resolutions of ``links`` (model.Link records of the note
        or canvas ``source``, this very list; or a token until the note is decoded,
        :meth:`decoded`), for the next :meth:`resolve_links` given it."""
        self._kept[source] = (links, found)

    def decoded(self, source: str, token: object, links: list) -> None:
        """The note or canvas ``source``, whose answers were kept with ``token``
        (:meth:`keep`: index.Written), was decoded: they are now kept with its ``links``."""
        kept = self._kept.get(source)
        if kept is not None and kept[0] is token:
            self._kept[source] = (links, kept[1])

    def _lookup(self, written: str) -> "_Answer":
        """What a link path resolves to from a note in any folder but those of its
        candidates: computed once per link path, the same object for every link."""
        answer = self._memo.get(written)
        if answer is None:
            key = fold(written)
            found = self._exact(key, written)
            candidates = () if found else tuple(self._suffix_matches(key))
            if found:
                spelled = None
                if not spelled_as(found, written):  # rare: only then are the others looked for
                    spelled = _spelled_elsewhere(found, written, self._suffix_matches(key))
                answer = _Answer(Resolution(found, "exact", (), spelled), None)
            elif not candidates:
                answer = _Answer(_UNRESOLVED, None)
            else:
                shortest = min(len(c) for c in candidates)
                best = sorted(c for c in candidates if len(c) == shortest)
                rule = "tie" if len(best) > 1 else "shortest"
                spelled = _spelled_elsewhere(best[0], written, candidates) if len(best) == 1 \
                    else None
                answer = _Answer(Resolution(best[0], rule, candidates, spelled),
                                 frozenset(folder_of(c) for c in candidates))
            self._memo[written] = answer
        return answer

    def _suffix_matches(self, key: str) -> list[str]:
        name = key.rsplit("/", 1)[-1]
        for suffix, bucket in ((key + ".md", name + ".md"), (key, name)):
            matches = [
                path for path in self.by_name.get(bucket, ())
                if fold(path).endswith("/" + suffix)
            ]
            if matches:
                return sorted(matches)
        return []


_shared: list = [None, None]  # a weak reference to the file listing last resolved over; its Resolver


def resolver_over(files: Mapping[str, object]) -> Resolver:
    """The Resolver over the file listing ``files`` (files.FileStats, never changed once
    made): one per listing, so that the index, writing the links of the notes it parsed,
    and the Vault then checking them (one listing, one run) look each link path up once."""
    ref, resolver = _shared
    if ref is None or ref() is not files:
        resolver = Resolver(files)

        def forget(gone: weakref.ref) -> None:  # (the listing is gone: so is its Resolver)
            if _shared[0] is gone:
                _shared[:] = None, None

        _shared[:] = weakref.ref(files, forget), resolver
    return resolver


_HEADING_PUNCTUATION = str.maketrans({ch: " " for ch in "!\"#$%&()*+,.:;<=>?@^`{|}~/[]\\\r\n"})


@lru_cache(maxsize=65536)  # a vault repeats its headings ("Notes", "References"...)
def strip_heading(text: str) -> str:
    """Obsidian's ``stripHeading`` plus case folding: how heading links compare."""
    return " ".join(fold(text).translate(_HEADING_PUNCTUATION).split())


def split_subpath(subpath: str) -> tuple[str | None, list[str]]:
    """``^id`` -> (block id, []); ``A#B`` -> (None, [A, B]).  Empty parts are
    skipped, so ``Note##^id`` still names block ``id``."""
    if "#" not in subpath:  # (most: one part)
        part = subpath.strip()
        return (part[1:], []) if part.startswith("^") else (None, [part] if part else [])
    parts = [part.strip() for part in subpath.split("#") if part.strip()]
    for part in parts:
        if part.startswith("^"):
            return part[1:], []
    return None, parts


# A link into a note looked through its headings (or blocks) one by one: 100,000 links
# into a note of 200,000 headings took hours.  A list longer than _SCANNED is looked up
# in an index of it instead, built once and kept for the last _KEPT lists (by identity:
# a parsed note's headings and blocks do not change; the length is checked too).
_SCANNED = 32
_KEPT = 4096
_indexes: OrderedDict[int, tuple[list, int, dict]] = OrderedDict()


def _index_of(items: list, build: Callable[[list], dict]) -> dict:
    found = _indexes.get(id(items))
    if found is not None and found[0] is items and found[1] == len(items):
        _indexes.move_to_end(id(items))
        return found[2]
    index = build(items)
    _indexes[id(items)] = (items, len(items), index)
    if len(_indexes) > _KEPT:
        _indexes.popitem(last=False)
    return index


def _heading_index(headings: list) -> dict[str, dict[int, list[int]]]:
    """Stripped text -> level -> the positions of the headings with them, in order."""
    index: dict[str, dict[int, list[int]]] = {}
    for position, heading in enumerate(headings):
        index.setdefault(strip_heading(heading.text), {}).setdefault(heading.level, []).append(
            position)
    return index


def find_heading(headings, parts: list[str]):
    """The heading ``[A, B, C]`` names: each part a later, deeper heading than the last.

    Returns the matched heading, or None.  ``headings`` are in document order
    and have ``text`` and ``level``.  Time: a few dictionary and binary-search
    steps per part (a list of over _SCANNED headings is indexed once).
    """
    parts = [strip_heading(part) for part in parts]
    start, level, match = 0, 0, None
    if len(headings) > _SCANNED:
        index = _index_of(headings, _heading_index)
        for part in parts:
            positions = [found[at] for deeper, found in index.get(part, {}).items()
                         if deeper > level and (at := bisect_left(found, start)) < len(found)]
            if not positions:
                return None
            match = headings[min(positions)]
            start, level = min(positions) + 1, match.level
        return match
    for part in parts:
        for position in range(start, len(headings)):
            heading = headings[position]
            if heading.level > level and strip_heading(heading.text) == part:
                start, level, match = position + 1, heading.level, heading
                break
        else:
            return None
    return match


def missing_heading(note, parts: list[str]) -> str:
    """Why ``[[note#A#B]]`` names no heading of ``note`` (a :class:`~.model.Note`): chained
    parts must be deeper headings in this order.  When a heading inside a callout, quote
    or list item matches the last part, the message says so (Obsidian links only to
    headings at the top level of a note: docs/obsidian-rules.md)."""
    message = f'"{note.name}" has no heading "{"#".join(parts)}"'
    if len(parts) > 1:
        message += " at deeper levels in this order"
    wanted = strip_heading(parts[-1]) if parts else None
    nested = next((h for h in note.nested_headings if strip_heading(h.text) == wanted), None)
    if nested is not None:
        message += (f' (the one on line {nested.line} is inside a {nested.container}: '
                    "Obsidian links only to headings outside callouts, quotes and lists)")
    return message


def _block_index(blocks: list) -> dict[str, Any]:
    index: dict[str, Any] = {}
    for block in blocks:
        index.setdefault(block.id.lower(), block)
    return index


def find_block(blocks, block_id: str):
    """The block whose id is ``block_id`` (case-insensitive; the first of that id), or
    None (a list of over _SCANNED blocks is indexed once)."""
    wanted = block_id.lower()
    if len(blocks) > _SCANNED:
        return _index_of(blocks, _block_index).get(wanted)
    return next((block for block in blocks if block.id.lower() == wanted), None)
