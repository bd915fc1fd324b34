"""The vault, read through its index: notes, resolved links, backlinks, tags and lookups.

``vaultgraph.load`` and ``Vault`` are the Python API (docs/api.md)::

    import vaultgraph
    with vaultgraph.load("path/to/vault") as vault:
        note = vault.note("Neuron")
        for edge in vault.backlinks(note.path):
            print(edge.source, edge.link.line, edge.link.context)

The index (index.py: SQLite, brought up to date with the files first) is the one model
of the vault: every question is answered from its tables, once -- backlinks, tags, link
ends and broken links by SQL (answers.py), NOTE lookups by SQL over its names and
aliases (answers.IndexNoteFinder), notes decoded from its rows when their content is
wanted.  Without ``cache`` the index is a throwaway one, in a private temporary folder
removed when the vault is closed.
"""

from __future__ import annotations

import os
import sqlite3
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from .files import Listing, VaultConfig, is_canvas, is_note, list_vault
from .lookup import NoteLookupError
from .model import Diagnostic, Link, Note, TagInfo
from .resolve import Resolution, Resolver, fold, resolver_over

if TYPE_CHECKING:
    import networkx

    from .answers import Backlink, KeptBacklinks
    from .index import Hint, Index
    from .suggest import Suggester


class VaultError(Exception):
    """The vault itself cannot be read (missing, not a folder, unreadable), or no index
    of it can be made (not even a throwaway one)."""


class VaultClosed(VaultError):
    """A closed :class:`Vault` was asked something its index answers."""


class _OpenIndex:
    """The connection a Vault and its notes read the index through: once closed
    (``Vault.close``, or when neither the Vault nor its notes are left), a statement
    raises VaultClosed rather than sqlite3's ProgrammingError.  Closing it closes the
    index and removes a throwaway one's folder."""

    def __init__(self, index: "Index", throwaway: Path | None):
        self.index, self.throwaway = index, throwaway
        # Held by the Vault and by its notes, not holding them: no cycle, so a Vault
        # dropped without close() is closed as soon as nothing refers to it or its notes.
        self.close = weakref.finalize(self, _close, index, throwaway)

    def _live(self) -> sqlite3.Connection:
        connection = self.index.connection
        if connection is None:
            raise VaultClosed("the vault is closed (Vault.close): load it again to read it")
        return connection

    def execute(self, sql: str, parameters: Iterable = ()) -> sqlite3.Cursor:
        return self._live().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable) -> sqlite3.Cursor:
        return self._live().executemany(sql, parameters)


# Not frozen: one is made per link (800,000 at 100k notes), and a frozen one takes three
# times as long to make.
@dataclass(slots=True)
class Edge:
    """A link occurrence in the note or canvas ``source`` (a vault path) together with
    where it resolves: ``link`` as written, ``resolution`` (``target``: the vault path
    it leads to, or None when it leads nowhere)."""

    source: str
    link: Link
    resolution: Resolution

    @property
    def target(self) -> str | None:
        """The vault path the link leads to; None when it leads nowhere."""
        return self.resolution.target

    @property
    def resolved(self) -> bool:
        """Whether the link leads to a file of the vault."""
        return self.resolution.target is not None


def notes_with_tag(index: dict[str, TagInfo], tag: str) -> list[str]:
    """Notes carrying ``tag`` or a tag nested under it; ``index``: folded tag -> TagInfo."""
    wanted = fold(tag.strip().lstrip("#")).rstrip("/")
    found: set[str] = set()
    for key, info in index.items():
        if key == wanted or key.startswith(wanted + "/"):
            found.update(info.notes)
    return sorted(found)


def tag_names(index: dict[str, TagInfo]) -> dict[str, str]:
    """Folded tag or parent of a nested tag -> the casing first seen in the vault."""
    display: dict[str, str] = {}
    for key, info in index.items():  # in the order tags were first met
        parts, written = key.split("/"), info.name.split("/")
        for depth in range(1, len(parts) + 1):
            display.setdefault("/".join(parts[:depth]), "/".join(written[:depth]))
    return display


