"""Vault validation: broken links, headings, blocks, attachments and file problems."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from .broken import BrokenLinks, is_attachment_link
from .codes import Code
from .files import is_canvas
from .model import ERROR, WARNING, Diagnostic
from .suggest import Progress

if TYPE_CHECKING:
    from .provenance import ProvenanceConfig
    from .model import Note
    from .vault import Edge, Vault


@dataclass
class CheckResult:
    """What :func:`check_vault` found: ``diagnostics`` sorted by path, line, column and
    code; ``notes``: how many notes were checked; ``errors`` and ``warnings``: how many
    diagnostics have each severity."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    notes: int = 0

    @property
    def errors(self) -> int:
        return sum(d.severity == ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity == WARNING for d in self.diagnostics)

    def summary(self) -> dict[str, int]:
        return {"notes": self.notes, "errors": self.errors, "warnings": self.warnings}


class _Checker:
    def __init__(self, vault: "Vault", hints: bool = True):
        self.vault = vault
        self.why_broken = BrokenLinks(vault, hints)

    @staticmethod
    def is_clean(edge: "Edge") -> bool:
        """Nothing to report: resolved to one file, with no heading or block to find
        (most links; checked before making a generator for each)."""
        resolution = edge.resolution
        return resolution.target is not None and not edge.link.subpath and \
            not resolution.ambiguous and resolution.spelled is None

    def link(self, edge: "Edge") -> Iterable[Diagnostic]:
        """A diagnostic for each reason the link is broken (broken.why_broken)."""
        link = edge.link
        return [Diagnostic(edge.source, link.line, link.column, problem.severity, problem.code,
                           problem.message(link), link.raw, list(problem.suggestions),
                           link.commented)
                for problem in self.why_broken(link, edge.resolution)]


class LinkStatus:
    """The state of each link as ``check`` sees it: ``resolved``, ``unresolved``,
    ``missing-heading``, ``missing-block``, ``missing-attachment`` or ``ambiguous``.
    ``hints=False``: the did-you-mean suggestions a status does not show are not sought."""

    def __init__(self, vault: "Vault", hints: bool = True):
        self._checker = _Checker(vault, hints)

    def __call__(self, edge: "Edge") -> str:
        if _Checker.is_clean(edge):
            return "resolved"
        codes = [d.code for d in self._checker.link(edge) if d.code != Code.CASE_MISMATCH]
        if not codes:
            return "resolved"
        code = codes[-1]  # a missing heading outranks an ambiguous target
        return {Code.UNRESOLVED_LINK: "unresolved", Code.AMBIGUOUS_LINK: "ambiguous"}.get(code, code)


@dataclass
class NoteCheck:
    """What ``check`` finds in one note -- its own diagnostics, its links' findings,
    its dangling citations -- and what provenance needs of it.  All of it holds until
    the note, or a note or file its links lead to, changes (findings.py keeps it)."""

    path: str
    findings: list[Diagnostic]
    declared: str | None  # the role front matter `type` gives
    source_keys: bool  # front matter that makes it a source (doi, url, isbn, author + year)
    cites: bool  # cites an identifier (a pandoc key aside) or quotes a person
    evidence: list[tuple[int, str]]  # (link number, evidence kind) of its evidence links
    keys: list[tuple[str, int, int]] = field(default_factory=list)  # pandoc keys cited
    bibliographies: list[str] = field(default_factory=list)  # its `bibliography` property
    bare_quotes: bool = False  # quotes people, none tied to a citation (provenance.quotes_only)


