"""The application layer: one function per command, between the CLI and the domain.

Each function takes a :class:`Session` (what the global options decide) and the
command's arguments, picks where the answer comes from (SQL over the index, brought up
to date first, or the loaded vault), and returns typed records (``views`` alone turns
them into the documented JSON); it raises
:class:`AppError` (:class:`UsageProblem`, :class:`NotFound`) for what ends a command
with a message.  What a command's answer means for the exit status is decided here
too (:class:`Outcome`, and one table: :data:`EXIT_CODES`); printing is left to
``views``/``render`` and to ``cli``, which turns an Outcome into the process's status.

Nothing here imports click, rich or dataclasses (``vaultgraph --help`` imports this
module and would pay for them), and vaultgraph's other modules load only inside the
function that needs them.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, NamedTuple

if TYPE_CHECKING:
    from .check import CheckResult
    from .model import TagInfo
    from .provenance import ClaimTree, Dependent, EvidenceGraph, ProvenanceConfig
    from .queries import Explained, Explanation, Hop, Hub, Mention, Neighbor, Relation, Stats, Wanted
    from .vault import Vault

Progress = Callable[..., None]  # update(done, total, what="Reading notes")


class Outcome(enum.Enum):
    """How a command ended, for the exit status (docs/cli.md)."""

    OK = "ok"
    FINDINGS = "findings"  # check errors, a NOTE matching nothing or several, a broken link, no path
    USAGE = "usage"  # bad arguments, an unreadable vault, an I/O error
    INTERNAL = "internal"  # a bug
    INTERRUPTED = "interrupted"  # SIGINT (Ctrl-C); SIGTERM's 143 is process.Interrupted's
    CLOSED_PIPE = "closed-pipe"  # the reader of the output went


# The one table of exit statuses: signals' are 128 + the signal's number, as a shell
# reports a process the signal ended (SIGINT 2, SIGPIPE 13).
EXIT_CODES: dict[Outcome, int] = {
    Outcome.OK: 0,
    Outcome.FINDINGS: 1,
    Outcome.USAGE: 2,
    Outcome.INTERNAL: 3,
    Outcome.INTERRUPTED: 130,
    Outcome.CLOSED_PIPE: 141,
}


class AppError(Exception):
    """A command cannot answer: ``str(error)`` is the one line to say (vault text in it
    is not escaped yet), ``outcome`` the exit status it ends with."""

    outcome = Outcome.USAGE


class UsageProblem(AppError):
    """Bad arguments or options, a vault that cannot be read, an index that cannot be
    placed or written (exit 2)."""

    outcome = Outcome.USAGE


class NotFound(AppError):
    """A NOTE (or source) matching no note or several, or a path that is not a note
    (exit 1)."""

    outcome = Outcome.FINDINGS


def find_vault_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding ``.obsidian/``, else ``start``."""
    for folder in (start, *start.parents):
        if (folder / ".obsidian").is_dir():
            return folder
    return start


def split_note_line(text: str) -> tuple[str, int] | None:
    """``NOTE:LINE`` -> (NOTE, LINE) (LINE a 1-based line number: digits after the last
    colon), else None (link text such as ``Neuron#Axons`` or ``a:b``)."""
    note, colon, number = text.rpartition(":")
    if colon and number.isdigit():
        return note, int(number)
    return None


