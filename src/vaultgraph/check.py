"""Vault validation: broken links, headings, blocks, attachments and file problems."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from .broken import BrokenLinks, is_attachment_path
from .codes import Code
from .files import is_canvas
from .model import ERROR, WARNING, Diagnostic, note_name
from .suggest import SUGGESTIONS, Progress

if TYPE_CHECKING:
    from .provenance import ProvenanceConfig
    from .model import Link, Note
    from .resolve import Resolution
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
        from . import provenance  # (not at the top: render imports this module)

        self.vault = vault
        self.why_broken = BrokenLinks(vault, hints)
        self.provenance = provenance  # (imported once, not once per note checked)

    @staticmethod
    def is_clean(edge: "Edge") -> bool:
        """Nothing to report: resolved to one file, with no heading or block to find
        (most links; checked before making a generator for each)."""
        resolution = edge.resolution
        return resolution.target is not None and not edge.link.subpath and \
            not resolution.ambiguous and resolution.spelled is None

    def link(self, edge: "Edge") -> Iterable[Diagnostic]:
        """A diagnostic for each reason the link is broken (broken.why_broken)."""
        return self.problems(edge.source, edge.link, edge.resolution)

    def problems(self, source: str, link: "Link", resolution: "Resolution") -> list[Diagnostic]:
        """:meth:`link` of the link ``link`` of ``source`` resolved as ``resolution``."""
        return [Diagnostic(source, link.line, link.column, problem.severity, problem.code,
                           problem.message(link), link.raw, list(problem.suggestions),
                           link.commented)
                for problem in self.why_broken(link, resolution)]


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
    # Where each evidence link (in ``evidence``'s order) leads: the path its Resolution
    # gave, None for nowhere (what the index keeps as its edge's target).
    targets: list[str | None] = field(default_factory=list)


def check_notes(vault: "Vault", paths: Iterable[str],
                progress: Progress | None = None) -> list[NoteCheck]:
    """Check the notes (and canvases) at ``paths`` of ``vault``."""
    checker = _Checker(vault)
    paths = list(dict.fromkeys(paths))
    # Notes not in memory yet (past index.NOTES_KEPT, in a cold run) are read as they
    # are checked and let go then (Vault.release: at 100k notes, all of them held at
    # once were most of a cold check's peak memory); of a note whose heading or block
    # a link still to check names, what BrokenLinks reads is kept until the last such
    # link is checked (_Outline).  (Notes in memory already stay: letting them go
    # would give no memory back to the system, only cost time.)  Which notes have a
    # link leading nowhere, and which links name a heading or block, the index's
    # edges say.
    release = not all(map(vault.is_loaded, paths))
    wanting, naming = _link_facts(vault.connection, paths, release)
    outlines = checker.why_broken.outlines
    named: dict[str, int] = {}  # note -> links naming its headings or blocks, unchecked
    for targets in naming.values():
        for target in targets:
            named[target] = named.get(target, 0) + 1
    broken = [name for names in wanting.values() for name in names]
    checks: dict[str, NoteCheck] = {}

    def check(these: list[str]) -> None:
        for path, note, resolutions in vault.resolved_each(these, among=len(paths)):
            if note is None:
                raise KeyError(path)
            checks[path] = check_note(checker, note, resolutions, path)
            if release:
                for target in naming.get(path, ()):
                    named[target] -= 1
                    if not named[target]:
                        outlines.pop(target, None)
                if named.get(path):
                    outlines[path] = _Outline(note.path, note.headings, note.blocks,
                                              note.nested_headings)
                del note, resolutions
                vault.release(path)
            if progress and scoring is None and len(checks) % 1000 == 0:
                progress(len(checks), len(paths), "Checking notes")

    scoring = None
    if broken:
        # The did-you-mean names of the broken links are scored in a thread (rapidfuzz
        # lets go of the GIL), while the notes without such a link are checked here.
        # The names to score, if they are to be read, are read first, here: read in the
        # thread, beside the check's own Python and its reads of the same index, the
        # 0.24 s of reading 200,000 names (100k notes) took 7.8 s before the scoring began.
        store = vault.suggestion_store()
        if store.reads_names(SUGGESTIONS):
            vault.suggester.keys
        scoring = _Background(vault.suggester.prime, broken, SUGGESTIONS, store=store,
                              progress=progress)
        check([path for path in paths if path not in wanting])
        scoring.join()
        scoring = None
    check([path for path in paths if path not in checks])
    if progress:
        progress(len(checks), len(paths), "Checking notes")
    return [checks[path] for path in paths]


@dataclass(slots=True)
class _Outline:
    """What a link naming a heading or block reads of the note it leads to
    (broken.BrokenLinks), kept by check once the note itself is let go."""

    path: str
    headings: list
    blocks: list
    nested_headings: list

    @property
    def name(self) -> str:
        return note_name(self.path)


def _link_facts(connection, paths: list[str], headings: bool = True,
                ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Of the notes and canvases at ``paths``, as the index's edges have their links:
    the names of the notes their links leading nowhere mean (attachments aside: the
    did-you-mean names to score), and (``headings``) the files their links with a
    ``#`` (naming a heading or block, perhaps) lead to."""
    wanting: dict[str, list[str]] = {}
    naming: dict[str, list[str]] = {}
    sql = "SELECT source, target, linkpath, kind, embed FROM edges WHERE " + (
        "(target IS NULL OR instr(raw, '#'))" if headings else "target IS NULL")
    if len(paths) >= 1000:  # (one pass over the edges, not a query per 500 sources)
        among = set(paths)
        rows: Iterable = (row for row in connection.execute(sql) if row[0] in among)
    else:
        rows = (row for start in range(0, len(paths), 500) for row in connection.execute(
            f"{sql} AND source IN ({','.join('?' * len(paths[start:start + 500]))})",
            paths[start:start + 500]))
    for source, target, linkpath, kind, embed in rows:
        if target is not None:
            naming.setdefault(source, []).append(target)
        elif not is_attachment_path(linkpath, kind, embed):
            wanting.setdefault(source, []).append(posixpath.basename(linkpath))
    return wanting, naming


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