def close_tags(index: dict[str, TagInfo], tag: str, limit: int = 3) -> list[str]:
    """Did-you-mean for a tag no note carries (``index``: folded tag -> TagInfo): the
    tags, and parents of nested tags, as written, whose last part is ``tag`` (``#b``
    for ``a/b``), then those starting with it, then those closest to it (suggest.Suggester: rapidfuzz's ratio of at
    least 75, best first); at most ``limit``."""
    from .suggest import Suggester

    wanted = fold(tag.strip().lstrip("#")).rstrip("/")
    names = tag_names(index)
    leaf = sorted(key for key in names if key.rpartition("/")[2] == wanted and key != wanted)
    start = sorted(key for key in names if key.startswith(wanted)) if wanted else []
    near = Suggester({key: key for key in names})(wanted, limit)
    return [names[key] for key in dict.fromkeys(leaf + start + near)][:limit]


class StoredNotes(Mapping):
    """path -> Note for ``paths`` (in path order), each decoded from its row of the
    index on first use (or taken from ``parsed``, the notes parsed in this run: a Note,
    or the token an update of the index kept for a note it wrote, index.Written).  A
    path listed with no row means the index is damaged: DamagedIndex."""

    def __init__(self, connection: "sqlite3.Connection | _OpenIndex", paths: list[str],
                 parsed: "dict[str, Note | object]",
                 members: "Callable[[str], bool] | None" = None,
                 decoded: "Callable[[str, object, Note], None] | None" = None):
        """``members``: whether a path is one of ``paths``, answered without a set of
        them all (a watcher opens a Vault at 100k notes after each edit: the set was
        20 ms of it); ``decoded(path, token, note)``: called when a note ``parsed`` has
        a token for is decoded from its row."""
        # (an _OpenIndex stays open while the notes are: ``load(root).notes[path]`` reads it)
        self.connection, self.paths = connection, paths
        self._members: set[str] | None = None
        self._all = False
        member = members or self.__contains__
        self.loaded: dict[str, Note] = {}
        self.tokens: dict[str, object] = {}  # notes written now, not decoded yet
        for path, note in parsed.items():
            if member(path):
                (self.loaded if note.__class__ is Note else self.tokens)[path] = note
        self._decoded = decoded and weakref.WeakMethod(decoded)  # (no cycle: see _OpenIndex)

    def _decode(self, path: str, text: bytes | str) -> Note:
        from .codec import decoded, note_from_json

        note = self.loaded[path] = decoded(note_from_json, path, text)
        token = self.tokens.pop(path, None)
        call = token is not None and self._decoded and self._decoded()
        if call:
            call(path, token, note)
        return note

    def _row(self, path: str) -> Note:
        from .codec import DamagedIndex

        row = self.connection.execute("SELECT note FROM files WHERE path = ?", (path,)).fetchone()
        if row is None:
            raise DamagedIndex(f"no row for {path}")
        return self._decode(path, row[0])

    def read(self, paths: list[str]) -> None:
        """Decode the notes at ``paths`` (of this mapping) not decoded yet, their rows
        read in one query."""
        from .codec import DamagedIndex

        wanted = [path for path in paths if path not in self.loaded]
        if wanted:
            for path, text in self.connection.execute(
                    f"SELECT path, note FROM files WHERE path IN ({','.join('?' * len(wanted))})",
                    wanted):
                self._decode(path, text)
            missing = next((path for path in wanted if path not in self.loaded), None)
            if missing is not None:
                raise DamagedIndex(f"no row for {missing}")

    def __contains__(self, path: object) -> bool:
        if self._members is None:
            self._members = set(self.paths)
        return path in self._members

    def __getitem__(self, path: str) -> Note:
        note = self.loaded.get(path)
        if note is not None:
            return note
        if path not in self:
            raise KeyError(path)
        return self._row(path)

    def get(self, path: str, default: Note | None = None) -> Note | None:  # type: ignore[override]
        note = self.loaded.get(path)  # (only paths of this mapping are loaded)
        if note is not None:
            return note
        return self[path] if path in self else default

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    def load_all(self) -> None:
        """Decode every note not decoded yet, in one pass over the rows."""
        if self._all:
            return
        from .codec import DamagedIndex

        if len(self.loaded) < len(self.paths):
            for path, text in self.connection.execute("SELECT path, note FROM files"):
                if path not in self.loaded and path in self:
                    self._decode(path, text)
            if len(self.loaded) < len(self.paths):
                missing = next(p for p in self.paths if p not in self.loaded)
                raise DamagedIndex(f"no row for {missing}")
        self._all = True

    def release(self, path: str) -> None:
        """Let the note at ``path`` go if it is decoded: the next ask decodes it from
        its row again."""
        if self.loaded.pop(path, None) is not None:
            self._all = False

    def values(self):  # type: ignore[override]
        self.load_all()
        return [self.loaded[path] for path in self.paths]

    def items(self):  # type: ignore[override]
        self.load_all()
        return [(path, self.loaded[path]) for path in self.paths]