class Session:
    """What the global options decide (vault, configuration folder, index) and the vault
    read through its index, opened on first use (:meth:`vault`) and closed by
    :meth:`close`.

    ``progress``: called with no argument for a progress callback (or None) each time
    a long step starts.
    """

    def __init__(self, vault_path: str | None, config_dir: str, cache_dir: str | None,
                 use_cache: bool, progress: Callable[[], Progress | None] = lambda: None):
        self.vault_path, self.config_dir = vault_path, config_dir
        self.cache_dir, self.use_cache = cache_dir, use_cache
        self.progress = progress
        self._vault: Vault | None = None
        self._cache_checked = False
        self._healed = False

    @property
    def root(self) -> Path:
        """The vault folder: ``--vault``, else the nearest folder above holding ``.obsidian/``."""
        if self.vault_path:
            return Path(self.vault_path)
        return find_vault_root(Path.cwd())

    def check_cache_location(self) -> None:
        """UsageProblem when the index's folder is inside the vault (``index.index_file``'s rule)."""
        if self.use_cache and not self._cache_checked:
            from .index import CacheInsideVault, index_file

            try:
                index_file(self.root, self.cache_dir)
            except CacheInsideVault as exc:
                raise UsageProblem(str(exc)) from None
            self._cache_checked = True

    def vault(self, rebuild: bool = False) -> "Vault":
        """The vault, read through its index brought up to date (a throwaway one with
        ``--no-cache``, or when the index cannot be written now); UsageProblem when it
        cannot be read."""
        if self._vault is None:
            from .vault import VaultError, load

            self.check_cache_location()
            try:
                self._vault = load(self.root, self.config_dir, progress=self.progress(),
                                   cache=self.use_cache, cache_dir=self.cache_dir,
                                   rebuild=rebuild)
            except VaultError as exc:
                raise UsageProblem(str(exc)) from None
        return self._vault

    def note_path(self, query: str) -> str:
        """NOTE (path, name, alias...) -> its vault path; NotFound when it matches no
        note or several."""
        from .lookup import NoteLookupError

        try:
            return self.vault().note_path(query)
        except NoteLookupError as exc:
            raise NotFound(str(exc)) from None

    def heal(self, error: BaseException) -> bool:
        """Whether the command that raised ``error`` is to run again, once: the index
        proved damaged while it was read (codec.DamagedIndex, or a row of another shape
        than written), so it has been discarded, and the next :meth:`vault` makes it
        anew.  A throwaway index made in this run is not damaged by anyone else: its
        errors are raised."""
        if self._healed or self._vault is None or self._vault.throwaway:
            return False
        from .codec import ROW_ERRORS, DamagedIndex

        if not isinstance(error, (DamagedIndex, *ROW_ERRORS)):
            return False
        from .index import Index

        location = self._vault.location
        self.close()
        Index(location).clear()
        self._healed = True
        return True

    def close(self) -> None:
        """Close the vault's index (a throwaway one is removed)."""
        if self._vault is not None:
            self._vault.close()
            self._vault = None


# -- the commands ------------------------------------------------------------------

INDEX_NOT_WRITTEN = ("the index could not be written (locked by another run for over 15 s, or "
                     "its folder is not writable or not this user's); nothing was stored")


class IndexFigures(NamedTuple):
    """What `index` did: the vault's ``notes``, ``canvases`` and ``files`` (counts; files
    counts attachments too), how many notes were ``parsed`` now, ``reused`` from the
    index, ``removed`` from it; whether it was ``rebuilt``; whether it could be
    ``written``; its ``location`` (a file path)."""

    notes: int
    canvases: int
    files: int
    parsed: int
    reused: int
    removed: int
    rebuilt: bool
    written: bool
    location: str


def update_index(session: Session, rebuild: bool) -> IndexFigures:
    """`index`: the index brought up to date; its figures.  UsageProblem with
    ``--no-cache``, for a missing vault or an index inside it.  Whether it could be
    written is in ``written`` (:func:`index_outcome`)."""
    from .index import update_index as update

    if not session.use_cache:
        raise UsageProblem("--no-cache: there is no index to update")
    if not session.root.is_dir():
        raise UsageProblem(f"vault not found: {session.root}")
    session.check_cache_location()
    return IndexFigures(**update(session.root, session.cache_dir, rebuild, session.progress()))


def index_outcome(figures: IndexFigures) -> None:
    """UsageProblem (after the figures are shown) when the index could not be written."""
    if not figures.written:
        raise UsageProblem(INDEX_NOT_WRITTEN)


class NoteLinks(NamedTuple):
    """`links`/`backlinks` of a note: the vault and the note's path, for ``views`` to
    answer from."""

    vault: "Vault"
    path: str


def note_links(session: Session, note: str) -> NoteLinks:
    """The note NOTE names, for `links` and `backlinks`; NotFound when it matches no
    note or several."""
    return NoteLinks(session.vault(), session.note_path(note))


def tags(session: Session, include_excluded: bool) -> dict[str, "TagInfo"]:
    """`tags`: folded tag -> TagInfo."""
    return session.vault().tags(include_excluded)


def tag_outcome(tag: str | None, notes: list[str]) -> Outcome:
    """`tags TAG` carried by no note ends with FINDINGS."""
    return Outcome.FINDINGS if tag is not None and not notes else Outcome.OK


