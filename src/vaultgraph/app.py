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
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, NamedTuple

if TYPE_CHECKING:
    from .check import CheckResult
    from .edits import MoveResult, Plan
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


IMPLICIT_VAULT_LIMIT = 20_000  # entries looked at in a folder that is not a vault


def count_notes(folder: Path, limit: int) -> int | None:
    """How many notes (``.md``, ``.canvas``) ``folder`` holds, at any depth, as the
    vault's walk finds them (hidden files and folders skipped, symlinks not followed);
    None when it holds over ``limit`` entries (never more are looked at)."""
    import os

    seen, notes, stack = 0, 0, [str(folder)]
    while stack:
        try:
            entries = os.scandir(stack.pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                seen += 1
                if seen > limit:
                    return None
                if entry.name.startswith("."):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.name.lower().endswith((".md", ".canvas")):
                        notes += 1
                except OSError:
                    pass
    return notes


def implicit_vault(start: Path, config_dir: str = ".obsidian",
                   say: Callable[[str], None] = lambda message: None) -> Path:
    """The vault when none is named (no ``--vault``, no ``$VAULTGRAPH_VAULT``): the
    nearest folder at or above ``start`` holding ``config_dir``; else ``start`` itself
    if it holds notes, which ``say`` is told (once: the user may not have meant it).
    UsageProblem ("not a vault") for a folder with no notes, or with over
    IMPLICIT_VAULT_LIMIT entries (a folder such as /usr/share is not walked silently:
    ``--vault`` names it when it is meant)."""
    for folder in (start, *start.parents):
        if (folder / config_dir).is_dir():
            return folder
    where = f"{start} has no {config_dir}/ folder, nor has any folder above it,"
    notes = count_notes(start, IMPLICIT_VAULT_LIMIT)
    if notes is None:
        raise UsageProblem(f"not a vault: {where} and it holds over {IMPLICIT_VAULT_LIMIT:,} "
                           f"files; give --vault {start} to use it anyway")
    if not notes:
        raise UsageProblem(f"not a vault: {where} and it holds no notes; give --vault PATH")
    say(f"no {config_dir}/ folder here or above: using {start} as the vault "
        f"({notes} note{'' if notes == 1 else 's'})")
    return start


def split_note_line(text: str) -> tuple[str, int] | None:
    """``NOTE:LINE`` -> (NOTE, LINE) (LINE a 1-based line number: digits after the last
    colon), else None (link text such as ``Neuron#Axons`` or ``a:b``)."""
    note, colon, number = text.rpartition(":")
    if colon and number.isdigit():
        return note, int(number)
    return None


def complete(vault_path: str | None, cache_dir: str | None, what: str,
             incomplete: str) -> list[str]:
    """Shell completion of a NOTE (``what`` "notes": note names) or a TAG ("tags"):
    answered from the index the last command left, which is neither made nor brought up
    to date here (a completion must answer at once; the vault is not walked), so it is
    empty until a command has run on the vault.  ``vault_path`` None: the nearest
    folder holding ``.obsidian/``.  A TAG typed with ``#`` is completed with it."""
    import sqlite3

    from .answers import completions
    from .index import CacheInsideVault, connect, index_file

    root = Path(vault_path) if vault_path else find_vault_root(Path.cwd())
    hash_mark = "#" if what == "tags" and incomplete.startswith("#") else ""
    try:
        connection = connect(index_file(root, cache_dir), create=False)
    except (CacheInsideVault, sqlite3.Error, OSError):
        return []
    try:
        return [hash_mark + name for name in
                completions(connection, what, incomplete.removeprefix(hash_mark))]
    except sqlite3.Error:
        return []
    finally:
        connection.close()


class Session:
    """What the global options decide (vault, configuration folder, index) and the vault
    read through its index, opened on first use (:meth:`vault`) and closed by
    :meth:`close`.

    ``progress``: called with no argument for a progress callback (or None) each time
    a long step starts; ``say``: given a line to tell the user (which folder is used
    when it is not a vault's).

    ``lender`` (class-wide; set by ``vaultgraph watch`` while it runs a command for a
    client, watch.py): given the session, the vault a watcher keeps open, which the
    session uses and does not close; it raises when the session asks for another vault
    or index than the one it keeps.
    """

    lender: ClassVar[Callable[["Session"], "Vault"] | None] = None

    def __init__(self, vault_path: str | None, config_dir: str, cache_dir: str | None,
                 use_cache: bool, progress: Callable[[], Progress | None] = lambda: None,
                 say: Callable[[str], None] = lambda message: None):
        self.vault_path, self.config_dir = vault_path, config_dir
        self.say = say  # one line for the user (on stderr), when the vault is a guess
        self._root: Path | None = None
        self.cache_dir, self.use_cache = cache_dir, use_cache
        self.progress = progress
        self._vault: Vault | None = None
        self._cache_checked = False
        self._healed = False
        self._lent = False  # the vault is a watcher's (``lender``): not closed here
        self._kept: Vault | None = None  # closed by close_at_exit, not freed

    @property
    def root(self) -> Path:
        """The vault folder: ``--vault``, else :func:`implicit_vault` of the current
        folder (worked out once)."""
        if self.vault_path:
            return Path(self.vault_path)
        if self._root is None:
            self._root = implicit_vault(Path.cwd(), self.config_dir, self.say)
        return self._root

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
        if self._vault is None and Session.lender is not None and not rebuild:
            self._vault, self._lent = Session.lender(self), True
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
        or type than written: ``codec.ROW_ERRORS``, met wherever the row is used), so it
        has been discarded, and the next :meth:`vault` makes it anew.  (A bug of ours
        raising one of those costs a rebuild of the index, a cache, and is raised by the
        second run.)  A throwaway index made in this run is not damaged by anyone else:
        its errors are raised."""
        if self._healed or self._vault is None or self._vault.throwaway or self._lent:
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
        """Close the vault's index (a throwaway one is removed); a watcher's is left open."""
        if self._vault is not None:
            if not self._lent:
                self._vault.close()
            self._vault = None

    def close_at_exit(self) -> None:
        """:meth:`close` at the end of a process that ends at once after it (cli.main:
        os._exit): the closed vault is kept, not freed -- freeing a loaded vault's
        objects would only delay the end (10k notes: 0.06 s of CPU)."""
        self._kept = self._vault
        self.close()


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
    (every link on that line); NotFound for an unknown note, or a LINE it does not have
    (the message says how many lines it has)."""
    from .queries import explain_links

    vault = session.vault()
    note_line = split_note_line(link)
    if note_line is not None and source is None:
        path, line = session.note_path(note_line[0]), note_line[1]
        found = explain_links(vault, None, path, line)
        if not found.links and not found.would_be:
            from .parse import line_count

            count = line_count(vault.root, path)
            if count is not None and not 1 <= line <= count:
                lines = f"has {count} line{'' if count == 1 else 's'}" if count else "is empty"
                raise NotFound(f"{path} {lines}: there is no line {line}")
        return found
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
    from .codes import read_codes

    try:
        return read_codes([value or ""])
    except ValueError as error:
        raise UsageProblem(str(error)) from None