class Vault:
    """A vault as read by :func:`load`, answered from its index.

    Every path is vault-relative with ``/`` separators (``Concepts/Neuron.md``).

    - ``root``: the vault folder (a Path).
    - ``files``: every file's path, in path order (notes, canvases and attachments).
    - ``notes``: path -> :class:`~vaultgraph.model.Note`, each ``.md`` file parsed, in
      path order (a mapping: a note is decoded from the index when first asked for).
    - ``canvases``: path -> Note holding the links of each ``.canvas`` file (a file, not
      a note: only ``path`` and ``links`` are filled).
    - ``diagnostics``: problems with the vault's files rather than with a note's text
      (unreadable files, odd names, a bad ``.obsidian/app.json``): Diagnostic records.
      A note's own problems are in its ``Note.diagnostics``.
    - ``edges``: every link of every note and canvas as an :class:`Edge`: the notes'
      in path order, then the canvases', each in the order written.

    A Vault is a snapshot: it does not follow later edits of the files.  It holds the
    index open: close it (``close()``, or ``with``) when done; a throwaway index is
    removed then.
    """

    def __init__(self, root: Path, listing: Listing, index: "Index",
                 parsed: "dict[str, Note | object] | None" = None,
                 throwaway: Path | None = None):
        """Internal: made by :func:`load` (and the application layer) from an index
        opened and brought up to date with ``listing``; ``parsed``: the notes parsed
        in doing so; ``throwaway``: the temporary folder of a throwaway index."""
        self.root, self._listing, self._index = root, listing, index
        self.config: VaultConfig = listing.config
        self._open = _OpenIndex(index, throwaway)
        # Every answer of this Vault reads the index through it (answers.py: SQL), in the
        # read transaction load() began: one snapshot of the index, whatever other runs
        # write meanwhile.
        self.connection: sqlite3.Connection = self._open  # type: ignore[assignment]
        # (``parsed`` agrees with the snapshot: index.open_updated drops what it parsed
        # when another run changed the index since, Index.snapshot)
        self._parsed = parsed or {}
        stats = listing.stats
        self.notes = StoredNotes(self.connection, stats.notes, self._parsed,
                                 lambda path: is_note(path) and path in stats, self._decoded)
        self._outgoing: dict[str, list[Edge]] = {}
        self._many = False  # links resolved against the file list in memory
        self._loaded = False  # every note decoded in one pass (_resolver_for)
        self._throwaway = throwaway
        # Set by a watcher (watch.py): backlinks kept across its vaults, brought up to
        # date with this one's index (answers.KeptBacklinks).
        self.backlink_keeper: "KeptBacklinks | None" = None

    @cached_property
    def canvases(self) -> StoredNotes:
        """The links of the .canvas files (canvas.py): files, not notes, but their links
        count (listed when first asked for: most queries never do)."""
        return StoredNotes(self.connection, [p for p in self._listing.stats.sources
                                             if is_canvas(p)], self._parsed,
                           decoded=self._decoded)

    def _decoded(self, path: str, token: object, note: Note) -> None:
        """A note or canvas written by this run's update of the index was decoded from
        its row: the resolutions of its links kept with the update's token (index.py,
        for check) are kept with its links."""
        self._parsed.pop(path, None)
        if self._many:
            self.resolver.decoded(path, token, note.links)

    # -- lifetime -------------------------------------------------------------
    def close(self) -> None:
        """Close the index (and remove a throwaway one); the Vault answers nothing after:
        what its index answers raises VaultClosed (a VaultError)."""
        self._open.close()

    def __enter__(self) -> "Vault":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def location(self) -> Path:
        """The index's database file."""
        return self._index.location

    @property
    def index_changes(self) -> "tuple[str | None, str | None, set[str] | None] | None":
        """What :func:`load`'s update of the index wrote: (the index's generation before,
        after, the notes whose links or lines it changed -- None: every note's);
        None when it wrote nothing (index.Index.changes)."""
        return self._index.changes

    @property
    def throwaway(self) -> bool:
        """Whether the index is a throwaway one, made for this Vault alone."""
        return self._throwaway is not None or not self._index.kept

    # -- files ----------------------------------------------------------------
    @cached_property
    def files(self) -> list[str]:
        """Every file's path, in path order."""
        return list(self._listing.stats)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self._listing.diagnostics

    @cached_property
    def attachments(self) -> list[str]:
        """The paths of the files that are not notes (images, PDFs, canvases...)."""
        return [path for path in self.files if not is_note(path)]

    def is_excluded(self, path: str) -> bool:
        """Whether Obsidian's *Excluded files* setting (``.obsidian/app.json``) matches
        ``path``.  Excluded notes still resolve links."""
        return self.config.is_excluded(path)

    def visible(self, include_excluded: bool = False) -> Callable[[str], bool]:
        """path -> whether a query shows it: every path with ``include_excluded`` or
        when nothing is excluded, else the paths *Excluded files* does not match."""
        if include_excluded or not self.config.excludes_anything:
            return lambda path: True
        return lambda path: not self.config.is_excluded(path)

    def visible_notes(self, include_excluded: bool = False) -> list[Note]:
        """The notes, in path order, without the excluded ones unless ``include_excluded``."""
        visible = self.visible(include_excluded)
        return [note for path, note in self.notes.items() if visible(path)]

    def visible_count(self, include_excluded: bool = False) -> int:
        """How many notes :meth:`visible_notes` lists (none decoded to count them)."""
        visible = self.visible(include_excluded)
        return sum(map(visible, self.notes))

    # -- links ----------------------------------------------------------------
    @cached_property
    def resolver(self) -> Resolver:
        """Obsidian's link resolution over every file of the vault (resolve.py)."""
        return resolver_over(self._listing.stats)

    @cached_property
    def _index_resolver(self) -> Resolver:
        """Resolution by SQL lookups of the index (for a few notes: no file list read)."""
        from .answers import index_resolver

        return index_resolver(self.connection)

    def outgoing_of(self, paths: Iterable[str]) -> dict[str, list[Edge]]:
        """path -> :meth:`outgoing` for each note or canvas of ``paths``."""
        paths = list(paths)
        found = {}
        for path, edges in self.outgoing_each(paths):
            found[path] = self._outgoing[path] = edges
        return found

    def outgoing_each(self, paths: list[str]) -> Iterator[tuple[str, list[Edge]]]:
        """(path, :meth:`outgoing`) for each note or canvas of ``paths``, made as it is
        asked for and not kept (check reads each note's links and lets them go: at 100k
        notes, 800,000 Edges held at once were 70 MB)."""
        resolver = self._resolver_for(len(paths) + len(self._outgoing))
        for path in paths:
            edges = self._outgoing.get(path)
            if edges is None:
                note = (self.canvases if is_canvas(path) else self.notes).get(path)
                links = [] if note is None else note.links
                edges = [Edge(path, link, resolution) for link, resolution in zip(
                    links, resolver.resolve_links(links, path))]
            yield path, edges

    def _resolver_for(self, count: int, load: bool = True) -> Resolver:
        """The Resolver for ``count`` notes asked for (more, with those asked before);
        ``load``: when they are many, every note is decoded now."""
        from .answers import IN_MEMORY_RESOLVER

        if count >= IN_MEMORY_RESOLVER:
            # Many notes asked for, at once or one by one: each decoded in one pass over
            # the rows, each link resolved in memory (not a query per note and per link).
            self._many = True
            if load and not self._loaded:
                self._loaded = True
                self.notes.load_all()
                self.canvases.load_all()
        return self.resolver if self._many else self._index_resolver

    def resolved_each(self, paths: list[str], keep: bool = False, among: int = 0,
                      ) -> Iterator[tuple[str, Note | None, list[Resolution]]]:
        """(path, its Note, the Resolutions of its links, in order) for each note or
        canvas of ``paths`` (None and [] for a path that is neither): what
        :meth:`outgoing_each` gives, without an Edge per link (check reads every link
        of every note).  ``keep``: the Resolutions are kept for the next call asking
        for that note (resolve.Resolver.resolve_links: a first look at the links, then
        a check of them; a cold run's check takes those the index's writer kept).
        ``among``: how many notes the caller asks for in all, over several calls (the
        Resolver is chosen for them).  The notes are decoded a
        few hundred at a time, as they are asked for, and kept (:meth:`release`)."""
        resolver = self._resolver_for(max(len(paths), among) + len(self._outgoing), load=False)
        notes = self.notes
        for start in range(0, len(paths), 256):
            chunk = paths[start:start + 256]
            notes.read([path for path in chunk if path in notes])
            for path in chunk:
                if is_canvas(path):
                    note = self.canvases.get(path)
                else:
                    note = notes.get(path)
                yield path, note, [] if note is None else resolver.resolve_links(
                    note.links, path, keep)

    def is_loaded(self, path: str) -> bool:
        """Whether the note or canvas ``path`` is in memory (decoded, or parsed in this
        run and kept): reading it costs nothing."""
        return path in (self.canvases if is_canvas(path) else self.notes).loaded

    def release(self, path: str) -> None:
        """Let the note or canvas ``path`` go (decoded, or parsed in this run): asked for
        again, it is decoded from its row.  check lets each note go once it is checked
        and no link left to check names one of its headings or blocks."""
        self._parsed.pop(path, None)
        (self.canvases if is_canvas(path) else self.notes).release(path)
        self._outgoing.pop(path, None)

    def outgoing(self, path: str) -> list[Edge]:
        """The links written in the note or canvas ``path``, in the order written
        (empty for a path that is not one)."""
        return list(self.outgoing_of([path])[path])

    @cached_property
    def edges(self) -> list[Edge]:
        """Every link of every note, then of every canvas, in order."""
        found = self.outgoing_of([*self.notes, *self.canvases])
        return [edge for edges in found.values() for edge in edges]

    def backlink_rows(self, path: str, include_excluded: bool = False) -> list["Backlink"]:
        """The links from other notes and canvases that lead to ``path`` as the index
        keeps them (answers.Backlink: source, link number, line, column, kind, context,
        canvas node), in vault order; links from excluded notes left out unless
        ``include_excluded``."""
        from .answers import backlinks

        keeper = self.backlink_keeper
        rows = backlinks(self.connection, path) if keeper is None else \
            keeper.rows(self.connection, path)
        if include_excluded or not self.config.excludes_anything:
            return rows
        return [row for row in rows if not self.config.is_excluded(row.source)]

    def backlinks_by_target(self, include_excluded: bool = False) -> dict[str, list["Backlink"]]:
        """:meth:`backlink_rows` of every file at once: target path -> its backlinks
        (files no visible link leads to are absent)."""
        from itertools import groupby

        from .answers import backlinks

        visible = self.visible(include_excluded)
        return {target: rows for target, group in groupby(
                    (row for row in backlinks(self.connection) if visible(row.source)),
                    key=lambda row: row.target) if (rows := list(group))}

    def backlinks(self, path: str, include_excluded: bool = False) -> list[Edge]:
        """The links from other notes and canvases that lead to ``path`` (a link of a
        note to itself is left out; so are links from excluded notes unless
        ``include_excluded``), in vault order."""
        rows = self.backlink_rows(path, include_excluded)
        found = self.outgoing_of(dict.fromkeys(row.source for row in rows))
        return [found[row.source][row.seq] for row in rows]

    def link_ends(self, include_excluded: bool = False) -> tuple[list[str], set, set]:
        """The visible notes, those linking to another visible note, and those linked
        from one or from a visible canvas (``orphans``, ``deadends``)."""
        from .answers import link_ends

        return link_ends(self.connection, self.visible(include_excluded))

    def broken_links(self, include_excluded: bool = False) -> list[tuple[str, Link]]:
        """(source, link) for every link leading nowhere written in a visible note or
        canvas, in vault order (``wanted``)."""
        from .answers import broken_links

        return broken_links(self.connection, self.visible(include_excluded))

    # -- lookup ---------------------------------------------------------------
    @cached_property
    def _finder(self):
        from .answers import IndexNoteFinder

        return IndexNoteFinder(self.connection)

    @property
    def alias_index(self):
        return self._finder.alias_index

    @property
    def suggester(self) -> "Suggester":
        return self._finder.suggester

    def find(self, query: str) -> list[str]:
        """Every vault path ``query`` may name, as the CLI's NOTE arguments are read
        (docs/cli.md): a vault path (``.md`` optional), a note name, an alias, a link
        path or a ``[[wikilink]]``, ignoring case; else the note whose name alone
        starts with it.  Several paths when it names several; empty when none."""
        return self._finder.find(query)

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """At most ``limit`` link targets closest to ``text``, best first, one per note
        (the names ``check`` offers as did-you-mean): the note's name, or
        ``Name|alias`` when one of its aliases is closer -- Obsidian resolves no link
        through an alias, so an alias alone is never offered (suggest.py)."""
        return [hit.target for hit in self._finder.suggester(text, limit)]

    def note_path(self, query: str) -> str:
        """The one vault path ``query`` names (see :meth:`find`); raises
        NoteLookupError when it names no file or several."""
        return self._finder.note_path(query)

    def note(self, query: str) -> Note:
        """The note ``query`` names (see :meth:`find`); raises NoteLookupError when it
        names no file, several, or a file that is not a note (an attachment)."""
        path = self.note_path(query)
        if path not in self.notes:
            raise NoteLookupError(query, [], [])
        return self.notes[path]

    def suggestion_store(self):
        """Where did-you-mean answers are kept between runs: the index."""
        from .index import SuggestionStore

        row = self.connection.execute("SELECT value FROM meta WHERE key = 'names'").fetchone()
        return SuggestionStore(self.location, row[0] if row else None, on_damage=_damaged)

    # -- tags -----------------------------------------------------------------
    def tags(self, include_excluded: bool = False) -> dict[str, TagInfo]:
        """Every tag of the notes (without excluded notes unless ``include_excluded``):
        the tag folded to lower case, without ``#`` -> TagInfo (its spelling as first
        seen, and the paths of the notes carrying exactly it, in path order).  A nested
        tag ``a/b`` is its own entry; :meth:`notes_with_tag` takes nesting into account."""
        from .answers import tag_index

        return tag_index(self.connection, self.visible(include_excluded))

    def notes_with_tag(self, tag: str, include_excluded: bool = False) -> list[str]:
        """The paths of the notes carrying ``tag`` (``#`` optional, case ignored) or a
        tag nested under it (``a`` finds ``a/b``), in path order."""
        return notes_with_tag(self.tags(include_excluded), tag)

    # -- graph ----------------------------------------------------------------
    @cached_property
    def graph(self) -> "networkx.MultiDiGraph":
        """The vault as a networkx MultiDiGraph, built on first use (docs/api.md)."""
        from .graph import build_graph

        return build_graph(self)