def provenance_config(roles: Iterable[str],
                      bibliographies: Iterable[str] = ()) -> "ProvenanceConfig":
    """``--role`` specs and ``--bibliography`` files -> the configuration; UsageProblem
    for a spec that is not one."""
    from .provenance import ProvenanceConfig

    try:
        config = ProvenanceConfig.from_specs(list(roles))
    except ValueError as exc:
        raise UsageProblem(str(exc)) from None
    config.bibliographies = [str(path) for path in bibliographies]
    return config


def provenance_graph(session: Session, claim: str, depth: int,
                     config: "ProvenanceConfig") -> "EvidenceGraph":
    """`provenance CLAIM --format graph-json|dot|mermaid|prov-json`: the claim's evidence as nodes and edges;
    NotFound for an unknown CLAIM."""
    from .provenance import Provenance

    vault = session.vault()
    return Provenance(vault, config).graph(session.note_path(claim), depth)


def provenance(session: Session, claim: str, depth: int,
               config: "ProvenanceConfig") -> "ClaimTree":
    """`provenance CLAIM`: the evidence tree, ``depth`` steps deep; NotFound for an
    unknown CLAIM."""
    from .provenance import Provenance

    vault = session.vault()
    return Provenance(vault, config).tree(session.note_path(claim), depth)


class Dependents(NamedTuple):
    """`provenance --dependents SOURCE`: ``source`` as asked, the ``notes`` (vault paths)
    it names, and the claims resting on them or on it (``dependents``)."""

    source: str
    notes: list[str]
    dependents: "list[Dependent]"


def dependents(session: Session, source: str, config: "ProvenanceConfig",
               chains: bool = False) -> Dependents:
    """`provenance --dependents SOURCE`: the claims resting on SOURCE (a note, a DOI,
    ISBN or URL in any form, a ``@key``), each with its depth and next hop, and with
    ``chains`` its whole chain; NotFound for a SOURCE that names no note."""
    from .lookup import NoteLookupError
    from .provenance import Provenance

    found = Provenance(session.vault(), config)
    try:
        notes, external = found.find_source(source)
    except NoteLookupError as exc:
        raise NotFound(str(exc)) from None
    return Dependents(source, notes, found.dependents(notes, external, chains))


def explain(session: Session, link: str, source: str | None) -> "Explanation":
    """`explain LINK [--from NOTE]` (LINK typed, written in NOTE) or `explain NOTE:LINE`
    (every link on that line); NotFound for an unknown note."""
    from .queries import explain_links

    vault = session.vault()
    note_line = split_note_line(link)
    if note_line is not None and source is None:
        return explain_links(vault, None, session.note_path(note_line[0]), note_line[1])
    return explain_links(vault, link, session.note_path(source) if source else None)


def explain_outcome(items: "list[Explained]", would_be: list | None = None) -> Outcome:
    """No link explained, one with a problem, or text that looks like a link but is
    not one (``would_be``: cut-link, unclosed-link, space-in-link) ends with FINDINGS."""
    if not items or would_be or any(item.problems for item in items):
        return Outcome.FINDINGS
    return Outcome.OK


def link_ends(session: Session, include_excluded: bool):
    """The visible notes, those linking to another, those linked from one (Vault.link_ends),
    for `orphans` and `deadends`."""
    return session.vault().link_ends(include_excluded)


def orphans(session: Session, include_excluded: bool) -> list[str]:
    """`orphans`: notes with no links to or from other notes, sorted."""
    from . import queries

    return queries.orphans(link_ends(session, include_excluded))


def deadends(session: Session, include_excluded: bool) -> list[str]:
    """`deadends`: notes with no outgoing links to other notes, sorted."""
    from . import queries

    return queries.deadends(link_ends(session, include_excluded))


def wanted(session: Session, include_excluded: bool) -> "list[Wanted]":
    """`wanted`: unresolved names, most linked first."""
    from . import queries

    return queries.wanted(session.vault().broken_links(include_excluded))


class Neighborhood(NamedTuple):
    """`neighbors`: ``note`` (a vault path), the ``depth`` and ``direction`` asked, and
    the notes found."""

    note: str
    depth: int
    direction: str
    neighbors: "list[Neighbor]"


def neighbors(session: Session, note: str, depth: int, direction: str,
              include_excluded: bool) -> Neighborhood:
    """`neighbors`: notes within ``depth`` links of NOTE (``direction`` in, out or both)."""
    from . import queries

    path = session.note_path(note)
    rows = queries.neighbors(session.vault(), path, depth, direction, include_excluded)
    return Neighborhood(path, depth, direction, rows)


