"""The persistent index: parsed notes kept in SQLite, outside the vault.

A cache, never the truth: each run compares every file's size and change time (the
later of mtime and ctime: files.FileStats) with
the index, re-reads only files that changed (and re-parses only those whose
content hash changed), and rebuilds the index from scratch when it is missing,
corrupt, locked for too long or of another schema.  Notes are stored as JSON
(never pickle), so a tampered cache cannot run code.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import sqlite3
from array import array
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import chain
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

from . import __version__
from .answers import IN_MEMORY_RESOLVER, AnswerWriter
from .answers import SCHEMA_SQL as ANSWERS_SQL
from .checked import SCHEMA_SQL as FINDINGS_SQL
from .checked import forget_findings
from .codec import (ROW_ERRORS, DamagedIndex, decoded, note_fields, note_from_fields,
                    note_from_json, note_to_json)
from .files import FileStats, is_canvas, is_source, read_bounded
from .model import Note
from .process import held, let_through
from .suggest import FORMAT as SUGGESTION_FORMAT
from .suggest import best

SCHEMA = 25  # raised whenever the tables or what a parse gives change: older indexes are rebuilt


def code_version() -> str:
    """The vaultgraph that writes an index: ``__version__``, then a digest of the name,
    size and modification time of each of the package's ``.py`` files.  An index made
    by other code is made anew: its parsed notes and kept findings are what that code's
    rules gave (a rule changed without a SCHEMA raise -- a development checkout, a
    reinstall -- would otherwise keep answering with the old rule's findings).  Costs
    one ``stat`` per module (about 60), no read."""
    package = os.path.dirname(os.path.abspath(__file__))
    digest = hashlib.blake2b(digest_size=8)
    for folder in (package, *sorted(entry.path for entry in os.scandir(package)
                                    if entry.is_dir() and not entry.name.startswith("__"))):
        for entry in sorted(os.scandir(folder), key=lambda entry: entry.name):
            if entry.name.endswith(".py") and entry.is_file():
                stat = entry.stat()
                digest.update(f"{entry.path[len(package):]}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return f"{__version__}+{digest.hexdigest()}"


PAGE_SIZE = 8192  # bytes, of a new index's pages (SQLite: 4096)
PARALLEL_THRESHOLD = 400  # notes to parse before worker processes pay off
_TAIL_SPLIT = 4  # parse_files: the last round of batches is this many times smaller,
_TAIL_BATCH = 250  # and of at most this many notes
# Up to this many notes parsed in one update, their Notes are kept for the run's check
# (``keep``); past it, a token (:class:`Written`) and check reads each note back from
# its row: a cold 100k check's peak RSS 1,048 -> 643 MiB, for 1% more CPU (each note
# decoded again; 5% of a cold 10k check, for 150 -> 105 MiB: not worth it there).
NOTES_KEPT = 25_000
# A change time (files.FileStats) less than this before the files were listed is not
# trusted alone: the file may have changed again, within the same clock tick, after it
# was read.
RACY_NS = 2_000_000_000
_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, sha1 TEXT NOT NULL, note BLOB NOT NULL
);
-- `note`: the parsed note as codec.note_to_json wrote it (UTF-8 JSON as a BLOB, or
-- ASCII JSON as TEXT for the few notes orjson cannot write).
-- Comparing files with their rows reads this, not the notes' JSON (ten times less).  A
-- file's change time is kept in `listing`, not here: only the listing is compared.
CREATE INDEX IF NOT EXISTS files_stats ON files (path, size, sha1);
-- The files as the last update saw them (one row): their paths joined by NULs; their
-- sizes and mtimes (-1: not to be trusted) as 64-bit numbers.  Compared with the files
-- to find the ones to look at.
CREATE TABLE IF NOT EXISTS listing (
    id INTEGER PRIMARY KEY CHECK (id = 1), paths BLOB NOT NULL, numbers BLOB NOT NULL
);
-- Did-you-mean answers, exact for the names in suggestion_names (meta 'suggestions': their limit).
CREATE TABLE IF NOT EXISTS suggestions (query TEXT PRIMARY KEY, answer TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS suggestion_names (name TEXT PRIMARY KEY) WITHOUT ROWID;
"""
_INSERT_FILES = "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)"
_TABLES = set(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)",
                         _SCHEMA_SQL + ANSWERS_SQL + FINDINGS_SQL))


class CacheInsideVault(ValueError):
    """The index would be written inside the vault it indexes."""