def check_outcome(result: "CheckResult") -> Outcome:
    """Errors end `check` with FINDINGS; warnings do not."""
    return Outcome.FINDINGS if result.errors else Outcome.OK


def in_vault(session: Session, path: Path) -> str | None:
    """An absolute filesystem path -> its vault path (POSIX; ``""``: the vault itself),
    or None when it lies outside the vault.  The folders above it are resolved
    (symlinks, ``..``: places.is_inside decides by identity); the last component is
    kept as named, so a symlink inside the vault is the vault's file, wherever it
    points.  The one rule for SOURCE, DEST (`mv`) and PATH (`check`) arguments."""
    from .places import is_inside

    root = os.path.realpath(session.root)
    if os.path.realpath(path) == root:
        return ""
    parent = os.path.realpath(path.parent)
    full = os.path.join(parent, path.name) if path.name not in ("", ".", "..") \
        else os.path.realpath(path)
    try:
        relative = os.path.relpath(full, root)
    except ValueError:  # another drive (Windows)
        return None
    if relative == ".." or relative.startswith(".." + os.sep) or not is_inside(parent, root):
        return None
    return relative.replace(os.sep, "/")


def vault_path_of(session: Session, text: str) -> str:
    """A SOURCE or DEST argument -> its vault path (:func:`in_vault`).  A relative
    argument is taken from the current folder when that is inside the vault, else from
    the vault's folder.  UsageProblem when it lies outside the vault, is the vault
    itself, or is inside its configuration folder."""
    from .places import is_inside

    given = Path(text)
    if not given.is_absolute():
        base = Path.cwd() if is_inside(Path.cwd(), session.root) else Path(session.root)
        given = base / given
    relative = in_vault(session, Path(os.path.abspath(given)))
    if not relative:
        raise UsageProblem(f"{text}: outside the vault ({session.root})")
    if relative.split("/")[0] == session.config_dir:
        raise UsageProblem(f"{text}: inside the vault's {session.config_dir} folder")
    return relative