def check_note(checker: _Checker, note: "Note", resolutions: list["Resolution"],
               source: str | None = None) -> NoteCheck:
    """What check finds in ``note`` (read at the vault path ``source``, its own by
    default), its links resolved as ``resolutions`` (in order)."""
    p = checker.provenance
    source = note.path if source is None else source
    found = list(note.diagnostics)
    links = note.links
    if is_canvas(note.path):  # a canvas is no claim and no source: its links only
        for link, resolution in zip(links, resolutions):
            if resolution.target is None or link.subpath or resolution.rule == "tie" \
                    or resolution.spelled is not None:  # (not _Checker.is_clean)
                found.extend(checker.problems(source, link, resolution))
        return NoteCheck(note.path, found, None, False, False, [])
    evidence, written = [], []
    for seq, (link, resolution, kind) in enumerate(zip(
            links, resolutions, p.evidence_kinds(links, p.Sections(note)) if links else ())):
        if resolution.target is None or link.subpath or resolution.rule == "tie" \
                or resolution.spelled is not None:  # (not _Checker.is_clean)
            found.extend(checker.problems(source, link, resolution))
        if kind is not None:
            evidence.append((seq, kind))
            written.append((kind, resolution.target, link))
            if p.is_dangling(note.path, kind, resolution.target):
                found.append(p.dangling_citation(note.path, link, kind))
    if written:
        found.extend(p.conflicting_evidence(note.path, written))
    names = p.folded_names(note) if note.frontmatter else None  # (none: no role, no
    # source keys, no bibliography)
    return NoteCheck(note.path, found, p.declared_role(note, names) if names else None,
                     p.has_source_keys(note, names) if names else False,
                     p.cites_directly(note), evidence,
                     p.cited_keys(note) if note.citations else [],
                     p.declared_bibliographies(note, names) if names else [],
                     bare_quotes=p.quotes_only(note),
                     targets=[target for _, target, _ in written])


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