def index_file(vault_root: Path, cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """``<cache dir>/<hash of the vault's real path>/index.sqlite``
    (``places.vault_folder``; ``cache_dir`` default ``places.default_cache_dir()``).
    Raises CacheInsideVault when that folder is inside the vault
    (``places.is_inside``): vaultgraph never writes there."""
    from .places import is_inside, vault_folder

    folder = vault_folder(vault_root, cache_dir).parent
    if is_inside(folder, vault_root):
        raise CacheInsideVault(f"the index's folder {folder} is inside the vault; vaultgraph "
                               "never writes there: give --cache-dir outside it, or --no-cache")
    return vault_folder(vault_root, cache_dir) / "index.sqlite"


@contextmanager
def gc_paused():
    """Loading a vault creates millions of objects, none of them in cycles; Python's
    collector would scan all of them again and again (half of resolving time at 10k
    notes).  Pause it meanwhile; cycles made meanwhile are collected after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# SQLite primary result codes that say the index cannot be used now, not that it is
# damaged (rebuilding it would not help): PERM, BUSY, LOCKED, NOMEM, READONLY,
# INTERRUPT, IOERR, FULL, CANTOPEN, PROTOCOL, NOLFS, AUTH.  Any other SQLite error
# (CORRUPT "database disk image is malformed", NOTADB, ERROR "no such table",
# CONSTRAINT, MISMATCH...) says the index is not what this version wrote.
_UNUSABLE = {3, 5, 6, 7, 8, 9, 10, 13, 14, 15, 22, 23}


def _guarded(call: Callable, *args):
    """``call(*args)``, an SQLite call on the index, with its errors raised as
    DamagedIndex -- unless SQLite says the index is only unusable now (locked by
    another run, a full disk, a read-only folder): that sqlite3.Error is raised as is."""
    try:
        return call(*args)
    except sqlite3.Error as exc:
        if (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF in _UNUSABLE:
            raise
        raise DamagedIndex(f"{type(exc).__name__}: {exc}") from exc
    except UnicodeDecodeError as exc:  # an SQLite error message that is not UTF-8
        raise DamagedIndex(f"{type(exc).__name__}: {exc}") from exc


class GuardedCursor(sqlite3.Cursor):
    """A cursor whose statements and rows raise DamagedIndex for a damaged index."""

    def execute(self, sql, parameters=()):
        return _guarded(super().execute, sql, parameters)

    def executemany(self, sql, parameters):
        return _guarded(super().executemany, sql, parameters)

    def executescript(self, script):
        return _guarded(super().executescript, script)

    def fetchone(self):
        return _guarded(super().fetchone)

    def fetchmany(self, size: int = 1):
        return _guarded(super().fetchmany, size)

    def fetchall(self):
        return _guarded(super().fetchall)

    def __iter__(self):
        fetch = super().fetchmany
        while rows := _guarded(fetch, 4096):  # a page of rows at a time: iterating stays fast
            yield from rows


class GuardedConnection(sqlite3.Connection):
    """A connection to the index whose every statement and row raise DamagedIndex
    when the index is damaged (see :func:`_guarded`): one guard for every query."""

    def cursor(self, factory=GuardedCursor):
        return super().cursor(factory)

    def execute(self, sql, parameters=()):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, parameters):
        return self.cursor().executemany(sql, parameters)

    def executescript(self, script):
        return self.cursor().executescript(script)


def connect(location: Path, create: bool = True) -> GuardedConnection:
    """A connection to the index at ``location`` (autocommit; waits up to 15 s for a lock).
    With ``create`` False, an index that does not exist is not created (sqlite3.Error):
    only Index.open creates one, in a folder of ours (places.py).  Usable from any
    thread when SQLite is built serialized (``sqlite3.threadsafety`` 3, as Python's
    builds are): a Vault can be read from a thread pool, and its connection only reads."""
    target = location if create else Path(location).absolute().as_uri() + "?mode=rw"
    connection = sqlite3.connect(target, uri=not create, timeout=15, isolation_level=None,
                                 factory=GuardedConnection,
                                 check_same_thread=sqlite3.threadsafety < 3)
    # A commit does not wait for the disk (in WAL mode, SQLite's `NORMAL` syncs at each
    # checkpoint, not at each commit): a power cut may lose the last commits, never
    # leave the index inconsistent -- and the index is a cache.  (Each sync was 5 to 50
    # ms of a cold check's wall time on this machine: did-you-mean's and check's
    # answers are committed after the parse.)  A new index is built with none (OFF).
    try:
        connection.execute("PRAGMA synchronous=NORMAL")
    except (sqlite3.Error, DamagedIndex):  # (not a database: what reads it next says so)
        pass
    return connection  # type: ignore[return-value]


def _digest(root: Path, path: str) -> str | None:
    from .parse import MAX_NOTE_BYTES  # the parser loads only when something is read

    try:
        return hashlib.sha1(read_bounded(root / path, MAX_NOTE_BYTES, cut=True)).hexdigest()
    except OSError:
        return None


_note_readers: tuple[Callable, Callable] | None = None  # parse's, once it is loaded


def _load_note_readers() -> tuple[Callable, Callable]:
    """parse.read_bytes and parse.note_from_bytes, imported at the first note read (an
    import statement in _parse_one cost a microsecond or two a note)."""
    global _note_readers
    from .parse import note_from_bytes, read_bytes

    _note_readers = read_bytes, note_from_bytes
    return _note_readers


def _parse_one(root: Path, path: str, digest: bool) -> tuple[str, str | None, Note]:
    """A note parsed, or the links of a canvas read (canvas.py), with its SHA-1."""
    if is_canvas(path):
        from .canvas import canvas_from_bytes as from_bytes
        from .canvas import read_canvas_bytes as read
    else:
        read, from_bytes = _note_readers or _load_note_readers()
    data, problems = read(root, path)
    sha1 = None
    if digest:
        sha1 = hashlib.sha1(data).hexdigest() if data is not None else _digest(root, path)
    return path, sha1, from_bytes(path, data, problems)


def _parse_batch(root: str, paths: list[str], digest: bool) -> list[tuple[str, str | None, str]]:
    """Worker: (path, sha1, note as JSON) for a batch of paths.  JSON, not pickled
    notes: the index stores it anyway, and decoding it is the cheaper half."""
    from .parse import alarm_handler

    folder = Path(root)
    with gc_paused(), alarm_handler():  # (set once for the batch: parse.time_limit)
        return [(path, sha1, note_to_json(note))
                for path, sha1, note in (_parse_one(folder, p, digest) for p in paths)]


# Work a run will need after the parse, started in a thread once a parse's worker
# processes are forked (see while_parsing).
_WHILE_PARSING: ContextVar[Callable[[], None] | None] = ContextVar("while_parsing", default=None)


@contextmanager
def while_parsing(work: Callable[[], None]):
    """Within this block, a parse that runs in worker processes (:func:`parse_files`)
    starts ``work()`` in a daemon thread of this process as soon as its workers are
    forked -- not before: a process forked while a thread holds a lock (an import's)
    inherits it held.  For work that would otherwise wait for the parse to end, such as
    importing what comes after it (app.lint: did-you-mean's rapidfuzz and numpy, 0.06 s
    of CPU); its errors are ignored (``work`` runs again where it is needed).  A parse
    in this process, or none, starts nothing."""
    token = _WHILE_PARSING.set(work)
    try:
        yield
    finally:
        _WHILE_PARSING.reset(token)


def _start_while_parsing() -> None:
    work = _WHILE_PARSING.get()
    if work is not None:
        import threading

        def run() -> None:
            try:
                work()
            except BaseException:  # (raised again where the work is needed)
                pass

        threading.Thread(target=run, daemon=True).start()


def _batches(paths: list[str], workers: int) -> list[list[str]]:
    """``paths`` cut into the batches ``workers`` processes parse, in order: about eight
    a worker, the last round of them (a batch per worker) cut in _TAIL_SPLIT, in
    batches of at most _TAIL_BATCH notes -- this process writes a batch's rows once it
    is back, the last one while the workers wait, and the workers end closer together
    (at 10k notes: batches of 625 notes, the last ones of 156; the notes left to write
    when the last batch came back went from 625 to 158; at 100k, batches of 6,250, the
    last ones of 250)."""
    total = len(paths)
    size = max(20, total // (workers * 8))
    head = max(0, total - workers * size)
    head -= head % size  # (whole batches)
    small = max(20, min(size // _TAIL_SPLIT, _TAIL_BATCH))
    return [paths[i:i + size] for i in range(0, head, size)] + \
        [paths[i:i + small] for i in range(head, total, small)]


def parse_files(root: Path, paths: list[str], progress: Callable[[int, int], None] | None = None,
                digest: bool = False,
                notes: bool = True) -> Iterable[tuple[str, str | None, Note | None, str]]:
    """(path, sha1 if ``digest``, note, note as JSON) for each path; in worker
    processes when there are many.  ``notes`` false: the note may be None where only
    its JSON came back (from a worker: the caller decodes what it needs of it)."""
    total = len(paths)
    workers = min(os.cpu_count() or 1, 8)
    if total < PARALLEL_THRESHOLD or workers < 2:
        for done, path in enumerate(paths, 1):
            path, sha1, note = _parse_one(root, path, digest)
            yield path, sha1, note, note_to_json(note)
            if progress:
                progress(done, total)
        return
    from .process import signals_blocked, worker_pool

    batches = _batches(paths, workers)
    done = 0
    with worker_pool(workers) as pool:  # (stopped at once when this generator is)
        with signals_blocked():  # the workers are forked now
            results = pool.map(_parse_batch, [str(root)] * len(batches), batches,
                               [digest] * len(batches))
        _start_while_parsing()  # (every worker is forked: map submitted all the work)
        for batch in results:
            for path, sha1, text in batch:
                yield path, sha1, note_from_json(path, text) if notes else None, text
            done += len(batch)
            if progress:
                progress(done, total)


def _moved(root: Path, stale: list[str], removed: list[str], known: dict,
           sizes: dict[str, tuple[int, int]]) -> dict[str, tuple[str, str]]:
    """New paths holding exactly the bytes of a note gone (a note moved or renamed):
    new path -> (old path, sha1).  Their parse is reused (only diagnostics name the path)."""
    gone_by_size: dict[int, list[str]] = {}
    for path in removed:
        gone_by_size.setdefault(known[path][0], []).append(path)
    moved = {}
    for path in stale:
        candidates = gone_by_size.get(sizes[path][0])
        digest = _digest(root, path) if candidates else None
        for old in candidates or ():
            if known[old][1] == digest and is_canvas(old) == is_canvas(path):  # same reading
                moved[path] = (old, digest)
                break
    return moved


def _listing(stats: FileStats, racy: int) -> tuple[bytes, bytes]:
    """The files as the `listing` table keeps them: their paths, and their sizes and
    change times (-1 for one not to be trusted) as 64-bit numbers."""
    numbers = stats.numbers
    if numbers and max(numbers[1::2]) >= racy:
        numbers = array("q", numbers)
        numbers[1::2] = array("q", (m if m < racy else -1 for m in numbers[1::2]))
    return stats.path_bytes, numbers.tobytes()


def _listing_changes(stats: FileStats, paths: bytes,
                     numbers: bytes) -> tuple[list[str], list[str], int]:
    """The files whose size or mtime is not the one listed (or that are new), in path
    order; the files listed that are gone; how many notes were listed."""
    old_numbers = array("q")
    old_numbers.frombytes(numbers[:len(numbers) // 8 * 8])  # (whole numbers from a damaged one)
    new_numbers = stats.numbers
    if paths == stats.path_bytes and len(old_numbers) == len(new_numbers):
        # the usual case: the same files; compare their numbers a block at a time, in C
        new_paths = list(stats)
        changed: set[str] = set()
        for start in range(0, len(new_numbers), 1024):
            end = start + 1024
            if new_numbers[start:end] != old_numbers[start:end]:
                changed.update(new_paths[i // 2] for i in range(start, min(end, len(new_numbers)))
                               if new_numbers[i] != old_numbers[i])
        return sorted(changed), [], len(stats.sources)
    old_paths = paths.decode("utf-8", "surrogateescape").split("\0") if paths else []
    old = dict(zip(old_paths, zip(old_numbers[::2], old_numbers[1::2])))
    return ([path for path, pair in stats.items() if old.get(path) != pair],
            [path for path in old_paths if path not in stats],
            sum(1 for path in old_paths if is_source(path)))


def _rows(connection: sqlite3.Connection, paths: list[str] | None):
    """(path, (size, sha1)) of the notes in the index among ``paths`` (None: all)."""
    if paths is None:
        for row in connection.execute("SELECT path, size, sha1 FROM files"):
            yield row[0], row[1:]
        return
    for start in range(0, len(paths), 500):
        chunk = paths[start:start + 500]
        for row in connection.execute("SELECT path, size, sha1 FROM files WHERE path "
                                      f"IN ({','.join('?' * len(chunk))})", chunk):
            yield row[0], row[1:]


class Hint(NamedTuple):
    """What a caller that follows the files' events (watch.py) knows of a change, so that
    :meth:`Index.update` need not compare the whole listing: ``paths``, every vault
    path that may have changed since the index's ``generation`` (trusted only while the
    index is at that generation: another run's update makes the comparison whole
    again); ``listing``: whether to store the listing now -- False when the files are
    the same paths, some of them changed, and the caller stores it later
    (:func:`store_listing`): a stale listing costs the next run a hash of each file
    changed since, not a wrong answer (a change time never comes back)."""

    paths: frozenset[str]
    generation: str
    listing: bool


class _Raced(Exception):
    """Another run wrote the index between a hinted update's comparison and its write."""


def store_listing(location: Path, stats: FileStats, since: str) -> bool:
    """Store ``stats`` as the listing of the index at ``location`` (and its fingerprint
    when no change time is too recent) while the index is still at generation ``since``
    -- brought up to date with exactly these files by :class:`Hint` updates that left
    the listing for later; whether it was (False: another run wrote since, or the index
    cannot be written now; that run stored its own)."""
    try:
        connection = connect(location, create=False)
    except sqlite3.Error:
        return False
    try:
        with write_transaction(connection):
            if generation(connection) != since:
                return False
            connection.execute("INSERT OR REPLACE INTO listing VALUES (1, ?, ?)",
                               _listing(stats, stats.taken_at - RACY_NS))
            connection.execute("DELETE FROM meta WHERE key = 'fresh'")
            fingerprint = Index.fingerprint(stats)
            if fingerprint:
                connection.execute("INSERT INTO meta VALUES ('fresh', ?)", (fingerprint,))
        return True
    except (sqlite3.Error, DamagedIndex):
        return False
    finally:
        connection.close()


def _running(pid: int) -> bool:
    """Whether a process ``pid`` runs (one of another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


# -- the index ---------------------------------------------------------------------
class Index:
    """Parsed notes of one vault, kept between runs."""

    kept = True  # a database file other runs may open (MemoryIndex: not)

    def __init__(self, location: Path, throwaway: bool = False):
        """``throwaway``: made for one run and removed after (``--no-cache``): written
        without waiting for the disk (``synchronous=OFF``), as nothing outlives a crash."""
        self.location, self.throwaway = location, throwaway
        self.connection: sqlite3.Connection | None = None
        self.stats = {"parsed": 0, "reused": 0, "removed": 0, "rebuilt": False}
        self.generation: str | None = None  # meta 'generation' as this run's update left it
        # The last update that wrote: (generation before, generation after, the sources
        # whose edges or lines it may have changed: AnswerWriter.edge_sources, None: all).
        self.changes: tuple[str | None, str | None, set[str] | None] | None = None
        # While a new index is built (see open): the file it is built in, beside
        # ``location``; and whether a transaction of it was committed.
        self.building: Path | None = None
        self.built = False
        self.anew = False  # build a new index apart even where one is (a rebuild)

    def open(self) -> None:
        """Open the index, or start a fresh one if it cannot be trusted.  When there is
        none, a new one is built in a file of its own beside ``location``
        (``index.sqlite.<pid>.new``), without a journal or syncs -- nothing in it is
        to be kept safe yet: a crash leaves a file no run reads, removed by the next
        build -- and renamed into place once written (:meth:`put_in_place`): another
        run sees the old index or none, never one half built."""
        from .places import private_files, private_folder, private_umask

        try:
            private_folder(self.location.parent)  # 0700, and ours
            self.building = None
            if self.anew or not os.path.lexists(self.location):
                self._build_apart()
            self.built = False
            with private_umask():  # the database, and so its -wal and -shm, 0600
                self.connection = self._connect()
            private_files(self.building or self.location)
        except (OSError, sqlite3.Error, DamagedIndex):
            self.close()
            self._remove_building()
            self.connection = None  # no cache this time: everything is parsed

    def _build_apart(self) -> None:
        """Build a new index in a file of its own (see open)."""
        self._remove_stray_builds()
        self.building = self.location.with_name(f"{self.location.name}.{os.getpid()}.new")
        self._remove_building(forget=False)  # (one this process left, if any)

    def _remove_building(self, forget: bool = True) -> None:
        """Remove the file a new index is built in (and forget it)."""
        if self.building is not None:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{self.building}{suffix}").unlink(missing_ok=True)
        if forget:
            self.building = None

    def _remove_stray_builds(self) -> None:
        """Remove the files of builds whose run has gone (killed while it built)."""
        prefix = f"{self.location.name}."
        try:
            names = os.listdir(self.location.parent)
        except OSError:
            return
        for name in names:
            pid = name[len(prefix):].partition(".new")[0]
            if name.startswith(prefix) and ".new" in name and pid.isdigit() and \
                    int(pid) != os.getpid() and not _running(int(pid)):
                (self.location.parent / name).unlink(missing_ok=True)

    def put_in_place(self) -> bool:
        """A new index built (a transaction of it committed) renamed into place, and
        opened there (in WAL mode, as every kept index); one not committed is
        removed.  False when no index is open now (it could not be put in place).
        Nothing to do for an index not built apart."""
        building = self.building
        if building is None:
            return self.connection is not None
        connection, self.connection = self.connection, None
        try:
            if connection is not None and self.built:
                connection.execute("PRAGMA journal_mode=WAL")  # (kept in the file)
                connection.close()
                connection = None
                # The -wal and -shm of an index another run put in place meanwhile: of
                # no database once it is replaced, never to be replayed into this one.
                for suffix in ("-wal", "-shm"):
                    Path(f"{self.location}{suffix}").unlink(missing_ok=True)
                os.replace(building, self.location)
                if self.anew:
                    self.stats["rebuilt"] = True
                self.building, self.anew = None, False
                self.open()
                return self.connection is not None
        except (OSError, sqlite3.Error, DamagedIndex):
            pass
        if connection is not None:
            connection.close()
        self._remove_building()
        return False

    def _connect(self) -> sqlite3.Connection:
        for attempt in (1, 2):
            connection = connect(self.building or self.location)
            try:
                # For a new index (a no-op for one written): pages of 8 KiB, not 4 KiB,
                # cut the CPU of a cold build's inserts by a tenth (docs/performance.md).
                connection.execute(f"PRAGMA page_size={PAGE_SIZE}")
                if self.building is not None:  # (nothing to keep safe yet: see open)
                    connection.execute("PRAGMA journal_mode=OFF")
                    connection.execute("PRAGMA synchronous=OFF")
                else:
                    connection.execute("PRAGMA journal_mode=WAL")
                if self.throwaway:
                    connection.execute("PRAGMA synchronous=OFF")
                tables = {name for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")}
                if tables and tables != _TABLES:
                    raise DamagedIndex("index with tables missing")
                if not tables:  # in one transaction: other runs see no tables or all of them
                    connection.executescript(
                        f"BEGIN IMMEDIATE;\n{_SCHEMA_SQL}{ANSWERS_SQL}{FINDINGS_SQL}\nCOMMIT;")
                found = dict(connection.execute("SELECT key, value FROM meta"))
                version = code_version()
                if found.get("schema") != str(SCHEMA) or found.get("version") != version:
                    if found:
                        raise DamagedIndex("index of another schema or code")
                    connection.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                           [("schema", str(SCHEMA)), ("version", version)])
                connection.execute("SELECT count(*) FROM files").fetchone()
                return connection
            except DamagedIndex:
                connection.close()
                if attempt == 2:
                    raise
                self._discard()
                if self.kept and self.building is None:
                    self._build_apart()
            except BaseException:  # unusable now (locked, read-only...): no index this run
                connection.close()
                raise
        raise AssertionError("unreachable")

    def _discard(self) -> None:
        """Remove an index that cannot be trusted (corrupt, half-written, old schema)."""
        self.stats["rebuilt"] = True
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.location) + suffix).unlink(missing_ok=True)

    # -- bringing the index up to date ------------------------------------------
    @staticmethod
    def fingerprint(stats: FileStats) -> str | None:
        """A digest of every file's path, size and mtime; None when a file was too
        recent, as the files were listed, for its mtime to be trusted."""
        numbers = stats.numbers
        if numbers and max(numbers[1::2]) >= stats.taken_at - RACY_NS:
            return None
        digest = hashlib.sha1(stats.path_bytes)
        digest.update(numbers.tobytes())
        return digest.hexdigest()

    def is_fresh(self, stats: FileStats) -> bool:
        """Whether the index was brought up to date with exactly these files (and no
        mtime was too recent to trust then): nothing to compare, nothing to parse."""
        if self.connection is None:
            return False
        current = self.fingerprint(stats)
        try:
            stored = self.connection.execute(
                "SELECT value FROM meta WHERE key = 'fresh'").fetchone()
        except sqlite3.Error:
            return False
        return current is not None and stored is not None and stored[0] == current

    def update(self, root: Path, stats: FileStats,
               progress: Callable[[int, int], None] | None = None,
               keep: "dict[str, Note | Written] | None" = None,
               hint: Hint | None = None) -> bool:
        """Bring the index up to date with the vault's files (path -> size, mtime):
        parse the notes that changed, drop the ones gone, bring the answers
        (answers.py) up to date.  Notes parsed now go into ``keep`` (past NOTES_KEPT,
        those the workers parsed as a :class:`Written` token: read from the index when
        wanted).  False when the index could not be written (then it is as before, and
        only ``keep`` holds what changed).  ``hint``: the paths that may have changed
        (:class:`Hint`), compared instead of the whole listing while the index is at its
        generation."""
        hinted = hint is not None and self.connection is not None and \
            self._at_generation(hint.generation)
        if not hinted and self.is_fresh(stats):
            self.stats["reused"] = len(stats.sources)
            return True
        notes = stats.sources  # notes and canvases
        if hinted:
            named = sorted(path for path in hint.paths if is_source(path))
            differing = [path for path in named if path in stats]
            known = dict(_rows(self.connection, named))
        else:
            differing, known = self._differences(stats, notes)
        racy = stats.taken_at - RACY_NS
        stale, touched = [], []
        for path in differing:
            row = known.get(path)
            if row and row[1] == _digest(root, path):  # touched, not changed
                if stats[path][0] != row[0]:  # (the same bytes up to parse.MAX_NOTE_BYTES)
                    touched.append((stats[path][0], path))
                continue
            stale.append(path)
        removed = [path for path in known if path not in stats]
        moved = _moved(root, stale, removed, known, stats)
        stale = [path for path in stale if path not in moved]
        self.stats.update(parsed=len(stale), reused=len(notes) - len(stale),
                          removed=len(removed))
        if self.connection is None:  # no index: the notes are parsed only when wanted
            if keep is None:
                self.stats["parsed"] = 0
            else:
                keep.update((path, note) for path, _, note, _ in parse_files(root, stale, progress))
            return False
        parsed = parse_files(root, stale, progress, digest=True, notes=False)
        stopped: list[int] = []  # the signal that stopped the parse, if one did
        try:
            # Readers see all of it or none.  A signal is held while a note's rows are
            # written and while the transaction ends; one that arrives during the parse
            # stops it, and the notes parsed so far are written as an update that parsed
            # only them (the next run parses the rest), then it is raised.
            with held(), self._transaction() as connection:
                since = generation(connection)  # (read in the transaction: no run writes now)
                if hinted and since != hint.generation:
                    raise _Raced
                answers = AnswerWriter(connection, stats,
                                       many=len(stale) + len(moved) >= IN_MEMORY_RESOLVER,
                                       keep_resolved=keep is not None)
                reused = []
                for path, (old, digest) in moved.items():  # read before the old rows go
                    (text,) = connection.execute("SELECT note FROM files WHERE path = ?",
                                                 (old,)).fetchone()
                    note = decoded(note_from_json, path, text)
                    for diagnostic in note.diagnostics:
                        diagnostic.path = path
                    reused.append((path, digest, note, note_to_json(note)))
                for path in removed:
                    connection.execute("DELETE FROM files WHERE path = ?", (path,))
                    answers.forget(path)
                connection.executemany("UPDATE files SET size = ? WHERE path = ?", touched)
                files: list[tuple] = []  # rows of `files` not yet written
                # (kept for the notes the workers parsed, when they are many)
                written = Written() if len(stale) + len(moved) > NOTES_KEPT else None
                for path, digest, note, text in let_through(chain(reused, parsed), stopped):
                    files.append((path, stats[path][0], digest or "", text))
                    fields = note_fields(text)  # (the rows need no Note: `index` makes none)
                    resolved = answers.note(path, fields)
                    if keep is not None:
                        if note is None:
                            note = written or note_from_fields(path, fields)
                        keep[path] = note
                        if fields[3]:  # (its links)
                            answers.keep_resolved_for(
                                written if note is written else note.links, path, resolved)
                    if len(files) >= 1000:
                        connection.executemany(_INSERT_FILES, files)
                        files.clear()
                connection.executemany(_INSERT_FILES, files)
                parsed.close()  # (the workers go now when the parse was stopped)
                answers.finish(every_note_written=answers.empty or (
                    not stopped and len(stale) + len(moved) == len(notes)), complete=not stopped)
                forget_findings(connection, answers)
                if self.building is not None:  # (two runs' new indexes: two generations)
                    connection.execute("INSERT OR IGNORE INTO meta VALUES ('generation', ?)",
                                       (str(int.from_bytes(os.urandom(6), "big")),))
                self.generation = _count(connection, "generation")
                # What this update changed of the backlinks: the sources whose edges it
                # wrote, from generation ``since`` to ``generation`` (watch.py keeps
                # backlinks across updates with them).
                self.changes = (since, self.generation, answers.edge_sources)
                if answers.empty or answers.changed_names:
                    _count(connection, "names")  # what did-you-mean answers are scored against
                connection.execute("DELETE FROM meta WHERE key = 'fresh'")
                # Stopped, the listing stays the last whole update's: the next run compares
                # every file not as listed there with its row again, and parses the rest.
                if not stopped and (not hinted or hint.listing):
                    connection.execute("INSERT OR REPLACE INTO listing VALUES (1, ?, ?)",
                                       _listing(stats, racy))
                    fingerprint = self.fingerprint(stats)
                    if fingerprint:
                        connection.execute("INSERT INTO meta VALUES ('fresh', ?)", (fingerprint,))
        except _Raced:  # the hint is not to be trusted now: the whole comparison
            parsed.close()
            return self.update(root, stats, progress, keep)
        except DamagedIndex:  # not to be trusted: open_updated() makes it anew
            parsed.close()
            raise
        except sqlite3.Error:
            # Locked by another run for too long: parse what is left; this run's answers stand.
            for path, _, note, text in parsed:
                if keep is not None:
                    keep[path] = note if note is not None else note_from_json(path, text)
            return False
        return True

    def _at_generation(self, wanted: str) -> bool:
        try:
            return generation(self.connection) == wanted
        except sqlite3.Error:
            return False

    def _differences(self, stats: FileStats, notes: list[str]) -> tuple[list[str], dict]:
        """The notes whose size or change time may differ from what the index last
        saw, in path order; and path -> (size, sha1) of their rows and the rows of
        notes gone.  Found by comparing the files with the `listing` the last update
        stored (two blobs: reading the 100k rows of `files` was most of a run after
        one edit); when there is none, or it does not list as many notes as `files`
        holds, every note (``notes``) is compared with every row (by its hash)."""
        if self.connection is None:
            return notes, {}
        try:
            stored = self.connection.execute("SELECT paths, numbers FROM listing").fetchone()
            if stored is not None:
                changed, gone, listed = _listing_changes(stats, *stored)
                (rows,) = self.connection.execute("SELECT count(*) FROM files").fetchone()
                if listed == rows:
                    changed = [path for path in changed if is_source(path)]
                    return changed, dict(_rows(self.connection,
                                               changed + [p for p in gone if is_source(p)]))
            return notes, dict(_rows(self.connection, None))
        except sqlite3.Error:
            return notes, {}

    @contextmanager
    def _transaction(self):
        """One write transaction (the connection is in autocommit mode, where every
        statement would otherwise be its own, synced, transaction)."""
        with write_transaction(self.connection):
            yield self.connection
        self.built = True

    def snapshot(self, stats: FileStats) -> bool:
        """Begin a read transaction (ended by :meth:`close`) over the index as this
        run's :meth:`update` left it, so that every later answer reads one state, with
        the files ``stats`` lists, whatever other runs write meanwhile (WAL: they are
        not held up).  False, and no transaction, when another run has changed the
        index since (then update again)."""
        connection = self.connection
        connection.execute("BEGIN")
        try:
            if generation(connection) == self.generation or self.is_fresh(stats):
                return True
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("ROLLBACK")
        return False

    def clear(self) -> None:
        self.close()
        self._remove_building()
        self._discard()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class MemoryIndex(Index):
    """A throwaway index in memory alone, for when no temporary folder can be written
    (none usable, a full disk): nothing of it is on disk, nor kept (``location`` names
    no file; the did-you-mean answers and check's findings are not kept either)."""

    kept = False

    def __init__(self) -> None:
        super().__init__(Path(":memory:"))

    def open(self) -> None:
        if self.connection is None:
            try:
                self.connection = self._connect()
            except (sqlite3.Error, DamagedIndex):
                self.connection = None

    def _discard(self) -> None:
        self.stats["rebuilt"] = True  # (closing it was discarding it)


def _count(connection: sqlite3.Connection, key: str) -> str:
    """Add one to the counter in meta ``key``; its new value."""
    connection.execute("INSERT INTO meta VALUES (?, '1') ON CONFLICT (key) "
                       "DO UPDATE SET value = CAST(value AS INTEGER) + 1", (key,))
    return connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0]


class SuggestionStore:
    """Did-you-mean answers for note names kept in the index between runs (at 100k
    notes, scoring every broken link against every name takes most of a minute); the
    names are note names and alias keys, each note answered once (suggest.best).

    Answers are stored with the set of names they were scored against; when
    names come and go, a stored answer is brought up to date by scoring the
    query against the new names only, and scored afresh when a name it listed
    is gone -- so every answer is exactly what scoring against all names gives.
    ``names_version``: meta 'names' of an index brought up to date with the vault
    just now; when the answers were scored against the names of that version,
    they are looked up one by one, and new queries scored against the names stored.
    """

    def __init__(self, location: Path, names_version: str | None = None,
                 on_damage: Callable[[], None] | None = None):
        self.location, self.names_version = location, names_version
        # Called when the index is found damaged (then the answers are scored afresh): to
        # raise DamagedIndex, for the command to run again on a new index, or to make it anew itself; by
        # default the index is discarded (the next run makes it anew).
        self.on_damage = on_damage or Index(location).clear

    def answers(self, queries: list[str], keys: Callable[[], list[str]], limit: int,
                scores) -> dict:
        """query -> [(score, name)]; ``keys()``: the names; ``scores(queries, names,
        limit)`` scores what is missing."""
        try:
            connection = connect(self.location, create=False)
        except sqlite3.Error:
            return scores(queries, keys(), limit)
        try:
            if self._names_kept(connection, limit):
                return self._known_names(connection, queries, limit, scores)
            return self._answers(connection, queries, keys(), limit, scores)
        except sqlite3.Error:
            return scores(queries, keys(), limit)
        except DamagedIndex:
            connection.close()
            self.on_damage()
            return scores(queries, keys(), limit)
        finally:
            connection.close()

    def reads_names(self, limit: int) -> bool:
        """Whether :meth:`answers` will call its ``keys()`` (the vault's names): not when
        the answers kept were scored against the names of this version of the index."""
        try:
            connection = connect(self.location, create=False)
        except sqlite3.Error:
            return True
        try:
            return not self._names_kept(connection, limit)
        except sqlite3.Error:
            return True
        finally:
            connection.close()

    def _names_kept(self, connection: sqlite3.Connection, limit: int) -> bool:
        stamp = dict(connection.execute(
            "SELECT key, value FROM meta WHERE key IN ('suggestions', 'suggested names')"))
        return self.names_version is not None and stamp == {
            "suggestions": _stamp(limit), "suggested names": self.names_version}

    @staticmethod
    def _known_names(connection: sqlite3.Connection, queries: list[str], limit: int,
                     scores) -> dict:
        """Answers when the names are those the stored answers were scored against."""
        found, fresh = {}, []
        for query in queries:
            row = connection.execute("SELECT answer FROM suggestions WHERE query = ?",
                                     (query,)).fetchone()
            if row is None:
                fresh.append(query)
            else:
                found[query] = [tuple(hit) for hit in decoded(json.loads, row[0])]
        if fresh:  # the names are those in suggestion_names: no need to gather them
            names = [name for (name,) in connection.execute("SELECT name FROM suggestion_names")]
            scored = scores(fresh, names, limit)
            found.update(scored)
            with write_transaction(connection):
                connection.executemany("INSERT OR REPLACE INTO suggestions VALUES (?, ?)", (
                    (q, json.dumps(a, ensure_ascii=False)) for q, a in scored.items()))
        return found

    def _answers(self, connection: sqlite3.Connection, queries: list[str], keys: list[str],
                 limit: int, scores) -> dict:
        stored_limit = connection.execute(
            "SELECT value FROM meta WHERE key = 'suggestions'").fetchone()
        known, cached = set(), {}
        if stored_limit and stored_limit[0] == _stamp(limit):
            known = {name for (name,) in connection.execute("SELECT name FROM suggestion_names")}
            cached = dict(connection.execute("SELECT query, answer FROM suggestions"))
        current = set(keys)
        added = [key for key in keys if key not in known]
        removed = known - current
        found, fresh, partial = {}, [], []
        for query in queries:
            if query not in cached:
                fresh.append(query)
                continue
            listed = [tuple(hit) for hit in decoded(json.loads, cached[query])]
            kept = [hit for hit in listed if hit[1] not in removed]
            if len(kept) < len(listed):
                # A name below the old best ones may now be among them, or another
                # name of the same note (suggest.best lists each note once).
                fresh.append(query)
            else:
                found[query] = kept
                partial.append(query)
        found.update(scores(fresh, keys, limit))
        if added and partial:
            for query, more in scores(partial, added, limit).items():
                found[query] = best(found[query] + more, limit)
        names_changed = bool(added or removed) or not stored_limit
        stamped = connection.execute(
            "SELECT value FROM meta WHERE key = 'suggested names'").fetchone()
        if not (fresh or names_changed or (stamped and stamped[0]) != self.names_version):
            return found
        answers = {q: json.dumps(found[q], ensure_ascii=False) for q in found}
        with write_transaction(connection):
            if names_changed and known:  # only what changed is written
                connection.executemany("DELETE FROM suggestion_names WHERE name = ?",
                                       ((name,) for name in removed))
                connection.executemany("INSERT INTO suggestion_names VALUES (?)",
                                       ((name,) for name in sorted(added)))
                # Answers to queries not asked now were for the old names.
                connection.executemany("DELETE FROM suggestions WHERE query = ?",
                                       ((q,) for q in cached if q not in found))
            elif names_changed:
                connection.execute("DELETE FROM suggestions")
                connection.execute("DELETE FROM suggestion_names")
                # (in key order: 200,000 names went in 0.69 s in the order of the
                # names, 0.31 s sorted, the b-tree added to at its end)
                connection.executemany("INSERT INTO suggestion_names VALUES (?)",
                                       ((key,) for key in sorted(keys)))
                connection.execute("INSERT OR REPLACE INTO meta VALUES ('suggestions', ?)",
                                   (_stamp(limit),))
            connection.executemany("INSERT OR REPLACE INTO suggestions VALUES (?, ?)", (
                (q, answer) for q, answer in answers.items() if cached.get(q) != answer))
            # The names scored against are those of this version of the index, if known.
            connection.execute("DELETE FROM meta WHERE key = 'suggested names'")
            if self.names_version is not None:
                connection.execute("INSERT INTO meta VALUES ('suggested names', ?)",
                                   (self.names_version,))
        return found


def _stamp(limit: int) -> str:
    """meta 'suggestions': the limit and the format (suggest.FORMAT) of the answers kept;
    answers kept under another are scored afresh."""
    return f"{limit}/{SUGGESTION_FORMAT}"


@contextmanager
def write_transaction(connection: sqlite3.Connection):
    """One write transaction on an autocommit connection."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


SNAPSHOT_TRIES = 3  # updates in a row raced by other runs before a throwaway index is used


class Written:
    """What :meth:`Index.update` keeps (``keep``) of a note a worker parsed when it
    parses more than NOTES_KEPT: not the Note (at 100k notes, the Notes kept for check
    were most of a cold check's peak memory) but this token of the update that wrote
    its row.  The Vault decodes the note from its row when it is read
    (vault.StoredNotes); the resolutions of its links are kept with the token until
    then (resolve.Resolver.keep, then .decoded)."""

    __slots__ = ()


def open_updated(root: Path, location: Path | None, stats: FileStats,
                 progress: Callable[[int, int], None] | None = None, rebuild: bool = False,
                 keep: "dict[str, Note | Written] | None" = None,
                 figures: dict | None = None, throwaway: bool = False,
                 hint: Hint | None = None) -> Index | None:
    """The index at ``location`` opened and brought up to date with the vault's files
    (``stats``), its connection left in a read transaction over that state
    (:meth:`Index.snapshot`); the caller closes it.  The notes parsed go into ``keep``
    (:meth:`Index.update`), what the update did (notes parsed, reused, removed; rebuilt)
    into ``figures``.
    ``location`` None: a new index in memory (:class:`MemoryIndex`); ``throwaway``: an
    index made for this run alone (:class:`Index`); ``hint``: what changed, as the
    caller knows (:class:`Hint`).

    None when it cannot be used or written now: locked by another run for too long, a
    folder not writable or not this user's, changed by other runs as often as it was
    brought up to date.  The index is never trusted: found damaged while it is brought
    up to date -- DamagedIndex from any statement or row (:class:`GuardedConnection`,
    :func:`decoded`), or rows of another shape or type than written (``ROW_ERRORS``) --
    it is discarded and made anew in this run; damage found in the new one is raised
    (a fault of ours, not of the index's)."""
    index = Index(location, throwaway) if location is not None else MemoryIndex()
    if rebuild:  # (built apart: other runs read the old index until the new one is in place)
        index.anew = index.kept
        if not index.kept:
            index.clear()
    try:
        for attempt in (1, 2):
            index.open()
            try:
                with gc_paused():
                    for _ in range(SNAPSHOT_TRIES):
                        if index.connection is None or \
                                not index.update(root, stats, progress, keep, hint) or \
                                not index.put_in_place():
                            break
                        if index.snapshot(stats):
                            return index
                        if keep is not None:  # parsed before the other run's update: older
                            keep.clear()
                index.close()
                index.put_in_place()  # (a new index not written is removed)
                return None
            except (DamagedIndex, *ROW_ERRORS):
                index.clear()
                if attempt == 2:
                    raise
            except BaseException:  # stopped by a signal: what was committed is kept
                index.put_in_place()
                index.close()
                raise
        raise AssertionError("unreachable")
    finally:
        if figures is not None:
            figures.update(index.stats)


def generation(connection: sqlite3.Connection) -> str | None:
    """meta 'generation': raised by every update that writes (another run's included)."""
    row = connection.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return row[0] if row else None


def update_index(root: Path, cache_dir=None, rebuild: bool = False,
                 progress: Callable[[int, int], None] | None = None) -> dict:
    """Bring the vault's index up to date (``vaultgraph index``); what it did."""
    return update_index_at(root, index_file(root, cache_dir), rebuild, progress)


def update_index_at(root: Path, location: Path, rebuild: bool = False,
                    progress: Callable[[int, int], None] | None = None) -> dict:
    """:func:`update_index` of the index at ``location``."""
    from .files import discover

    stats, _ = discover(root)
    done: dict = {}
    index = open_updated(root, location, stats, progress, rebuild, figures=done)
    if index is not None:
        index.close()
    else:
        done["parsed"] = 0  # (parsed, perhaps, but kept nowhere)
    return {"notes": len(stats.notes), "canvases": len(stats.sources) - len(stats.notes),
            "files": len(stats), **done, "written": index is not None,
            "location": str(location)}
