"""The application layer: one function per command, between the CLI and the domain.

Each function takes a :class:`Session` (what the global options decide) and the
command's arguments, picks where the answer comes from (SQL over the index, brought up
to date first, or the loaded vault), and returns plain data; it raises
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
    from .files import Listing
    from .model import TagInfo
    from .provenance import ProvenanceConfig
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
    """What the global options decide (vault, configuration folder, index); the vault is
    loaded on first use, and only when the index cannot answer.

    ``progress``: called with no argument for a progress callback (or None) each time
    a long step starts.
    """

    def __init__(self, vault_path: str | None, config_dir: str, cache_dir: str | None,
                 use_cache: bool, progress: Callable[[], Progress | None] = lambda: None):
        self.vault_path, self.config_dir = vault_path, config_dir
        self.cache_dir, self.use_cache = cache_dir, use_cache
        self.progress = progress
        self._vault: Vault | None = None
        self._listing: Listing | None = None  # the vault's files, when listed before loading
        self._cache_checked = False

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
        """The loaded vault (through the index unless ``--no-cache``); UsageProblem when it
        cannot be read."""
        if self._vault is None:
            from .vault import VaultError, load

            self.check_cache_location()
            try:
                self._vault = load(self.root, self.config_dir, progress=self.progress(),
                                   cache=self.use_cache, cache_dir=self.cache_dir, rebuild=rebuild,
                                   _listing=self._listing)
            except VaultError as exc:
                raise UsageProblem(str(exc)) from None
        return self._vault

    @property
    def answers_from_index(self) -> bool:
        """Whether a query may be answered from the index without loading the vault."""
        if not (self.use_cache and self._vault is None and self.root.is_dir()):
            return False
        self.check_cache_location()
        return True

    def quick_answer(self, query: str, include_excluded: bool,
                     outgoing: bool = False) -> dict[str, Any] | None:
        """`backlinks`/`links` by SQL from the index (brought up to date first), or None
        when there is no usable index: then load the vault.  NotFound for a NOTE
        matching no note or several."""
        if not self.answers_from_index:
            return None
        from .files import load_config
        from .index import quick_answer
        from .lookup import NoteLookupError

        try:
            return quick_answer(self.root, self.cache_dir, load_config(self.root, self.config_dir),
                                query, include_excluded, outgoing, progress=self.progress())
        except NoteLookupError as exc:
            raise NotFound(str(exc)) from None

    def visible_answer(self, answer: Callable, from_vault: Callable, include_excluded: bool) -> Any:
        """``answer``, an answers.py query, run on the index (brought up to date first);
        else ``from_vault(vault, include_excluded)`` on the loaded vault."""
        if self.answers_from_index:
            from .files import load_config
            from .index import visible_answer

            found = visible_answer(self.root, self.cache_dir,
                                   load_config(self.root, self.config_dir), answer,
                                   include_excluded, progress=self.progress())
            if found is not None:
                return found
        return from_vault(self.vault(), include_excluded)

    def findings(self, include_excluded: bool, config: "ProvenanceConfig") -> tuple[list, int]:
        """`check`'s findings and the number of notes checked: from the index, where
        only the notes whose findings can have changed are checked again; else from
        the loaded vault."""
        from .check import collect_findings

        if self.answers_from_index:
            from .files import list_vault
            from .findings import indexed_findings

            self._listing = list_vault(self.root, self.config_dir)  # (loading lists no more)
            found = indexed_findings(self.root, self.cache_dir, self._listing, include_excluded,
                                     config, progress=self.progress())
            if found is not None:
                return found
        vault = self.vault()
        return (collect_findings(vault, include_excluded, config, progress=self.progress()),
                len(vault.visible_notes(include_excluded)))

    def note_path(self, query: str) -> str:
        """NOTE (path, name, alias...) -> its vault path in the loaded vault; NotFound
        when it matches no note or several."""
        from .lookup import NoteLookupError

        try:
            return self.vault().note_path(query)
        except NoteLookupError as exc:
            raise NotFound(str(exc)) from None


# -- the commands ------------------------------------------------------------------

INDEX_NOT_WRITTEN = ("the index could not be written (locked by another run for over 15 s, or "
                     "its folder is not writable or not this user's); nothing was stored")


def update_index(session: Session, rebuild: bool) -> dict[str, Any]:
    """`index`: the index brought up to date; its figures (docs/cli.md, ``index --json``).
    UsageProblem with ``--no-cache``, for a missing vault or an index inside it.  Whether
    it could be written is in ``written`` (:func:`index_outcome`)."""
    from .index import update_index as update

    if not session.use_cache:
        raise UsageProblem("--no-cache: there is no index to update")
    if not session.root.is_dir():
        raise UsageProblem(f"vault not found: {session.root}")
    session.check_cache_location()
    return update(session.root, session.cache_dir, rebuild, session.progress())


def index_outcome(figures: dict[str, Any]) -> None:
    """UsageProblem (after the figures are shown) when the index could not be written."""
    if not figures["written"]:
        raise UsageProblem(INDEX_NOT_WRITTEN)


class NoteLinks(NamedTuple):
    """`links`/`backlinks` of a note: the index's answer (``answer``, the documented JSON
    already), or the loaded vault and the note's path for ``views`` to answer from."""

    answer: dict[str, Any] | None
    vault: "Vault | None" = None
    path: str | None = None