def undo_command(session: Session, dest: str, source: str) -> str:
    """The command that moves ``dest`` back to ``source`` (vault paths), to be run from
    the current folder: one line, quoted for a POSIX shell; the paths written as this
    run reads them (from the current folder when it is inside the vault)."""
    import os
    import shlex

    from .places import is_inside

    root = session.root
    words = ["vaultgraph", "--vault", str(root)]
    if session.config_dir != ".obsidian":
        words += ["--config-dir", session.config_dir]
    if is_inside(Path.cwd(), root):
        here = os.path.realpath(Path.cwd())
        top = os.path.realpath(root)
        dest, source = (os.path.relpath(os.path.join(top, p), here) for p in (dest, source))
    return " ".join([*map(shlex.quote, words), "mv", shlex.quote(dest), shlex.quote(source)])


def move(session: Session, source: str, dest: str, dry_run: bool = False,
         keep_resolution: bool = False) -> "MoveResult":
    """`mv SOURCE DEST`: rename a note, attachment or folder and rewrite the links that
    led to it (edits.plan_move).  UsageProblem (exit 2, nothing written) when SOURCE is
    outside the vault or not a file or folder of it, DEST exists, a link cannot be
    rewritten, or a file changed on disk since it was read.  The index is brought up
    to date with the result in the same run."""
    import os

    from .edits import EditError, MoveResult, apply, moves_for, plan_move

    source_path, dest_path = vault_path_of(session, source), vault_path_of(session, dest)
    vault = session.vault()
    root = vault.root
    files = set(vault.files)
    folder = source_path.rstrip("/") + "/"
    if source_path not in files and not any(p.startswith(folder) for p in vault.files):
        problem = "not found" if not os.path.lexists(root / source_path) \
            else "not a file or folder vaultgraph reads"
        raise UsageProblem(f"{source}: {problem} in the vault")
    if os.path.lexists(root / dest_path) or dest_path in files:
        raise UsageProblem(f"{dest}: already exists; nothing was moved")
    if (dest_path + "/").startswith(folder):
        raise UsageProblem(f"{dest}: inside {source}; nothing was moved")
    renames, folders = moves_for(vault, source_path, dest_path)
    try:
        plan = plan_move(vault, renames, folders, keep_resolution)
        if plan.problems:
            raise EditError("links that cannot be rewritten; nothing was moved", plan.problems)
        if not dry_run:
            apply(root, plan)
    except EditError as exc:
        shown = exc.problems[:5] + ([f"and {len(exc.problems) - 5} more"]
                                    if len(exc.problems) > 5 else [])
        raise UsageProblem("; ".join([str(exc), *shown])) from None
    undo = undo_command(session, dest_path, source_path)
    result = MoveResult(source_path, dest_path, plan, not dry_run, undo)
    if not dry_run and session.use_cache:
        session.close()
        session.vault()  # the index brought up to date now: the next query is warm
    return result


def fix_codes(value: str | None) -> list[str]:
    """``--fix-only a,b`` -> the codes (all fixable ones when None); UsageProblem naming
    codes that have no fix."""
    from .edits import FIXABLE

    if value is None:
        return list(FIXABLE)
    codes = [c.strip() for c in value.split(",") if c.strip()]
    unknown = [c for c in codes if c not in FIXABLE]
    if unknown:
        raise UsageProblem(f"no fix for: {', '.join(unknown)}; fixable: {', '.join(FIXABLE)}")
    return codes