def _damaged() -> None:
    from .codec import DamagedIndex

    raise DamagedIndex("the did-you-mean answers kept cannot be read")


def _close(index: "Index", throwaway: Path | None) -> None:
    index.close()
    if throwaway is not None:
        _remove(throwaway)


def _remove(folder: Path) -> None:
    """Remove a throwaway index's folder (shutil imported only then: it costs a warm
    query 5 to 10 ms, for the compression modules it loads)."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def load(path: str | os.PathLike[str], config_dir: str = ".obsidian",
         progress: Callable[[int, int], None] | None = None, cache: bool = False,
         cache_dir: str | os.PathLike[str] | None = None, rebuild: bool = False,
         _listing: Listing | None = None, _hint: "Hint | None" = None) -> Vault:
    """Read the vault at ``path``: discover its files, parse its notes into an index,
    resolve links.

    ``config_dir``: the vault's Obsidian settings folder (its *Excluded files* and
    link settings are read from ``app.json`` there).  ``progress(done, total)`` is
    called as notes are read.  With ``cache``, the index is kept outside the vault
    (``cache_dir``, default ``$XDG_CACHE_HOME/vaultgraph`` or ``~/.cache/vaultgraph``)
    and only changed files are parsed again; ``rebuild`` starts it afresh.  Without
    ``cache`` (or when that index cannot be written now: locked by another run, a
    folder not writable), the index is a throwaway one in a private temporary folder
    (0700), removed when the Vault is closed.

    Returns a :class:`Vault`, holding the index open: close it when done.  Raises
    VaultError when the vault is missing, not a folder or unreadable, and
    CacheInsideVault (a ValueError) when ``cache`` is asked for and the index's folder
    is inside the vault.  A file that cannot be read or parsed is not an error: it is a
    Diagnostic (``Vault.diagnostics``, ``Note.diagnostics``).
    """
    root = Path(path)
    if not root.exists():
        raise VaultError(f"vault not found: {root}")
    if not root.is_dir():
        raise VaultError(f"vault is not a folder: {root}")
    if not os.access(root, os.R_OK | os.X_OK):
        raise VaultError(f"vault folder is not readable: {root}")
    listing = _listing or list_vault(root, config_dir)
    from .index import index_file, open_updated

    parsed: dict[str, Note | object] = {}
    if cache:
        index = open_updated(root, index_file(root, cache_dir), listing.stats, progress,
                             rebuild, keep=parsed, hint=_hint)
        if index is not None:
            return Vault(root, listing, index, parsed)
    return _throwaway(root, listing, progress, parsed)


def _throwaway(root: Path, listing: Listing, progress: Callable[[int, int], None] | None,
               parsed: dict[str, Note | object]) -> Vault:
    """A Vault over a new index in a private temporary folder -- or, when none can be
    made or written (no usable temporary folder, a full disk), in memory; ``parsed``
    receives the notes parsed."""
    import tempfile

    from .index import open_updated

    try:
        folder: Path | None = Path(tempfile.mkdtemp(prefix="vaultgraph-"))  # 0700
    except OSError:
        folder = None
    if folder is not None:
        try:
            index = open_updated(root, folder / "index.sqlite", listing.stats, progress,
                                 keep=parsed, throwaway=True)
        except BaseException:  # (Ctrl-C during the parse, a fault of ours): nothing left behind
            _remove(folder)
            raise
        if index is not None:
            return Vault(root, listing, index, parsed, throwaway=folder)
        _remove(folder)
    index = open_updated(root, None, listing.stats, progress, keep=parsed)
    if index is None:
        raise VaultError("cannot make a temporary index, not even in memory")
    return Vault(root, listing, index, parsed)