def check_notes(vault: "Vault", paths: Iterable[str],
                progress: Progress | None = None) -> list[NoteCheck]:
    """Check the notes (and canvases) at ``paths`` of ``vault``."""
    checker = _Checker(vault)
    paths = list(dict.fromkeys(paths))
    # Each note's links (Edges) are made when it is checked and let go after (made
    # once more for this first look: cheaper than holding them all).
    wanting = {path: names for path, found in vault.outgoing_each(paths)
               if (names := [posixpath.basename(e.link.path) for e in found
                             if not e.resolved and not is_attachment_link(e.link)])}
    broken = [name for names in wanting.values() for name in names]
    checks: dict[str, NoteCheck] = {}

    def check(these: list[str]) -> None:
        for path, edges in vault.outgoing_each(these):
            read = vault.canvases if is_canvas(path) else vault.notes
            checks[path] = check_note(checker, read[path], edges)
            if progress and scoring is None and len(checks) % 1000 == 0:
                progress(len(checks), len(paths), "Checking notes")

    scoring = None
    if broken:
        # The did-you-mean names of the broken links are scored in a thread (rapidfuzz
        # lets go of the GIL), while the notes without such a link are checked here.
        scoring = _Background(vault.suggester.prime, broken, store=vault.suggestion_store(),
                              progress=progress)
        check([path for path in paths if path not in wanting])
        scoring.join()
        scoring = None
    check([path for path in paths if path not in checks])
    if progress:
        progress(len(checks), len(paths), "Checking notes")
    return [checks[path] for path in paths]


class _Background:
    """``function(*args, **kwargs)`` run in a thread; :meth:`join` waits for it and
    raises what it raised."""

    def __init__(self, function, *args, **kwargs):
        import threading

        self.error: BaseException | None = None

        def run() -> None:
            try:
                function(*args, **kwargs)
            except BaseException as exc:  # (raised again in the caller's thread)
                self.error = exc

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def join(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


def check_note(checker: _Checker, note: "Note", edges: list["Edge"]) -> NoteCheck:
    from .provenance import (Sections, cited_keys, cites_directly, conflicting_evidence,
                             dangling_citation, declared_bibliographies, declared_role,
                             evidence_kind, has_source_keys, is_dangling, quotes_only)

    found = list(note.diagnostics)
    if is_canvas(note.path):  # a canvas is no claim and no source: its links only
        found.extend(d for edge in edges if not checker.is_clean(edge) for d in checker.link(edge))
        return NoteCheck(note.path, found, None, False, False, [])
    evidence, written = [], []
    sections = Sections(note)
    for seq, edge in enumerate(edges):
        if not checker.is_clean(edge):
            found.extend(checker.link(edge))
        kind = evidence_kind(edge.link, sections)
        if kind is not None:
            evidence.append((seq, kind))
            written.append((kind, edge.target, edge.link))
            if is_dangling(note.path, kind, edge.target):
                found.append(dangling_citation(note.path, edge.link, kind))
    found.extend(conflicting_evidence(note.path, written))
    return NoteCheck(note.path, found, declared_role(note), has_source_keys(note),
                     cites_directly(note), evidence, cited_keys(note),
                     declared_bibliographies(note), bare_quotes=quotes_only(note))


def select_findings(found: Iterable[Diagnostic], notes: int, unresolved: str = "error",
                    select: Iterable[str] = (), ignore: Iterable[str] = (),
                    commented: str = "warning") -> CheckResult:
    """The findings ``check`` reports, sorted by file and position.

    ``unresolved`` sets the severity of ``unresolved-link`` (``error``,
    ``warning`` or ``ignore``); ``select``/``ignore`` filter by code.
    ``commented`` caps the severity of findings on links inside ``%%comments%%``
    (``warning`` by default, ``error``: as any other, ``ignore``: not reported): such a
    finding gets the milder of its own severity and this one.
    """
    selected, ignored = set(select), set(ignore)
    if unresolved == "ignore":
        ignored.add(Code.UNRESOLVED_LINK)
    result = CheckResult(notes=notes)
    for d in found:
        if (selected and d.code not in selected) or d.code in ignored:
            continue
        if d.code == Code.UNRESOLVED_LINK:
            d.severity = WARNING if unresolved == "warning" else ERROR
        if d.commented:
            if commented == "ignore":
                continue
            if commented == "warning":
                d.severity = WARNING
        result.diagnostics.append(d)
    result.diagnostics.sort(key=lambda d: (d.path, d.line, d.column, d.code))
    return result
