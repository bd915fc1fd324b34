"""Why a link is broken: the one rule ``check`` and ``explain`` both give.

:func:`why_broken` reads a link, where it resolves (resolve.Resolution) and the vault's
names, and returns the :class:`Problem` records: a diagnostic code with its default
severity, the reason, and did-you-mean suggestions.  ``check`` turns each into a
Diagnostic, ``explain`` lists them; the message is put together once,
:meth:`Problem.message`.  The rules and their sources are in docs/obsidian-rules.md.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Mapping, Protocol, Sequence

from .codes import Code, Severity
from .files import is_note
from .model import ATTACHMENT_EXTENSIONS, COMMENTED, LinkKind
from .resolve import find_block, find_heading, fold, missing_heading, split_subpath

if TYPE_CHECKING:
    from .suggest import Suggester
    from .model import Link, Note
    from .resolve import Resolution

# Characters Obsidian reads as link syntax: a file whose name holds one cannot be linked.
UNLINKABLE = "#^|[]"
# Why a rule chose its target, for the case-mismatch message (resolve.Resolution.rule).
_RULE_REASONS = {
    "exact": "its path is the link's, ignoring case",
    "same-folder": "it is in the note's own folder",
    "shortest": "it has the shortest path",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a link is broken.

    ``code``: a link's code (``unresolved-link``, ``missing-heading``, ``missing-block``,
    ``missing-attachment``, ``ambiguous-link``, ``case-mismatch``); ``severity``: its
    default (``Code.severity``);
    ``reason``: why, without the link or the hint; ``suggestions``: did-you-mean
    answers (written forms: note names -- ``Name|alias`` when an alias of the note
    was closest, shown as ``[[Name|alias]]`` -- attachment names, ``^id``, heading
    texts);
    ``hint_only``: the hint says all (a misspelt note name), the reason is dropped
    when there is one.
    """

    code: Code
    severity: Severity
    reason: str
    suggestions: tuple[str, ...] = ()
    hint_only: bool = False

    def text(self, link: "Link") -> str:
        """The reason as a user reads it: with the did-you-mean hint, the canvas node the
        link is on and whether it is inside a ``%%comment%%``."""
        text = self.reason
        if self.suggestions:
            hint = "did you mean " + ", ".join(
                f"[[{s}]]" if self.code is Code.UNRESOLVED_LINK and "|" in s else f'"{s}"'
                for s in self.suggestions) + "?"
            text = hint if self.hint_only else f"{text}; {hint}"
        if link.node is not None:
            text += f" (canvas node {link.node})"
        if link.commented:
            text += f" {COMMENTED}"
        return text

    def message(self, link: "Link") -> str:
        """``check``'s message: ``WRITTEN -- TEXT`` (:meth:`text`)."""
        return f"{link.written} -- {self.text(link)}"


class Names(Protocol):
    """What :class:`BrokenLinks` reads of a vault (vault.Vault)."""

    files: Sequence[str] | Mapping[str, object]  # every file's vault path
    attachments: list[str]
    alias_index: Mapping[str, list[str]]  # folded alias -> the notes having it

    @property
    def notes(self) -> Mapping[str, "Note"]: ...

    def suggest(self, text: str, limit: int = 3) -> list[str]: ...


def is_attachment_link(link: "Link") -> bool:
    """Whether a link means a file rather than a note: a type Obsidian opens, or
    any extension in a markdown image (``![x](file.xyz)``)."""
    return is_attachment_path(link.path, link.kind, link.embed)


def is_attachment_path(path: str, kind: str, embed: bool) -> bool:
    """:func:`is_attachment_link` of a link with this ``path``, ``kind`` and ``embed``."""
    extension = posixpath.splitext(path)[1].lower().lstrip(".")
    image = kind == LinkKind.MARKDOWN and embed
    return extension in ATTACHMENT_EXTENSIONS or (image and extension not in ("", "md"))


def case_mismatch_message(resolution: "Resolution") -> str:
    """Why a link leads to a file not spelled like it while one spelled exactly exists."""
    reason = _RULE_REASONS.get(resolution.rule, resolution.rule)
    return (f'resolves to "{resolution.target}" ({reason}; '
            f'Obsidian compares names without case), not to "{resolution.spelled}", which is '
            "spelled exactly like the link -- write the folder to pick one")


def _squeeze(name: str) -> str:  # link text loses the spaces around '#' and '|'
    return re.sub(r"\s+", "", fold(name))