def fix(session: Session, only: str | None, write: bool, include_excluded: bool,
        roles: Iterable[str], select: str | None = None, ignore: str | None = None) -> "Plan":
    """`check --fix` (``write``) and `check --diff`: the safe fixes of check's findings
    (edits.plan_fixes) of the codes ``--fix-only`` names (default: every fixable one),
    within ``--select`` and not ``--ignore`` (as ruff's ``--fix``), written atomically
    after a hash check; the index is brought up to date with them.  UsageProblem (exit
    2, nothing written) when a fix cannot be planned or a file changed on disk since it
    was read."""
    from .edits import EditError, apply, plan_fixes
    from .findings import vault_findings

    selected, ignored = check_codes(select), check_codes(ignore)
    codes = [c for c in fix_codes(only)
             if (not selected or c in selected) and c not in ignored]
    vault = session.vault()
    found, _ = vault_findings(vault, include_excluded, provenance_config(roles),
                              session.progress())
    try:
        plan = plan_fixes(vault, found, codes)
        if plan.problems:
            raise EditError("fixes that cannot be made; nothing was written", plan.problems)
        if write and plan.edits:
            apply(vault.root, plan)
    except EditError as exc:
        raise UsageProblem("; ".join([str(exc), *exc.problems[:5]])) from None
    if write and plan.edits:
        session.close()  # the findings that follow are those of the files as fixed
    return plan


# -- check as a linter (lint.py) ---------------------------------------------------------
class CheckOptions(NamedTuple):
    """What `check` is to do, from its options over the configuration file's ``[check]``
    (docs/cli.md, "Configuration file"): the codes to ``select`` (empty: all) and
    ``ignore``, the ``unresolved`` and ``commented`` severities, ``include_excluded``,
    the provenance ``roles``, the ``exclude`` globs and per-path ``overrides``
    (lint.Override), the output ``format``, the ``baseline`` file (None: none), the
    ``bibliography`` files (as ``--bibliography``), the configuration file read
    (``config``, None: none) and ``paths``, the vault paths of the notes and folders to
    report on (None: the whole vault; ``""``: its root)."""

    select: list[str]
    ignore: list[str]
    unresolved: str
    commented: str
    include_excluded: bool
    roles: list[str]
    exclude: list[str]
    overrides: list
    format: str
    baseline: Path | None
    bibliography: list[str]
    config: Path | None
    paths: list[str] | None


def check_config(session: Session, config_file: str | None, isolated: bool):
    """The configuration `check` reads (lint.CheckConfig), or None: ``--config FILE``,
    else the vault root's ``.vaultgraph.toml`` if there is one; none with ``--isolated``.
    UsageProblem (``FILE:LINE: what``) for a file that cannot be used."""
    from .lint import CONFIG_NAME, ConfigError, read_config

    if isolated:
        if config_file is not None:
            raise UsageProblem("--isolated reads no configuration: it cannot be given with --config")
        return None
    path = Path(config_file) if config_file is not None else session.root / CONFIG_NAME
    if config_file is None and not (path.exists() or path.is_symlink()):
        return None
    if config_file is not None and not path.exists():
        raise UsageProblem(f"--config {config_file}: no such file")
    try:
        return read_config(path)
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from None


def check_paths(session: Session, paths: Iterable[str]) -> list[str] | None:
    """``check PATH...`` (files or folders, from the current folder) -> their vault paths
    (:func:`in_vault`; ``""``: the vault itself), None when none are given; UsageProblem
    for a path that does not exist or is not inside the vault."""
    paths = list(paths)
    if not paths:
        return None
    found = []
    for given in paths:
        if not os.path.lexists(given):
            raise UsageProblem(f"{given}: no such file or folder")
        relative = in_vault(session, Path(os.path.abspath(given)))
        if relative is None:
            raise UsageProblem(f"{given} is not inside the vault {session.root}")
        found.append(relative)
    return found