def note_links(session: Session, note: str, include_excluded: bool,
               outgoing: bool = False) -> NoteLinks:
    """`backlinks` (with ``outgoing``: `links`) of NOTE; NotFound when it matches no note
    or several."""
    answer = session.quick_answer(note, include_excluded, outgoing=outgoing)
    if answer is not None:
        return NoteLinks(answer)
    vault = session.vault()
    return NoteLinks(None, vault, session.note_path(note))


def tags(session: Session, include_excluded: bool) -> dict[str, "TagInfo"]:
    """`tags`: folded tag -> TagInfo, from the index or the loaded vault."""
    from .answers import tag_index

    return session.visible_answer(tag_index, lambda vault, excluded: vault.tags(excluded),
                                  include_excluded)


def tag_outcome(tag: str | None, notes: list[str]) -> Outcome:
    """`tags TAG` carried by no note ends with FINDINGS."""
    return Outcome.FINDINGS if tag is not None and not notes else Outcome.OK


def provenance_config(roles: Iterable[str]) -> "ProvenanceConfig":
    """``--role`` specs -> the configuration; UsageProblem for a spec that is not one."""
    from .provenance import ProvenanceConfig

    try:
        return ProvenanceConfig.from_specs(list(roles))
    except ValueError as exc:
        raise UsageProblem(str(exc)) from None


def provenance(session: Session, claim: str, depth: int,
               config: "ProvenanceConfig") -> dict[str, Any]:
    """`provenance CLAIM`: the evidence tree (docs/cli.md); NotFound for an unknown CLAIM."""
    from .provenance import Provenance

    vault = session.vault()
    return Provenance(vault, config).tree(session.note_path(claim), depth)


def dependents(session: Session, source: str, config: "ProvenanceConfig") -> dict[str, Any]:
    """`provenance --dependents SOURCE`: the claims resting on SOURCE (a note, DOI or URL);
    NotFound for a SOURCE that names no source."""
    from .lookup import NoteLookupError
    from .provenance import Provenance

    found = Provenance(session.vault(), config)
    try:
        notes, external = found.find_source(source)
    except NoteLookupError as exc:
        raise NotFound(str(exc)) from None
    return {"source": source, "notes": notes, "dependents": found.dependents(notes, external)}


class ExplainRequest(NamedTuple):
    """What `explain` explains: every link on ``line`` of ``source``, or ``link`` (text
    typed on the command line) written in ``source`` (None: no note)."""

    vault: "Vault"
    link: str | None
    source: str | None
    line: int | None = None


def explain(session: Session, link: str, source: str | None) -> ExplainRequest:
    """`explain LINK [--from NOTE]` or `explain NOTE:LINE`; NotFound for an unknown note."""
    vault = session.vault()
    note_line = split_note_line(link)
    if note_line is not None and source is None:
        return ExplainRequest(vault, None, session.note_path(note_line[0]), note_line[1])
    return ExplainRequest(vault, link, session.note_path(source) if source else None)


def explain_outcome(items: list[dict[str, Any]], would_be: list | None = None) -> Outcome:
    """No link explained, one with a problem, or text that looks like a link but is
    not one (``would_be``: cut-link, unclosed-link, space-in-link) ends with FINDINGS."""
    if not items or would_be or any(item["problems"] for item in items):
        return Outcome.FINDINGS
    return Outcome.OK