class BrokenLinks:
    """:func:`why_broken` for the links of one vault, with what it needs of the vault's
    names worked out once (attachment did-you-mean, file names for unlinkable files).
    ``hints=False``: no did-you-mean for unresolved links and attachments (what a caller
    wanting only each link's code saves: a fuzzy search of every name per broken link)."""

    def __init__(self, vault: Names, hints: bool = True):
        self.vault = vault
        self.hints = hints
        # path -> what a link to a heading or block reads of that note (its ``name``,
        # ``headings``, ``blocks`` and ``nested_headings``), read before vault.notes:
        # check keeps it for a note it let go while links to check still name it.
        self.outlines: dict[str, Any] = {}

    @cached_property
    def _attachment_names(self) -> "Suggester":
        from .suggest import Suggester

        return Suggester({fold(posixpath.basename(p)): posixpath.basename(p)
                          for p in self.vault.attachments})

    @cached_property
    def _squeezed_files(self) -> dict[str, str]:
        """Squeezed folded file name -> a file having it (the last one in file order)."""
        return {_squeeze(p.rsplit("/", 1)[-1]): p for p in self.vault.files}

    def _unlinkable(self, link: "Link") -> tuple[str, str] | None:
        """The file a link means whose name holds link syntax (so the link, cut at that
        syntax, resolves elsewhere or nowhere), and the link text naming it; or None."""
        written = link.raw + (f"|{link.alias}" if link.alias is not None else "")
        for candidate in (written, link.raw):
            name = candidate.rsplit("/", 1)[-1]  # link syntax in a folder is not in the name
            if not any(ch in name for ch in UNLINKABLE):
                continue
            for suffix in (".md", ""):
                hit = self._squeezed_files.get(_squeeze(name + suffix))
                if hit:
                    return hit, candidate
        return None

    def __call__(self, link: "Link", resolution: "Resolution") -> list[Problem]:
        """Why ``link``, resolved as ``resolution``, is broken: no problem for a link that
        leads to one file spelled like it, with the heading or block it names; else the
        problems in the order check reports them."""
        if resolution.target is None:
            return [self._unresolved(link)]
        problems = []
        if resolution.ambiguous:
            others = ", ".join(f'"{c}"' for c in resolution.candidates if c != resolution.target)
            problems.append(_problem(
                Code.AMBIGUOUS_LINK, f'{len(resolution.candidates)} files match; Obsidian picks '
                f'one unpredictably -- vaultgraph uses "{resolution.target}" (also {others})'))
        elif resolution.spelled is not None:
            problems.append(_problem(Code.CASE_MISMATCH, case_mismatch_message(resolution)))
        if not link.subpath or not is_note(resolution.target):
            return problems  # fragments of attachments (#page=3, sizes) are not validated
        note = self.outlines.get(resolution.target) or self.vault.notes.get(resolution.target)
        if note is None:
            return problems
        block, parts = split_subpath(link.subpath)
        if block is not None:
            if find_block(note.blocks, block) is None:
                ids = {fold(b.id): b.id for b in note.blocks}
                problems.append(_problem(Code.MISSING_BLOCK, f'"{note.name}" has no block ^{block}',
                                         [f"^{s}" for s in _suggest(block, ids)]))
        elif parts and find_heading(note.headings, parts) is None:
            headings = {fold(h.text): h.text for h in note.headings}
            problems.append(_problem(Code.MISSING_HEADING, missing_heading(note, parts),
                                     _suggest(parts[-1], headings)))
        return problems

    def _unresolved(self, link: "Link") -> Problem:
        """Why a link resolves to no file, most telling reason first."""
        unlinkable = self._unlinkable(link)
        if unlinkable is not None:
            hit, candidate = unlinkable
            bad = "".join(sorted({ch for ch in candidate.rsplit("/", 1)[-1] if ch in UNLINKABLE}))
            return _problem(Code.UNRESOLVED_LINK, f'"{hit}" exists, but its name contains "{bad}", '
                            "which Obsidian reads as link syntax; such a file cannot be linked "
                            "-- rename it")
        name = posixpath.basename(link.path)
        if is_attachment_link(link):
            return _problem(Code.MISSING_ATTACHMENT, f'no file named "{link.path}"',
                            self._attachment_names(name) if self.hints else [])
        # Aliases never resolve; the hint looks the name up as typed, without its folder
        # (an alias is a name, and "/" in a link is a folder).
        aliased = self.vault.alias_index.get(fold(name), [])
        if aliased:
            owner = self.vault.notes[aliased[0]].name
            return _problem(Code.UNRESOLVED_LINK, f'"{name}" is an alias of "{owner}"; Obsidian '
                            f'does not resolve links through aliases -- write [[{owner}|{name}]]')
        if "://" in link.path and link.link_kind is LinkKind.MARKDOWN:
            # [t](<(https://x)>), [t](www://x): the destination does not start with a
            # scheme (letters, then "://"), so it is a path in the vault, not a URL.
            return _problem(Code.UNRESOLVED_LINK,
                            f'"{link.path}" is a path in the vault to Obsidian, not a URL: '
                            'a URL starts with its scheme (https://...)')
        if "://" in link.path:
            return _problem(Code.UNRESOLVED_LINK,
                            "a URL inside [[ ]] is a note name to Obsidian; use [text](url)")
        suggestions = self.vault.suggest(name) if self.hints else []
        if link.path.startswith(("./", "../")):
            return _problem(Code.UNRESOLVED_LINK, "no file at this relative path (relative links "
                            "never fall back to a name match)", suggestions)
        if name != link.path.strip().lstrip("/"):
            return _problem(Code.UNRESOLVED_LINK, f'no note at "{link.path}" nor at any path '
                            "ending with it", suggestions)
        return _problem(Code.UNRESOLVED_LINK, f'no note named "{name}"', suggestions,
                        hint_only=True)


def _problem(code: Code, reason: str, suggestions: Sequence[str] = (),
             hint_only: bool = False) -> Problem:
    return Problem(code, code.severity, reason, tuple(suggestions), hint_only)


def _suggest(text: str, names: dict[str, str]) -> list[str]:
    from .suggest import suggest

    return suggest(text, names)


def why_broken(link: "Link", resolution: "Resolution", vault: Names) -> list[Problem]:
    """Why ``link`` (resolved as ``resolution``) is broken in ``vault``; [] when it is
    not.  For many links of one vault, keep one :class:`BrokenLinks`."""
    return BrokenLinks(vault)(link, resolution)