def check_options(session: Session, *, fmt: str | None, select: str | None,
                  ignore: str | None, unresolved: str | None, commented: str | None,
                  include_excluded: bool, roles: Iterable[str], exclude: Iterable[str],
                  baseline: str | None, paths: Iterable[str], config_file: str | None,
                  isolated: bool, bibliographies: Iterable[str] = ()) -> CheckOptions:
    """`check`'s options (None, or empty: not given) over the configuration file's:
    an option given replaces what the file says (ruff's rule); ``include_excluded``
    is on when either turns it on.  UsageProblem for unknown codes, bad roles, a
    configuration file that cannot be used, a PATH outside the vault."""
    config = check_config(session, config_file, isolated)
    roles, exclude = list(roles), list(exclude)

    def pick(given, key, default):
        if given is not None and given != []:
            return given
        said = getattr(config, key, None) if config is not None else None
        return default if said is None else said

    options = CheckOptions(
        select=check_codes(select) if select is not None else pick(None, "select", []),
        ignore=check_codes(ignore) if ignore is not None else pick(None, "ignore", []),
        unresolved=pick(unresolved, "unresolved", "error"),
        commented=pick(commented, "commented", "warning"),
        include_excluded=include_excluded or bool(config and config.include_excluded),
        roles=pick(roles, "role", []), exclude=pick(exclude, "exclude", []),
        overrides=config.overrides if config else [], format=pick(fmt, "format", "text"),
        baseline=Path(baseline) if baseline is not None else pick(None, "baseline", None),
        bibliography=list(bibliographies) or [  # the file's: relative to its folder
            str(config.path.parent / name) for name in (config.bibliography or [])]
        if config is not None else list(bibliographies),
        config=config.path if config else None,
        paths=check_paths(session, paths))
    provenance_config(options.roles, options.bibliography)  # (UsageProblem now for a bad --role)
    return options


def _did_you_mean_imports() -> None:
    """What did-you-mean's scoring imports (suggest.Suggester.scores), imported while a
    cold run's workers parse (index.while_parsing): not after the parse, on the way to
    the check's answer (numpy's import alone is 0.06 s of CPU, its wall more on a busy
    machine)."""
    from importlib import import_module

    for name in ("numpy", "rapidfuzz.fuzz", "rapidfuzz.process"):
        import_module(name)


def lint(session: Session, options: CheckOptions, use_baseline: bool = True) -> "CheckResult":
    """`check` with its options: the findings gathered (findings.vault_findings: only
    the notes an edit can have changed are checked again), then, in this order, inline suppressions (and the ``unused-suppression`` findings
    they give), ``--select``/``--ignore``/``--unresolved``/``--commented``, PATH and
    ``--exclude``, per-path overrides and the baseline (unless not ``use_baseline``)
    leave out what they leave out (lint.py).  ``notes``: the notes in scope.
    UsageProblem for a baseline file that cannot be read."""
    from . import lint as rules
    from .check import select_findings
    from .findings import vault_findings
    from .index import while_parsing

    with while_parsing(_did_you_mean_imports):
        vault = session.vault()
    found, notes = vault_findings(vault, options.include_excluded,
                                  provenance_config(options.roles, options.bibliography),
                                  session.progress())
    found = rules.suppressed(vault, found, options.include_excluded)
    result = select_findings(found, notes, options.unresolved, options.select,
                             options.ignore, options.commented)
    wanted = rules.path_filter(options.paths, options.exclude)
    if options.paths is not None or options.exclude:
        visible = vault.visible(options.include_excluded)
        result.diagnostics = [d for d in result.diagnostics if wanted(d.path)]
        result.notes = sum(1 for path in vault.notes if visible(path) and wanted(path))
    result.diagnostics = rules.apply_overrides(result.diagnostics, options.overrides)
    if use_baseline and options.baseline is not None:
        try:
            known = rules.read_baseline(options.baseline)
        except rules.ConfigError as exc:
            raise UsageProblem(str(exc)) from None
        texts = rules.line_texts(vault, {d.path for d in result.diagnostics})
        result.diagnostics = rules.apply_baseline(result.diagnostics, known, texts)
    return result


def baseline_text(session: Session, result: "CheckResult") -> str:
    """`check --write-baseline`: the baseline file recording ``result``'s findings."""
    from .lint import baseline_json, line_texts

    texts = line_texts(session.vault(), {d.path for d in result.diagnostics})
    return baseline_json(result.diagnostics, texts)


def refuse_note_output(session: Session, output: str) -> None:
    """UsageProblem when ``output`` would be a note or canvas of the vault (a baseline
    file may live in the vault: a dot-file, which Obsidian does not list, is best)."""
    from .places import is_inside

    if output.lower().endswith((".md", ".canvas")) and is_inside(output, session.root):
        raise UsageProblem(f"will not write {output}: it would be a note of the vault {session.root}")


def lint_outcome(result: "CheckResult", exit_zero: bool) -> Outcome:
    """Errors end `check` with FINDINGS, unless ``--exit-zero``; warnings do not."""
    return Outcome.OK if exit_zero else check_outcome(result)
