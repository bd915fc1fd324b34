"""Answers kept in the index: the vault's file names; each note's name, aliases,
tags, headings, block ids, citations, properties and diagnostics; every link with
where it resolves.

They let ``backlinks``, ``links``, ``tags`` and NOTE lookups run as SQL queries without
loading the vault, and they are kept up to date incrementally, in the same
transaction as the notes they come from: a re-parsed note's rows are replaced,
and when files come or go only the links whose lookup key
(:func:`~vaultgraph.resolve.lookup_key`) names them are resolved again.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Mapping
from functools import cached_property
from itertools import chain, groupby
from typing import TYPE_CHECKING, Callable, NamedTuple

import orjson

from .files import FileStats, is_canvas, is_note
from .lookup import NoteFinder
from .model import (LineText, Link, Suppression, TagInfo, line_context,
                    note_name)
from .resolve import Resolution, Resolver, fold, keys_matching, lookup_key, resolver_over

if TYPE_CHECKING:
    from .suggest import NoteName

SCHEMA_SQL = """
-- The tables of small rows keyed by path are WITHOUT ROWID: the primary key is the table,
-- not a second b-tree written beside it.  `edges` keeps its rowid: its two secondary
-- indexes point at that integer rather than at (source, seq).
CREATE TABLE IF NOT EXISTS vault_files (
    path TEXT PRIMARY KEY, path_key TEXT NOT NULL, name_key TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS vault_files_by_path ON vault_files (path_key);
CREATE INDEX IF NOT EXISTS vault_files_by_name ON vault_files (name_key);
CREATE TABLE IF NOT EXISTS names (path TEXT PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS names_by_key ON names (name_key);
CREATE TABLE IF NOT EXISTS aliases (
    path TEXT NOT NULL, seq INTEGER NOT NULL, alias TEXT NOT NULL, alias_key TEXT NOT NULL,
    PRIMARY KEY (path, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS aliases_by_key ON aliases (alias_key);
CREATE TABLE IF NOT EXISTS edges (
    source TEXT NOT NULL, seq INTEGER NOT NULL, target TEXT, linkpath TEXT NOT NULL,
    lookup_key TEXT NOT NULL, raw TEXT NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL,
    kind TEXT NOT NULL, context TEXT, embed INTEGER NOT NULL, node TEXT,
    PRIMARY KEY (source, seq)
);
-- The lines links and citations are on, once each: from character `start` (0-based) on,
-- what their contexts show of the line (`length` characters long).  A link's context is
-- worked out from its line and column (model.LineText); `context` in edges and citations
-- is NULL then, else the context itself.
CREATE TABLE IF NOT EXISTS lines (
    path TEXT NOT NULL, line INTEGER NOT NULL, start INTEGER NOT NULL, length INTEGER NOT NULL,
    text TEXT NOT NULL, PRIMARY KEY (path, line)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edges_by_target ON edges (target);
CREATE INDEX IF NOT EXISTS edges_by_key ON edges (lookup_key);
-- What each note contains, in note order (seq); positions are 1-based line and column.
CREATE TABLE IF NOT EXISTS tags (
    path TEXT NOT NULL, seq INTEGER NOT NULL, name TEXT NOT NULL, line INTEGER NOT NULL,
    col INTEGER NOT NULL, source TEXT NOT NULL, name_key TEXT NOT NULL, PRIMARY KEY (path, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_by_key ON tags (name_key);
CREATE TABLE IF NOT EXISTS headings (
    path TEXT NOT NULL, seq INTEGER NOT NULL, text TEXT NOT NULL, level INTEGER NOT NULL,
    line INTEGER NOT NULL, PRIMARY KEY (path, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (
    path TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, line INTEGER NOT NULL,
    col INTEGER NOT NULL, PRIMARY KEY (path, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS citations (
    path TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
    line INTEGER NOT NULL, col INTEGER NOT NULL, context TEXT, PRIMARY KEY (path, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS citations_by_value ON citations (value);
CREATE TABLE IF NOT EXISTS properties (
    path TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (path, key)
) WITHOUT ROWID;
-- Inline `%% vaultgraph: ignore[...] %%` comments (model.Suppression; codes: JSON list).
CREATE TABLE IF NOT EXISTS suppressions (
    path TEXT NOT NULL, seq INTEGER NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL,
    first INTEGER NOT NULL, last INTEGER NOT NULL, codes TEXT NOT NULL, PRIMARY KEY (path, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS diagnostics (
    path TEXT NOT NULL, seq INTEGER NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL,
    severity TEXT NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY (path, seq)
) WITHOUT ROWID;
"""
# Secondary indexes: a first build drops them and makes them again at the end
# (sorting once is cheaper than inserting rows in random order: half the time of edges).
_INDEXES = re.findall(r"(CREATE INDEX IF NOT EXISTS (\w+) ON [^;]+);", SCHEMA_SQL)
# The tables holding one note's rows, and the column naming the note.
_NOTE_TABLES = {"names": "path", "aliases": "path", "edges": "source", "tags": "path",
                "headings": "path", "blocks": "path", "citations": "path", "properties": "path",
                "diagnostics": "path", "lines": "path", "suppressions": "path"}
# From this many notes parsed in one run on, links are resolved against the
# file list in memory (one pass over every file) rather than by SQL lookups.
IN_MEMORY_RESOLVER = 1_000


class Lookup:
    """key -> paths in path order, by one indexed query: the part of a dict that
    Resolver and NoteFinder use."""

    def __init__(self, connection: sqlite3.Connection, sql: str):
        self.connection, self.sql = connection, sql

    def get(self, key: str, default=None):
        return [row[0] for row in self.connection.execute(self.sql, (key,))] or default

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key: str) -> list[str]:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found


def index_resolver(connection: sqlite3.Connection) -> Resolver:
    return Resolver.over(
        Lookup(connection, "SELECT path FROM vault_files WHERE path_key = ? ORDER BY path"),
        Lookup(connection, "SELECT path FROM vault_files WHERE name_key = ? ORDER BY path"))


def property_json(value) -> str:
    """A property's value as the ``properties`` table keeps it: compact JSON (orjson's;
    the standard library's, in the same form, for what orjson refuses: lone surrogates,
    integers past 64 bits)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class AnswerWriter:
    """Brings the answers up to date, inside the caller's write transaction.

    Call :meth:`note` for every note parsed in this run, :meth:`forget` for every
    note gone, then :meth:`finish`.
    """

    def __init__(self, connection: sqlite3.Connection, files: FileStats, many: bool,
                 keep_resolved: bool = False):
        """``keep_resolved``: the run reads the notes written now again (check):
        their links' resolutions are kept in the shared Resolver for it
        (resolve.Resolver.resolve_links)."""
        self.connection = connection
        # Read inside the transaction: another run may have written since this one began.
        self.empty = not connection.execute("SELECT EXISTS (SELECT 1 FROM names)").fetchone()[0]
        self.bulk = many and self.empty
        if self.bulk:
            for _, name in _INDEXES:
                connection.execute(f"DROP INDEX IF EXISTS {name}")
        else:  # (a first build stopped early left them to this update)
            for statement, _ in _INDEXES:
                connection.execute(statement)
        self.added, self.gone = self._file_changes(files)
        connection.executemany("DELETE FROM vault_files WHERE path = ?", ((p,) for p in self.gone))
        connection.executemany("INSERT INTO vault_files VALUES (?, ?, ?)",
                               ((p, fold(p), fold(p).rsplit("/", 1)[-1]) for p in self.added))
        self.resolver = resolver_over(files) if many else index_resolver(connection)
        self.keep_resolved = keep_resolved and many  # (the Vault's resolver only when many)
        self.keys: dict[str, str] = {}  # link path -> lookup_key (of a path not relative)
        self.written: set[str] = set()
        # Folded names of the notes and attachments that came or went, and aliases that
        # did (what did-you-mean and "is an alias of" answer from), after a first build.
        self.changed_names: set[str] = set() if self.empty else {
            fold(note_name(path) if is_note(path) else path.rsplit("/", 1)[-1])
            for path in self.added + self.gone}
        self.every_note_written = False
        self.pending: dict[str, list[tuple]] = {table: [] for table in _NOTE_TABLES}
        self.resolved_again: set[str] = set()  # notes not written whose links now lead elsewhere
        self.forgotten: set[str] = set()  # notes whose rows were dropped

    def _file_changes(self, files: FileStats) -> tuple[list[str], list[str]]:
        """The files added and gone since vault_files was written (meta 'paths': a digest
        of its paths, so that an unchanged list of 100k files is not read to be compared)."""
        digest = hashlib.sha1(files.path_bytes).hexdigest()
        stored = self.connection.execute("SELECT value FROM meta WHERE key = 'paths'").fetchone()
        if stored and stored[0] == digest:
            return [], []
        self.connection.execute("INSERT OR REPLACE INTO meta VALUES ('paths', ?)", (digest,))
        known = {path for (path,) in self.connection.execute("SELECT path FROM vault_files")}
        current = set(files)
        return [path for path in files if path not in known], sorted(known - current)

    @property
    def edge_sources(self) -> set[str] | None:
        """The notes and canvases whose rows of ``edges`` or ``lines`` this update may
        have changed -- written, gone, or a link of theirs resolved again -- once
        :meth:`finish` has run; None when that is every one (a first build, or every
        note written).  A backlink's row (``backlinks``) changes only when its source
        is among them: the watcher brings the backlinks it keeps up to date from these
        (``KeptBacklinks``)."""
        if self.empty or self.every_note_written:
            return None
        return self.written | self.forgotten | self.resolved_again

    def _aliases(self, path: str) -> set[str]:
        return {alias for (alias,) in self.connection.execute(
            "SELECT alias_key FROM aliases WHERE path = ?", (path,))}

    def forget(self, path: str, gone: bool = True) -> None:
        """Drop a note's rows: it is gone, or (``gone`` false) about to be written again."""
        if gone and not self.empty:
            self.changed_names |= self._aliases(path)
        self.forgotten.add(path)
        for table, column in _NOTE_TABLES.items():
            self.connection.execute(f"DELETE FROM {table} WHERE {column} = ?", (path,))

    def note(self, path: str, fields: list) -> list[Resolution]:
        """Rows for a note parsed now, in place of any it had: ``fields``, the note as
        codec.note_fields decodes its JSON (lists, not a Note and its Link objects: the
        rows are made from what a cold build decodes anyway).  Returns its links'
        resolutions, in their order (:meth:`keep_resolved_for` hands them to check)."""
        (front, aliases, tags, links, headings, blocks, citations, _quotes, diagnostics,
         _nested, shown, suppressions, _footnotes) = fields
        if not self.empty:
            self.changed_names |= self._aliases(path) ^ {fold(a) for a in aliases}
            self.forget(path, gone=False)
        self.written.add(path)
        rows = self.pending
        if not is_canvas(path):  # a canvas is a file, not a note: it has no note name
            name = note_name(path)
            rows["names"].append((path, name, fold(name)))
        # (A table's rows are built only when the note has records for it: most notes
        # have no aliases, blocks, citations, diagnostics or suppressions.)
        if aliases:
            rows["aliases"].extend((path, i, a, fold(a)) for i, a in enumerate(aliases))
        if tags:  # [name, line, column, source]
            rows["tags"].extend((path, i, name, line, column, source, fold(name))
                                for i, (name, line, column, source) in enumerate(tags))
        if headings:  # [text, level, line, container]
            rows["headings"].extend((path, i, h[0], h[1], h[2]) for i, h in enumerate(headings))
        if blocks:  # [id, line, column]
            rows["blocks"].extend((path, i, *b) for i, b in enumerate(blocks))
        # Links ([kind, raw, path, subpath, alias, line, column, where, embed, commented,
        # node]) and citations ([kind, value, line, column, where]) show their context
        # from a line of ``shown`` (``where``, its number there) or as text (``where``).
        # answers.lines keeps each line number once, the first line shown there; a record
        # showing it has a NULL context (worked out from the line and its column).
        lines: dict[int, int] = {}  # line number -> the number in ``shown`` written for it
        if shown:
            for link in links:
                where = link[7]
                if where.__class__ is int and link[5] not in lines:
                    lines[link[5]] = where
            for citation in citations:
                where = citation[4]
                if where.__class__ is int and citation[2] not in lines:
                    lines[citation[2]] = where
            rows["lines"].extend((path, number, shown[at][1], shown[at][2], shown[at][0])
                                 for number, at in lines.items())
        shown_on = lines.get
        if citations:
            rows["citations"].extend(
                (path, i, kind, value, line, column,
                 None if shown_on(line) == where else
                 where if where.__class__ is str else line_context(*shown[where], column))
                for i, (kind, value, line, column, where) in enumerate(citations))
        if front:
            rows["properties"].extend((path, key, property_json(value))
                                      for key, value in front.items())
        if diagnostics:  # [path, line, column, severity, code, message, ...]
            rows["diagnostics"].extend((path, i, d[1], d[2], d[3], d[4], d[5])
                                       for i, d in enumerate(diagnostics))
        if suppressions:  # [line, column, first, last, codes]
            rows["suppressions"].extend((path, i, *s[:4], json.dumps(s[4], ensure_ascii=False))
                                        for i, s in enumerate(suppressions))
        if links:
            resolved = self.resolver.resolve_all([link[2] for link in links], path)
            keys, edges = self.keys, rows["edges"]
            for seq, (kind, raw, linkpath, _subpath, _alias, line, column, where, embed,
                      _commented, node) in enumerate(links):
                key = keys.get(linkpath)
                if key is None:
                    key = self._lookup_key(linkpath, path)
                edges.append((path, seq, resolved[seq].target, linkpath, key, raw, line, column,
                              kind, None if shown_on(line) == where else
                              where if where.__class__ is str else
                              line_context(*shown[where], column), embed, node))
        else:
            resolved = []
        # (Written every 2,000 links, not 10,000: the same CPU, and what is left for the
        # last flush, once the last note is back from the workers, is a fifth.)
        if len(rows["edges"]) > 2_000:
            self.flush()
        return resolved

    def keep_resolved_for(self, links: object, path: str, resolved: list[Resolution]) -> None:
        """When the run checks the notes written now (``keep_resolved``), keep the
        resolutions :meth:`note` returned for check, given with the Link list of the
        note check will read, or the token it is kept as until it is decoded
        (resolve.Resolver.resolve_links, index.Written): each link is resolved once."""
        if self.keep_resolved and links:
            self.resolver.keep(links, path, resolved)

    def _lookup_key(self, linkpath: str, source: str) -> str:
        """resolve.lookup_key, once per link path (but a relative one, per note)."""
        key = self.keys.get(linkpath)
        if key is None:
            key = lookup_key(linkpath, source)
            if not linkpath.lstrip().startswith(("./", "../")):
                self.keys[linkpath] = key
        return key

    def flush(self) -> None:
        """Write the rows gathered so far: one statement per table, not per note."""
        for table, rows in self.pending.items():
            if rows:
                self.connection.executemany(
                    f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
                rows.clear()

    def finish(self, every_note_written: bool, complete: bool = True) -> None:
        """Write what is pending, then resolve again the links of unchanged notes that
        the files added or gone could answer.  ``every_note_written``: every note in
        the index was written now; ``complete``: false when the update was stopped
        before every note was parsed (a first build then leaves its secondary indexes
        to the next update, so that it stops at once)."""
        self.flush()
        self.every_note_written = every_note_written
        if self.bulk and complete:
            for statement, _ in _INDEXES:
                self.connection.execute(statement)
        if every_note_written:  # (a first build: no link of an unchanged note to look at)
            return
        keys = sorted({key for path in self.added + self.gone for key in keys_matching(path)})
        if not keys:
            return
        changed = []
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows = self.connection.execute(
                "SELECT source, seq, linkpath, target FROM edges WHERE lookup_key IN "
                f"({','.join('?' * len(chunk))})", chunk).fetchall()
            for source, seq, linkpath, target in rows:
                if source in self.written:
                    continue
                now = self.resolver.resolve(linkpath, source).target
                if now != target:
                    changed.append((now, source, seq))
                    self.resolved_again.add(source)
        self.connection.executemany("UPDATE edges SET target = ? WHERE source = ? AND seq = ?",
                                    changed)


class IndexNoteFinder(NoteFinder):
    """NOTE arguments -> paths by SQL queries on the answers (no vault loaded)."""

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection
        super().__init__(index_resolver(connection))

    @cached_property
    def name_index(self) -> Lookup:
        return Lookup(self.connection, "SELECT path FROM names WHERE name_key = ? ORDER BY path")

    @cached_property
    def alias_index(self) -> Lookup:
        return Lookup(self.connection,
                      "SELECT DISTINCT path FROM aliases WHERE alias_key = ? ORDER BY path")

    def names_starting(self, key: str) -> list[list[str]]:
        rows = self.connection.execute(
            "SELECT name_key, path FROM names WHERE name_key >= ? AND name_key < ? "
            "ORDER BY name_key, path", (key, key + "\U0010ffff"))
        return [[path for _, path in group] for _, group in groupby(rows, key=lambda r: r[0])]

    @cached_property
    def lookup_names(self) -> "NameLookup":
        return NameLookup(self.connection)


class NameLookup(Mapping):
    """Every note name and alias as did-you-mean keys -> suggest.NoteName
    (``NoteFinder.lookup_names``): a folded note name -> that name as written (of the
    last note in path order); ``suggest.alias_key(folded alias, folded name)`` -> the
    note's name and the alias as written (of the last note in path order, its first
    spelling).  One by SQL query; all of them are read only to be listed."""

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def __getitem__(self, key: str) -> "NoteName":
        from .suggest import OWNER_MARK, NoteName

        alias, mark, owner = key.rpartition(OWNER_MARK)
        if mark:
            row = self.connection.execute(
                "SELECT name, alias FROM aliases JOIN names USING (path) "
                "WHERE alias_key = ? AND name_key = ? ORDER BY path DESC, seq LIMIT 1",
                (alias, owner)).fetchone()
        else:
            row = self.connection.execute(
                "SELECT name, NULL FROM names WHERE name_key = ? ORDER BY path DESC LIMIT 1",
                (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return NoteName(*row)

    @cached_property
    def _all(self) -> dict[str, None]:
        """Every key, in the order of a dict of them all (names in path order, then alias
        keys): keys only -- the answers are looked up by :meth:`__getitem__`, for the few
        keys did-you-mean answers with (at 100k notes, an object per key was 30 MB)."""
        from .suggest import alias_key

        keys = dict.fromkeys(fold(name) for (name,) in self.connection.execute(
            "SELECT name FROM names ORDER BY path"))
        for name, alias in self.connection.execute(
                "SELECT name, alias FROM aliases JOIN names USING (path) "
                "ORDER BY path DESC, seq"):
            keys.setdefault(alias_key(fold(alias), fold(name)))
        return keys

    def __iter__(self):
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)


class EdgeContexts:
    """Contexts of edges read from the index: the edge's own (``context``), else worked
    out from its line (answers.lines) and column.  Each line is read once, however many
    links are on it (not joined to every edge: a line of 150,000 links would be copied
    150,000 times)."""

    def __init__(self, connection: sqlite3.Connection, edges: str = "", parameters: tuple = ()):
        """``edges``, a WHERE clause on ``edges`` (with ``parameters``): the lines of the
        edges it selects are read at once, in one statement (not one per line)."""
        self.connection = connection
        self.lines: dict[tuple[str, int], LineText] = {}
        if edges:
            for path, line, text, start, length in connection.execute(
                    "SELECT lines.path, lines.line, text, start, length FROM lines JOIN "
                    f"(SELECT DISTINCT source, line FROM edges WHERE ({edges}) AND context IS NULL) "
                    "AS wanted ON lines.path = wanted.source AND lines.line = wanted.line",
                    parameters):
                self.lines[path, line] = LineText(text, start, length)

    def __call__(self, source: str, line: int, column: int, context: str | None) -> str:
        if context is not None:
            return context
        shown = self.lines.get((source, line))
        if shown is None:
            row = self.connection.execute(
                "SELECT text, start, length FROM lines WHERE path = ? AND line = ?",
                (source, line)).fetchone()
            if row is None:  # an edge says its line is kept, and it is not
                from .codec import DamagedIndex

                raise DamagedIndex(f"no line {line} for {source}")
            shown = self.lines[source, line] = LineText(*row)
        return shown.context(column)


class Backlink(NamedTuple):
    """A link leading to the note or file ``target``, as the index keeps it: written in
    ``source`` (another vault path) as its link number ``seq`` (0-based, in the order
    written), at ``line`` and ``column`` (1-based, in characters), of ``kind``;
    ``context``: the text around it; ``node``: the canvas node holding it (None in a
    note)."""

    target: str
    source: str
    seq: int
    line: int
    column: int
    kind: str
    context: str
    node: str | None


# The longest part of a line (in characters from its ``start``) a backlink's row is
# given with; a longer one is read once per line (a hostile line of 150,000 links is
# not copied 150,000 times).
_JOINED_LINE_CHARS = 4096


def backlinks(connection: sqlite3.Connection, target: str | None = None,
              sources: list[str] | None = None) -> list[Backlink]:
    """Links from other notes and canvases to ``target`` (None: to every file), in
    vault order (target, then source path, then position); a link of a note to itself
    is left out.  ``sources`` (with a ``target``): only the links written in these
    (at most 500; read by the edges' key, not by their target: the few rows of a few
    notes, not the hub's 35,000 scanned).

    One statement reads the edges with their lines (``lines``: the text of a link's
    context, when the index keeps it per line); each row is a Backlink made from the
    row's tuple (``tuple.__new__``), its context worked out in this loop: a hub's
    35,000 backlinks at 100k notes make 35,000 tuples, nothing else per row.  The rows
    are read a page at a time (index.GuardedCursor): the lines' text they carry is
    dropped as they are, not held for every link of the vault at once."""
    if target is None:
        where, parameters = "e.target IS NOT NULL AND e.target != e.source", ()
    elif sources is None:
        where, parameters = "e.target = ? AND e.source != ?", (target, target)
    else:  # (`+e.target`: not by edges_by_target, which would read every row of the hub)
        where = f"e.source IN ({','.join('?' * len(sources))}) AND +e.target = ? AND e.source != ?"
        parameters = (*sources, target, target)
    new = tuple.__new__  # (Backlink._make less its Python call)
    found: list[Backlink] = []
    add = found.append
    long_lines: EdgeContexts | None = None
    for t, source, seq, line, column, kind, context, node, text, start, length in \
            connection.execute(
                "SELECT e.target, e.source, e.seq, e.line, e.col, e.kind, e.context, e.node, "
                f"CASE WHEN l.length - l.start <= {_JOINED_LINE_CHARS} THEN l.text END, "
                "l.start, l.length FROM edges AS e LEFT JOIN lines AS l "
                "ON e.context IS NULL AND l.path = e.source AND l.line = e.line "
                f"WHERE {where} ORDER BY e.target, e.source, e.seq", parameters):
        if context is None and text is not None:
            context = line_context(text, start, length, column)
        elif context is None:  # a line longer than a row carries, or none (DamagedIndex)
            if long_lines is None:
                long_lines = EdgeContexts(connection)
            context = long_lines(source, line, column, None)
        add(new(Backlink, (t, source, seq, line, column, kind, context, node)))
    return found


class KeptRows(list):
    """A kept answer of :func:`backlinks` (a list of Backlink, in vault order), with its
    ``runs``: the rows of each source, in order (a tuple each).  A view may keep what it
    makes of each run (:meth:`made`): when the answer is brought up to date, only the
    runs of the sources changed are new, and only they are made again."""

    def __init__(self, runs: list[tuple[Backlink, ...]],
                 made: dict[str, dict[int, tuple[tuple, object]]] | None = None):
        super().__init__(chain.from_iterable(runs))
        self.runs = runs
        # what -> id(run) -> (the run, what was made of it): the run held, so that its
        # id names no other while the entry stands
        self._made = made if made is not None else {}

    def made(self, what: str, make: Callable[[tuple[Backlink, ...]], object]) -> list:
        """``[make(run) for run in self.runs]``, each made once per run and ``what``
        (the name of ``make``'s kind of output: its results are kept under it)."""
        kept = self._made.setdefault(what, {})
        found = []
        for run in self.runs:
            entry = kept.get(id(run))
            if entry is None or entry[0] is not run:
                entry = kept[id(run)] = (run, make(run))
            found.append(entry[1])
        return found


def _runs(rows: list[Backlink]) -> list[tuple[Backlink, ...]]:
    return [tuple(group) for _, group in groupby(rows, key=_by_source)]


class KeptBacklinks:
    """:func:`backlinks` of the notes asked about, kept across updates of the index and
    brought up to date from each update's changes (``vaultgraph watch``: the hub's
    35,000 backlinks at 100k notes take 0.2 s to read; after an edit, only the rows of
    the notes edited are read again).

    An update changes a backlink's row only when it changes its source's rows of
    ``edges`` or ``lines`` (the link, where it resolves, its context): it gives the set
    of those sources (``AnswerWriter.edge_sources``), and :meth:`changed` marks them
    stale in every answer kept; :meth:`rows` reads the marked sources' rows again (by
    the edges' key) and puts them in their place, in vault order, so that the list is
    the one :func:`backlinks` would read now.  ``None`` for a change (every note
    written, an update of another run, a rescan): everything kept goes.

    Answers of fewer than :data:`KEEP_FROM` rows are not kept (read again at once);
    at most :data:`KEEP_ROWS` rows are kept, the answer asked least recently going
    first."""

    KEEP_FROM = 100
    KEEP_ROWS = 400_000
    MAX_SOURCES = 500  # more sources changed at once: everything kept goes

    def __init__(self) -> None:
        self.kept: dict[str, KeptRows] = {}
        self.stale: dict[str, set[str]] = {}
        self.size = 0

    def changed(self, sources: set[str] | None) -> None:
        """An update of the index changed the rows of ``sources`` (None: of any note)."""
        if sources is None or len(sources) > self.MAX_SOURCES:
            self.kept.clear()
            self.stale.clear()
            self.size = 0
        elif sources:
            for target in list(self.kept):
                stale = self.stale.setdefault(target, set())
                stale.update(sources)
                if len(stale) > self.MAX_SOURCES:  # (read anew when next asked)
                    self.size -= len(self.kept.pop(target))
                    del self.stale[target]

    def rows(self, connection: sqlite3.Connection, target: str) -> list[Backlink]:
        """``backlinks(connection, target)`` -- ``connection`` reading the index as
        the last :meth:`changed` left it; the list is kept: do not change it."""
        rows = self.kept.pop(target, None)
        if rows is None:
            found = backlinks(connection, target)
            if len(found) < self.KEEP_FROM or len(found) > self.KEEP_ROWS:
                return found
            rows = KeptRows(_runs(found))
            self.size += len(rows)
            while self.size > self.KEEP_ROWS:
                oldest = next(iter(self.kept))
                self.size -= len(self.kept.pop(oldest))
                self.stale.pop(oldest, None)
        elif target in self.stale:
            sources = self.stale[target]
            try:
                fresh = _spliced(rows, sources, backlinks(connection, target, sorted(sources)))
            except BaseException:  # (DamagedIndex...): kept no longer
                self.size -= len(rows)
                self.stale.pop(target)
                raise
            del self.stale[target]
            self.size += len(fresh) - len(rows)
            rows = fresh
        self.kept[target] = rows  # (asked last: goes last)
        return rows


def _by_source(row: Backlink) -> str:
    return row[1]


def _run_source(run: tuple[Backlink, ...]) -> str:
    return run[0][1]


def _spliced(rows: KeptRows, sources: set[str], fresh: list[Backlink]) -> KeptRows:
    """``rows`` less the runs of ``sources``, with ``fresh`` (the rows of ``sources``
    now, in vault order) in their places; what views made of the other runs is kept."""
    from bisect import bisect_left

    runs = list(rows.runs)
    made = rows._made
    for source in sources:
        at = bisect_left(runs, source, key=_run_source)
        if at < len(runs) and _run_source(runs[at]) == source:
            for kept in made.values():
                kept.pop(id(runs[at]), None)
            del runs[at]
    for run in _runs(fresh):
        runs.insert(bisect_left(runs, _run_source(run), key=_run_source), run)
    return KeptRows(runs, made)


def completions(connection: sqlite3.Connection, what: str, start: str,
                limit: int = 1000) -> list[str]:
    """Note names (``what`` "notes") or tags ("tags", without ``#``) starting with
    ``start`` (case ignored), as written, in folded order, at most ``limit``: shell
    completion, by an indexed range query (a vault's size does not slow it)."""
    table = {"notes": "names", "tags": "tags"}[what]
    key = fold(start)
    return [name for name, in connection.execute(
        f"SELECT min(name) FROM {table} WHERE name_key >= ? AND name_key < ? "
        "GROUP BY name_key ORDER BY name_key LIMIT ?", (key, key + "\U0010ffff", limit))]


def tag_index(connection: sqlite3.Connection, visible) -> dict[str, TagInfo]:
    """Folded tag -> TagInfo over the notes ``visible(path)`` accepts (``Vault.tags``)."""
    index: dict[str, TagInfo] = {}
    for path, name in connection.execute("SELECT path, name FROM tags ORDER BY path, seq"):
        if not visible(path):
            continue
        info = index.setdefault(fold(name), TagInfo(name, []))
        if not info.notes or info.notes[-1] != path:
            info.notes.append(path)
    return index


def link_ends(connection: sqlite3.Connection, visible) -> tuple[list[str], set, set]:
    """Notes ``visible(path)`` accepts, those linking to another of them, those linked
    from one of them or from a canvas it accepts (``Vault.link_ends``)."""
    notes = [path for path in note_paths(connection) if visible(path)]
    shown = set(notes)
    linking, linked = set(), set()
    for source, target in connection.execute(
            "SELECT DISTINCT source, target FROM edges WHERE target IS NOT NULL AND target != source"):
        if target in shown:
            if source in shown:
                linking.add(source)
                linked.add(target)
            elif is_canvas(source) and visible(source):  # a note on a canvas is linked
                linked.add(target)
    return notes, linking, linked


def note_paths(connection: sqlite3.Connection) -> list[str]:
    return [path for (path,) in connection.execute("SELECT path FROM names ORDER BY path")]


def broken_links(connection: sqlite3.Connection, visible) -> list[tuple[str, Link]]:
    """(source, link) for every unresolved link written in a note ``visible(path)``
    accepts, in vault order; the links carry what ``queries.wanted`` reads of them."""
    contexts = EdgeContexts(connection, "target IS NULL")
    return [(source, Link(kind, raw, linkpath, None, None, line, col,
                          contexts(source, line, col, context), bool(embed)))
            for source, linkpath, raw, line, col, kind, context, embed in connection.execute(
                "SELECT source, linkpath, raw, line, col, kind, context, embed FROM edges "
                "WHERE target IS NULL ORDER BY source, seq")
            if visible(source)]


def file_sha1(connection: sqlite3.Connection, path: str) -> str | None:
    """The SHA-1 (hex) of the bytes the index last read of ``path``; None when it has no
    row (edits.py compares it with the file it is about to edit)."""
    row = connection.execute("SELECT sha1 FROM files WHERE path = ?", (path,)).fetchone()
    return row[0] if row else None


def suppressions(connection: sqlite3.Connection) -> dict[str, list[Suppression]]:
    """Every note's inline ``%% vaultgraph: ignore[...] %%`` comments (model.Suppression),
    by vault path, in note order."""
    found: dict[str, list[Suppression]] = {}
    for path, line, column, first, last, codes in connection.execute(
            "SELECT path, line, col, first, last, codes FROM suppressions ORDER BY path, seq"):
        found.setdefault(path, []).append(Suppression(line, column, first, last, json.loads(codes)))
    return found