class PathFound(NamedTuple):
    """`path`: from note ``start`` to note ``end`` (vault paths), following links
    forwards only when ``directed``; ``hops`` None when no chain of links joins them."""

    start: str
    end: str
    directed: bool
    hops: "list[Hop] | None"


def shortest_path(session: Session, start: str, end: str, directed: bool,
                  include_excluded: bool) -> PathFound:
    """`path`: the shortest chain of links from START to END (``hops`` None: none)."""
    from . import queries

    a, b = session.note_path(start), session.note_path(end)
    hops = queries.shortest_path(session.vault(), a, b, directed, include_excluded)
    return PathFound(a, b, directed, hops)


def path_outcome(found: PathFound) -> Outcome:
    """No chain of links ends `path` with FINDINGS."""
    return Outcome.FINDINGS if found.hops is None else Outcome.OK


def hubs(session: Session, top: int, include_excluded: bool) -> "list[Hub]":
    """`hubs`: the ``top`` notes by PageRank, with in- and out-degree."""
    from . import queries

    return queries.hubs(session.vault(), top, include_excluded)


class RelatedNotes(NamedTuple):
    """`related`: ``note`` (a vault path) and the notes related to it, best first."""

    note: str
    related: "list[Relation]"


def related(session: Session, note: str, top: int, include_excluded: bool) -> RelatedNotes:
    """`related`: notes not linked with NOTE sharing the most links and tags with it."""
    from . import queries

    path = session.note_path(note)
    return RelatedNotes(path, queries.related(session.vault(), path, top, include_excluded))


def mention_names(vault: "Vault", path: str) -> list[str]:
    """The names `mentions` looks for: the note's name, then its aliases; NotFound when
    ``path`` is not a note (an attachment or a canvas)."""
    target = vault.notes.get(path)
    if target is None:
        raise NotFound(f"{path} is not a note")
    return [target.name, *target.aliases]


class Mentions(NamedTuple):
    """`mentions`: ``note`` (a vault path), the ``names`` looked for (its name, then its
    aliases) and where they are written unlinked."""

    note: str
    names: list[str]
    mentions: "list[Mention]"


def mentions(session: Session, note: str, include_excluded: bool) -> Mentions:
    """`mentions`: NOTE's name or aliases in other notes' text, not linked."""
    from . import queries

    vault = session.vault()
    path = session.note_path(note)
    names = mention_names(vault, path)
    return Mentions(path, names, queries.mentions(vault, path, include_excluded))


def stats(session: Session, include_excluded: bool) -> "Stats":
    """`stats`: the vault's health summary."""
    from . import queries

    return queries.stats(session.vault(), include_excluded)


def refuse_output_inside(session: Session, output: str | None) -> None:
    """UsageProblem when ``-o`` names a file inside the vault (symlinks followed):
    vaultgraph never writes there, and would overwrite a note."""
    if output is None or output == "-":
        return
    from .places import is_inside

    if is_inside(output, session.root):
        raise UsageProblem(f"will not write {output}: it is inside the vault {session.root} "
                           "(vaultgraph never writes there)")


def check_codes(value: str | None) -> list[str]:
    """``--select``/``--ignore`` ``a,b`` -> the codes; UsageProblem naming unknown ones."""
    from .codes import CODES

    codes = [c.strip() for c in (value or "").split(",") if c.strip()]
    unknown = [c for c in codes if c not in CODES]
    if unknown:
        raise UsageProblem(f"unknown code(s): {', '.join(unknown)}; "
                           f"known: {', '.join(sorted(CODES))}")
    return codes


def check(session: Session, select: str | None, ignore: str | None, unresolved: str,
          commented: str, include_excluded: bool, roles: Iterable[str],
          bibliographies: Iterable[str] = ()) -> "CheckResult":
    """`check`: the findings selected; only the notes whose findings an edit can have
    changed are checked again (findings.py)."""
    from .check import select_findings
    from .findings import vault_findings

    selected, ignored = check_codes(select), check_codes(ignore)
    config = provenance_config(roles, bibliographies)
    found, notes = vault_findings(session.vault(), include_excluded, config, session.progress())
    return select_findings(found, notes, unresolved, selected, ignored, commented)


def check_outcome(result: "CheckResult") -> Outcome:
    """Errors end `check` with FINDINGS; warnings do not."""
    return Outcome.FINDINGS if result.errors else Outcome.OK