def link_ends(session: Session, include_excluded: bool):
    """The (source, target) pairs of resolved links between visible notes, for
    `orphans` and `deadends` (queries.orphans / queries.deadends)."""
    from . import answers, queries

    return session.visible_answer(answers.link_ends, queries.link_ends, include_excluded)


def orphans(session: Session, include_excluded: bool) -> list[str]:
    """`orphans`: notes with no links to or from other notes, sorted."""
    from . import queries

    return queries.orphans(link_ends(session, include_excluded))


def deadends(session: Session, include_excluded: bool) -> list[str]:
    """`deadends`: notes with no outgoing links to other notes, sorted."""
    from . import queries

    return queries.deadends(link_ends(session, include_excluded))


def wanted(session: Session, include_excluded: bool) -> list[dict[str, Any]]:
    """`wanted`: unresolved names, most linked first (docs/cli.md rows)."""
    from . import answers, queries

    return queries.wanted(session.visible_answer(answers.broken_links, queries.broken_links,
                                                 include_excluded))


def neighbors(session: Session, note: str, depth: int, direction: str,
              include_excluded: bool) -> dict[str, Any]:
    """`neighbors`: notes within ``depth`` links of NOTE (``direction`` in, out or both)."""
    from . import queries

    path = session.note_path(note)
    rows = queries.neighbors(session.vault(), path, depth, direction, include_excluded)
    return {"note": path, "depth": depth, "direction": direction, "neighbors": rows}


def shortest_path(session: Session, start: str, end: str, directed: bool,
                  include_excluded: bool) -> dict[str, Any]:
    """`path`: the shortest chain of links from START to END (``hops`` None: none)."""
    from . import queries

    a, b = session.note_path(start), session.note_path(end)
    hops = queries.shortest_path(session.vault(), a, b, directed, include_excluded)
    return {"from": a, "to": b, "directed": directed, "hops": hops}


def path_outcome(found: dict[str, Any]) -> Outcome:
    """No chain of links ends `path` with FINDINGS."""
    return Outcome.FINDINGS if found["hops"] is None else Outcome.OK


def hubs(session: Session, top: int, include_excluded: bool) -> list[dict[str, Any]]:
    """`hubs`: the ``top`` notes by PageRank, with in- and out-degree."""
    from . import queries

    return queries.hubs(session.vault(), top, include_excluded)


def related(session: Session, note: str, top: int, include_excluded: bool) -> dict[str, Any]:
    """`related`: notes not linked with NOTE sharing the most links and tags with it."""
    from . import queries

    path = session.note_path(note)
    return {"note": path, "related": queries.related(session.vault(), path, top, include_excluded)}


def mention_names(vault: "Vault", path: str) -> list[str]:
    """The names `mentions` looks for: the note's name, then its aliases; NotFound when
    ``path`` is not a note (an attachment or a canvas)."""
    target = vault.notes.get(path)
    if target is None:
        raise NotFound(f"{path} is not a note")
    return [target.name, *target.aliases]


def mentions(session: Session, note: str, include_excluded: bool) -> dict[str, Any]:
    """`mentions`: NOTE's name or aliases in other notes' text, not linked."""
    from . import queries

    vault = session.vault()
    path = session.note_path(note)
    names = mention_names(vault, path)
    return {"note": path, "names": names, "mentions": queries.mentions(vault, path, include_excluded)}


def stats(session: Session, include_excluded: bool) -> dict[str, Any]:
    """`stats`: the vault's health summary (docs/cli.md)."""
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
          commented: str, include_excluded: bool, roles: Iterable[str]) -> "CheckResult":
    """`check`: the findings selected (from the index where it can answer)."""
    from .check import select_findings

    selected, ignored = check_codes(select), check_codes(ignore)
    config = provenance_config(roles)
    found, notes = session.findings(include_excluded, config)
    return select_findings(found, notes, unresolved, selected, ignored, commented)


def check_outcome(result: "CheckResult") -> Outcome:
    """Errors end `check` with FINDINGS; warnings do not."""
    return Outcome.FINDINGS if result.errors else Outcome.OK
