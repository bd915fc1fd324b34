"""``vaultgraph watch``: keep one vault's index up to date from file-system events and
answer the CLI's read-only commands from it at once (docs/cli.md, "watch").

A fresh process cannot answer at 100k notes in a fraction of a second: listing and
stat'ing the files alone takes half a second.  The watcher lists them once, keeps the
listing (``files.FileStats``) and the index open (a ``vault.Vault``), and on each
file-system event (watchfiles: the Rust ``notify`` crate; inotify on Linux) stats only
the paths the event names, then brings the index up to date through the one update path
every run takes (``vault.load`` with the listing given: ``index.open_updated``,
``Index.update``'s change detection).  A folder created, moved or gone, a symlink, a
special file, the vault's ``app.json`` or a burst of events large enough to have
overflowed the kernel's queue (:data:`RESCAN_AFTER`; watchfiles does not pass notify's
overflow signal on) are answered with a full listing, as at the start; so is a difference
found by the listing an idle watcher makes to compare (:meth:`Watcher.reconcile`).

The CLI (``ask.py``) sends its command line, folder, environment and terminal; the
watcher runs the same click command in-process over its open vault (``app.Session``'s
``lender``), output captured, and sends the bytes and the exit status back.  No answer
is stale: before it runs a command the watcher creates a file in a folder of its own
that it watches with the vault (one inotify queue, in order) and waits for that file's
event, so every event of a write finished before the client asked has been received;
it applies them all, then answers.  Only the commands of ``ask.SERVED`` are run, one
client at a time; a client of another user (``SO_PEERCRED``) is refused.
"""

from __future__ import annotations

import codecs
import gc
import io
import itertools
import json
import os
import queue
import selectors
import socket
import stat
import struct
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from . import app
from .answers import KeptBacklinks
from .ask import MAX_REQUEST, MAX_SOCKET_PATH, SOCKET_NAME, served
from .escape import terminal

if TYPE_CHECKING:
    import click

    from .files import Listing
    from .index import Hint
    from .vault import Vault

LOCK_NAME = "watch.lock"
BARRIER_FOLDER = "watch-barrier"
BARRIER_SECONDS = 2.0  # a request's own event not seen by then: declined (the client runs it)
REQUEST_SECONDS = 1.0  # to read a request; to send an answer: SEND_SECONDS
SEND_SECONDS = 30.0
STEP_MS = 2  # watchfiles collects events for this long after the last one (and polls its set so often)
DEBOUNCE_MS = 50  # ... at most this long in a burst
RESCAN_AFTER = 2000  # distinct paths in one batch: list the whole vault again
CHUNK = 1 << 20  # bytes of output per frame
POLL_MS = 300  # with --poll: how often the files are looked at
START_SECONDS = 30.0  # for the first event to come (the watch set up)
RECONCILE_SECONDS = 300.0  # idle this long: the vault is listed and compared (0.5 s at 100k)
LISTING_IDLE_SECONDS = 1.0  # idle this long after an edit: its listing stored (index.Hint)
_RESCAN = "rescan"  # on the queue: the watcher failed (watch limit...): list everything
# Commands whose answer is the index's alone (with the request: its arguments, folder,
# environment, terminal): an answer of theirs is kept and given again to the same request
# until the index changes (AnswerCache).  Not `check` (it reads .vaultgraph.toml, which no
# event reports), nor the commands reading other files (provenance, report, export).
KEPT_COMMANDS = frozenset({"backlinks", "links", "tags"})
KEPT_BYTES = 64 << 20  # the most the kept answers hold, in bytes of frames


class NotServed(Exception):
    """The request is to run in the client (another vault or index, no index...)."""


def peer_uid(connection: socket.socket) -> int | None:
    """The user id of the process at the other end of a Unix socket (``SO_PEERCRED``:
    Linux); None where the system cannot tell (there the socket's folder, 0700, and mode,
    0600, keep others out)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    _pid, uid, _gid = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, option,
                                                                struct.calcsize("3i")))
    return uid


def peer_allowed(uid: int | None, own: int | None = None) -> bool:
    """Whether a client of user ``uid`` may ask: this user only (None: unknown, trusted
    to the socket's mode)."""
    return uid is None or uid == (os.getuid() if own is None else own)


def parse_request(data: bytes) -> dict:
    """A request's JSON -> its fields, checked; ValueError for anything else (a hostile
    or broken client: the watcher closes the connection and goes on)."""
    message = json.loads(data.decode("utf-8"))
    if not isinstance(message, dict):
        raise ValueError("not an object")
    argv, cwd, env = message.get("argv"), message.get("cwd"), message.get("env")
    if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv)):
        raise ValueError("argv")
    if not isinstance(cwd, str) or not os.path.isabs(cwd) or "\0" in cwd:
        raise ValueError("cwd")
    if not (isinstance(env, dict) and all(isinstance(k, str) and isinstance(v, str)
                                          and k and "=" not in k and "\0" not in k + v
                                          for k, v in env.items())):
        raise ValueError("env")
    for name in ("stdout", "stderr"):
        stream = message.get(name)
        if not (isinstance(stream, dict) and isinstance(stream.get("tty"), bool)
                and isinstance(stream.get("encoding"), str)
                and isinstance(stream.get("errors"), str)):
            raise ValueError(name)
        try:  # a text encoding (not rot13...) and an error handler Python knows
            io.TextIOWrapper(io.BytesIO(), encoding=stream["encoding"])
            codecs.lookup_error(stream["errors"])
        except LookupError as exc:
            raise ValueError(name) from exc
    for name in ("columns", "lines"):
        if not (isinstance(message.get(name), int) and 0 < message[name] < 100_000):
            raise ValueError(name)
    for text in (*argv, cwd, *env, *env.values()):
        if "\0" in text:
            raise ValueError("a NUL")
        os.fsencode(text)  # (UnicodeEncodeError, a ValueError: a lone surrogate not from a byte)
    return message


def _frame(kind: bytes, payload: bytes = b"") -> bytes:
    return kind + struct.pack(">I", len(payload)) + payload


class _Output(io.BytesIO):
    """A captured stream: says it is a terminal when the client's is."""

    def __init__(self, tty: bool, frames: list, kind: bytes):
        super().__init__()
        self.tty, self.frames, self.kind = tty, frames, kind

    def isatty(self) -> bool:
        return self.tty

    def flush(self) -> None:  # stdout and stderr in the order written
        data = self.getvalue()
        if data:
            self.frames.append((self.kind, data))
            self.seek(0)
            self.truncate()


class AnswerCache:
    """Answers served (their frames), by request, for one generation of the index:
    ``generation`` changes whenever the watcher applies a change, and every kept answer
    goes with it.  Safe because the watcher answers only after applying every event
    received before the request (its barrier): a request meets the generation that
    includes every change made before it.  At most ``limit`` bytes; the answer used
    least recently goes first."""

    def __init__(self, limit: int = KEPT_BYTES):
        self.limit, self.generation, self.size = limit, 0, 0
        self.answers: dict[str, list[bytes]] = {}

    def _meet(self, generation: int) -> None:
        if generation != self.generation:
            self.answers.clear()
            self.generation, self.size = generation, 0

    def get(self, key: str, generation: int) -> list[bytes] | None:
        """The frames kept for ``key`` in ``generation``; None when there are none."""
        self._meet(generation)
        frames = self.answers.pop(key, None)
        if frames is not None:
            self.answers[key] = frames  # (used last: goes last)
        return frames

    def put(self, key: str, generation: int, frames: list[bytes]) -> None:
        """Keep ``frames``, the answer to ``key`` made in ``generation`` (not when larger
        than the limit)."""
        self._meet(generation)
        size = sum(map(len, frames))
        if size > self.limit:
            return
        old = self.answers.pop(key, None)
        self.size -= sum(map(len, old)) if old else 0
        while self.answers and self.size + size > self.limit:
            self.size -= sum(map(len, self.answers.pop(next(iter(self.answers)))))
        self.answers[key] = frames
        self.size += size


def kept_key(command: str, message: dict) -> str | None:
    """The key an answer to ``message`` is kept under (the whole request), or None when
    its command's answer is not kept (KEPT_COMMANDS)."""
    if command not in KEPT_COMMANDS:
        return None
    return json.dumps(message, sort_keys=True, ensure_ascii=False)


class Watcher:
    """One vault's watcher: its listing, its open vault, its socket."""

    def __init__(self, session: app.Session, command: "click.Command", poll: bool,
                 log: Callable[[str], None]):
        from .index import CacheInsideVault, index_file

        self.session, self.command, self.poll, self.log = session, command, poll, log
        self.root = Path(os.path.realpath(session.root))
        if not self.root.is_dir():
            raise app.UsageProblem(f"vault not found: {session.root}")
        self.root_id = _identity(self.root)  # the folder watched: renamed or replaced, it ends
        self.ended = False  # the vault's folder went: no more answers, the watcher stops
        try:
            self.location = index_file(self.root, session.cache_dir)
        except CacheInsideVault as exc:
            raise app.UsageProblem(str(exc)) from None
        self.folder = self.location.parent
        self.socket_path = self.folder / SOCKET_NAME
        self.barriers = self.folder / BARRIER_FOLDER
        self.config_dir = session.config_dir
        self.vault: Vault | None = None
        self.listing: Listing | None = None
        self.events: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.counter = itertools.count(1)
        self.pending: set[tuple[int, str]] = set()
        self.positions: dict[str, int] | None = None
        self.clients: queue.Queue = queue.Queue()  # (connection, request) admitted
        self.running = False  # a client's command is running (others are turned away)
        self.server: socket.socket | None = None
        self.lock_fd: int | None = None
        self.generation = 0  # raised whenever the vault is opened again (a change applied)
        self.kept = AnswerCache()
        # Backlinks kept across changes, brought up to date from each update's changes
        # (answers.KeptBacklinks), and the index's generation they are of (None: unknown).
        self.backlinks = KeptBacklinks()
        self.index_generation: str | None = None
        self.listing_due = False  # the index's listing is left for the watcher to store

    # -- start and stop -----------------------------------------------------------
    def claim(self) -> None:
        """Take the vault's lock (UsageProblem: another watcher holds it) and its socket."""
        from .places import private_folder, private_umask

        try:
            private_folder(self.folder)
        except OSError as exc:
            raise app.UsageProblem(f"cannot use the index's folder {self.folder}: {exc}") from None
        if len(os.fsencode(self.socket_path)) > MAX_SOCKET_PATH:
            raise app.UsageProblem(f"the socket's path {self.socket_path} is too long for a Unix "
                                   "socket: give a shorter --cache-dir")
        with private_umask():
            self.lock_fd = os.open(self.folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(self.lock_fd, self.root)
        except app.UsageProblem:
            os.close(self.lock_fd)
            self.lock_fd = None
            raise
        os.ftruncate(self.lock_fd, 0)
        os.pwrite(self.lock_fd, f"{os.getpid()}\n".encode(), 0)
        # Ours now (we hold the lock): a socket left by a watcher that died is stale.
        self.socket_path.unlink(missing_ok=True)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with private_umask():
            server.bind(str(self.socket_path))
        os.chmod(self.socket_path, 0o600)
        self.server = server
        self.bound = os.lstat(self.socket_path).st_ino
        with private_umask():
            self.barriers.mkdir(mode=0o700, exist_ok=True)
        for old in os.listdir(self.barriers):
            (self.barriers / old).unlink(missing_ok=True)

    def close(self) -> None:
        """Stop watching, remove the socket (if still ours), close the index."""
        self.stop.set()  # (the thread's watch ends within STEP_MS)
        if self.server is not None:
            try:
                self.server.shutdown(socket.SHUT_RDWR)  # (wakes the thread in accept)
            except OSError:
                pass
            self.server.close()
            try:
                if os.lstat(self.socket_path).st_ino == self.bound:
                    self.socket_path.unlink()
            except OSError:
                pass
        if self.vault is not None:
            self.vault.close()
            self.vault = None
            self.store_listing()
        if self.lock_fd is not None:
            os.close(self.lock_fd)  # (the lock goes with it; the file stays: see claim)

    def start_notify(self) -> None:
        """Start watching the vault and the barrier folder, in a thread (one watcher, one
        queue of events); by polling when asked, or once file-system events failed."""
        thread = threading.Thread(target=self._receive, name="vaultgraph-watch", daemon=True)
        thread.start()

    def _receive(self) -> None:
        """(thread) Each batch of events onto the queue, and a byte into the wake-up pipe;
        a failure of the watcher (the system's watch limit...) likewise."""
        from watchfiles import watch

        try:
            for changes in watch(self.root, self.barriers, watch_filter=None,
                                 debounce=DEBOUNCE_MS, step=STEP_MS, stop_event=self.stop,
                                 rust_timeout=500, raise_interrupt=False,
                                 force_polling=True if self.poll else None,  # (None: its own
                                 # choice: WATCHFILES_FORCE_POLLING, WSL)
                                 poll_delay_ms=POLL_MS,
                                 ignore_permission_denied=True):
                self.events.put(changes)
                os.write(self.wake_w, b".")
        except Exception as exc:
            if not self.stop.is_set():
                self.events.put((_RESCAN, f"{type(exc).__name__}: {exc}"))
                os.write(self.wake_w, b"!")

    def barrier(self, timeout: float) -> bool:
        """Make a file in the barrier folder and wait up to ``timeout`` s for its event:
        whether it came -- then every event of a change made before has come too (one
        queue, in order) and is in ``pending``."""
        path = self.barriers / str(next(self.counter))
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        try:
            return self.take_events(str(path), timeout)
        finally:
            path.unlink(missing_ok=True)

    def await_watching(self) -> None:
        """Wait until the watcher sees changes (its first barrier event); UsageProblem
        after START_SECONDS."""
        deadline = time.monotonic() + START_SECONDS
        while not self.barrier(0.2):
            if time.monotonic() > deadline:
                raise app.UsageProblem(f"no file-system event came in {START_SECONDS} s; try --poll")

    # -- the listing and the vault ----------------------------------------------
    def list_all(self) -> None:
        """A full listing, the index brought up to date with it, the vault opened."""
        from .files import list_vault
        from .index import open_updated

        started = time.monotonic()
        self.listing = list_vault(self.root, self.config_dir)
        self.positions = None
        if self.vault is not None:
            self.vault.close()
            self.vault = None
        # (brought up to date first without keeping the notes it parses: a Vault keeps
        # those of its own update in memory, all of them after a cold build)
        index = open_updated(self.root, self.location, self.listing.stats,
                             self.session.progress())
        if index is not None:
            index.close()
        self._open(self.listing)
        self.log(f"listed {len(self.listing.stats):,} files ({len(self.listing.stats.notes):,} "
                 f"notes) in {time.monotonic() - started:.2f} s")

    def _open(self, listing: "Listing", hint: "Hint | None" = None) -> None:
        from .index import generation
        from .vault import VaultError, load

        self.generation += 1  # (first: no answer kept from now on is of the old index)
        if self.vault is not None:  # (first: its read transaction would hold the WAL back)
            self.vault.close()
            self.vault = None
        before, self.index_generation = self.index_generation, None
        try:
            self.vault = load(self.root, self.config_dir, progress=self.session.progress(),
                              cache=True, cache_dir=self.folder.parent, _listing=listing,
                              _hint=hint)
        except VaultError as exc:
            self.backlinks.changed(None)
            raise app.UsageProblem(str(exc)) from None
        if self.vault.throwaway:
            self.log("the index could not be written now (locked by another run?): "
                     "answering from a throwaway one")
        else:
            self.index_generation = generation(self.vault.connection)
        self.backlinks.changed(_edge_changes(before, self.index_generation,
                                             self.vault.index_changes))
        self.vault.backlink_keeper = self.backlinks
        self.listing_due = False

    def store_listing(self) -> None:
        """The listing the last updates left for later stored in the index (index.Hint):
        unless another run wrote it since (it stored its own)."""
        from .index import store_listing

        if self.listing_due and self.index_generation is not None and self.listing:
            store_listing(self.location, self.listing.stats, self.index_generation)
        self.listing_due = False

    def take_events(self, until: str | None = None, timeout: float = 0.0) -> bool:
        """Move the events received into ``pending``; with ``until`` (a path), wait up to
        ``timeout`` s for its event.  Whether it came (True without ``until``)."""
        deadline = time.monotonic() + timeout
        seen = until is None
        while True:
            try:
                if seen:
                    batch = self.events.get_nowait()
                else:
                    batch = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return seen
            if isinstance(batch, tuple):  # the watcher failed: poll from now on, list everything
                self.log(f"watching failed ({terminal(batch[1])}): polling from now on, "
                         "and listing the vault again")
                self.poll = True
                self.pending.add((0, ""))
                self.start_notify()
                continue
            self.pending |= batch
            if not seen and any(path == until for _, path in batch):
                seen = True

    def apply(self) -> None:
        """Bring the listing and the index up to date with the pending events."""
        if not self.pending:
            return
        started = time.monotonic()
        changes, self.pending = self.pending, set()
        paths = {path for _, path in changes if not path.startswith(str(self.barriers))}
        if not paths:
            return
        changed = self._stat(paths)
        if changed is None:
            self.list_all()
            return
        from .files import FileStats, Listing

        stats = self.listing.stats
        # (a file made and removed at once -- an editor's test file -- changes nothing)
        changed = {rel: value for rel, value in changed.items() if value is not None or rel in stats}
        if not changed:
            return
        same_files = all(value is not None and rel in stats for rel, value in changed.items())
        if same_files:
            # the same files, some of them changed: the listing is patched in place (its
            # paths, notes and order stand; building it anew is most of an edit at 100k)
            numbers = stats.numbers
            for rel, value in changed.items():
                at = self._position(rel) * 2
                stats[rel] = value
                numbers[at], numbers[at + 1] = value
            stats.taken_at = self._taken_at
        else:
            files = dict(stats)
            for rel, value in changed.items():
                if value is None:
                    files.pop(rel, None)
                else:
                    files[rel] = value
            stats = FileStats(sorted(files.items()), self._taken_at)
            self.positions = None
        self.listing = Listing(self.listing.config, stats, self.listing.found)
        # The index is compared with the paths changed alone while it is at the generation
        # this watcher left it at (index.Hint); the same files, only changed: their
        # listing is stored once the watcher is idle (LISTING_IDLE_SECONDS), not by each
        # edit (5.6 MB at 100k files)
        hint = None
        if self.index_generation is not None:
            from .index import Hint

            hint = Hint(frozenset(changed), self.index_generation, listing=not same_files)
        self._open(self.listing, hint)
        self.listing_due = same_files and hint is not None
        self.log(f"{len(paths)} path{'s' if len(paths) > 1 else ''} changed: index up to date "
                 f"in {time.monotonic() - started:.3f} s")

    def reconcile(self) -> None:
        """(idle) List the vault and compare with the listing the events kept: a change no
        event told of (an overflow watchfiles does not report, a write through a shared
        mmap, a network file system) is found here and the vault listed again."""
        from .files import discover

        stats, _ = discover(self.root)
        kept = self.listing.stats
        if stats.path_bytes != kept.path_bytes or stats.numbers != kept.numbers:
            self.log("the files differ from what the events told: listing the vault again")
            self.list_all()

    def _position(self, rel: str) -> int:
        """Where ``rel`` is in the listing (its order: path order)."""
        if self.positions is None:
            self.positions = {path: at for at, path in enumerate(self.listing.stats)}
        return self.positions[rel]

    def _stat(self, paths: set[str]) -> dict | None:
        """``paths`` (absolute, as events name them) stat'ed again: vault path -> (size,
        change time), or None for a file gone; None when only a full listing can tell
        (see the module's docstring)."""
        from .files import MAX_FOLDER_DEPTH

        if "" in paths or len(paths) >= RESCAN_AFTER:
            return None
        self._taken_at = time.time_ns()
        files = self.listing.stats
        changed: dict[str, tuple[int, int] | None] = {}
        top = str(self.root) + os.sep
        config = self.config_dir.strip("/")
        known_problems = {d.path for d in self.listing.found}
        for path in sorted(paths):
            if not path.startswith(top):
                continue
            rel = path[len(top):].replace(os.sep, "/")
            parts = rel.split("/")
            if any(part.startswith(".") for part in parts):
                if rel == f"{config}/app.json":
                    return None  # the vault's settings: read again with everything
                continue  # not part of the vault
            if rel in known_problems or len(parts) > MAX_FOLDER_DEPTH:
                return None
            try:
                rel.encode("utf-8")
                info = os.lstat(path)
            except FileNotFoundError:
                changed[rel] = None
                if rel not in files and any(key.startswith(rel + "/") for key in files):
                    return None  # a folder gone or moved away
                continue
            except (OSError, UnicodeEncodeError):
                return None
            if not stat.S_ISREG(info.st_mode):
                return None  # a folder (new or moved: its files), a symlink, a FIFO...
            if not os.path.realpath(os.path.dirname(path)).startswith(top):
                if os.path.dirname(path) != str(self.root):
                    return None  # under a folder symlink: discover's rules
            changed[rel] = (info.st_size, max(info.st_mtime_ns, info.st_ctime_ns))
        return changed

    # -- serving ------------------------------------------------------------------
    def lend(self, session: app.Session) -> "Vault":
        """app.Session.lender: the open vault, for a session of this vault and index."""
        if not session.use_cache or self.vault is None:
            raise NotServed("no index")
        if os.path.realpath(session.root) != str(self.root) or \
                session.config_dir != self.config_dir:
            raise NotServed("another vault")
        from .index import index_file

        # (the same folder however it is written: `--cache-dir ../c`, `./c/../c`, a symlink)
        if os.path.realpath(index_file(Path(session.root), session.cache_dir)) != \
                os.path.realpath(self.location):
            raise NotServed("another index")
        # the root as the command names it (`--vault .`: a report's vault name, files read
        # from the client's folder), as its own run's Vault would have it; given back after
        self.vault.root = Path(session.root)
        return self.vault

    def serve_forever(self) -> None:
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        self.start_notify()
        self.await_watching()
        self.list_all()  # (after the watch began: nothing changed meanwhile is missed)
        self.take_events()
        self.apply()
        from . import parse, render, views  # imported now, not by the first edit or answer

        del parse, render, views
        # The collector stays off while a command runs, as in the CLI (cli.main: a command
        # makes hundreds of thousands of objects, none in cycles worth scanning for);
        # what it left is collected after its answer is sent, with what is resident
        # frozen out of the scan.
        gc.collect()
        gc.freeze()
        self.server.listen(16)
        self.log(f"watching {terminal(str(self.root))} ({'polling' if self.poll else 'events'});"
                 f" answering on {self.socket_path}")
        sys.setswitchinterval(0.001)  # (a client's first byte waits for the thread's turn)
        threading.Thread(target=self._admit, name="vaultgraph-clients", daemon=True).start()
        selector = selectors.DefaultSelector()
        selector.register(self.wake_r, selectors.EVENT_READ)
        every = reconcile_seconds()
        while True:
            if not selector.select(LISTING_IDLE_SECONDS if self.listing_due else every):
                if self.listing_due:
                    self.store_listing()
                    continue
                if _identity(self.root) != self.root_id:
                    self.log("the vault's folder is gone or replaced: stopping")
                    self.ended = True
                    return
                self.reconcile()
                continue
            try:
                while os.read(self.wake_r, 4096):
                    pass
            except BlockingIOError:
                pass
            self.take_events()
            self.apply()
            while True:
                try:
                    connection, message = self.clients.get_nowait()
                except queue.Empty:
                    break
                with connection:
                    self.handle(connection, message)
                gc.collect()
                if self.ended:
                    return

    def _admit(self) -> None:
        """(thread) Each client: refused when of another user; its request read (bounded,
        JSON) and ``A`` said at once, then queued for the main thread -- unless that is
        running another client's command: then the connection is closed at once and the
        client runs its command itself (a watcher busy bringing its index up to date is
        waited for: that is what the client would do first)."""
        while not self.stop.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                if self.stop.is_set():
                    return
                time.sleep(0.01)
                continue
            try:
                if self.running:
                    connection.close()
                    continue
                if not peer_allowed(peer_uid(connection)):
                    self.log("refused a client of another user")
                    connection.close()
                    continue
                connection.settimeout(REQUEST_SECONDS)
                head = _receive_exactly(connection, 4)
                size = struct.unpack(">I", head)[0]
                if size > MAX_REQUEST:
                    raise ValueError(f"request of {size} bytes")
                message = parse_request(_receive_exactly(connection, size))
                connection.sendall(b"A")
            except (OSError, ValueError, UnicodeError, RecursionError, MemoryError) as exc:
                self.log(f"client dropped: {terminal(str(exc)) or type(exc).__name__}")
                connection.close()
                continue
            self.clients.put((connection, message))
            os.write(self.wake_w, b"c")

    def handle(self, connection: socket.socket, message: dict) -> None:
        """One client's request: the events applied, the command run, its output sent;
        anything wrong with the client ends its connection only."""
        try:
            started = time.monotonic()
            connection.settimeout(SEND_SECONDS)
            frames = self.answer(message)
            what = " ".join(message["argv"])
            what = what if len(what) <= 100 else what[:99] + "…"
            self.log(("declined" if frames[0][:1] == b"N" else "answered")
                     + f" `{terminal(what)}` in {time.monotonic() - started:.3f} s")
            connection.sendall(b"".join(frames))
        except OSError as exc:
            self.log(f"client dropped: {terminal(str(exc)) or type(exc).__name__}")

    def answer(self, message: dict) -> list[bytes]:
        """The frames answering ``message`` (``N`` when it is to run in the client)."""
        found = served(message["argv"], message["env"])
        if found is None:
            return [_frame(b"N")]
        if _identity(self.root) != self.root_id:
            # renamed, removed or replaced by another folder of the same name: events of
            # the folder now at that path never reach this watcher
            self.log("the vault's folder is gone or replaced: stopping")
            self.ended = True
            return [_frame(b"N")]
        if self.poll:
            # Polling gives no order between the barrier folder and the vault (a write may
            # be found after the barrier's file) and compares modification times only (a
            # rewrite keeping size and mtime, as rsync -a does, goes by): every answer
            # follows a listing of the vault, compared with size and change time.
            self.take_events()
            self.apply()
            self.reconcile()
        elif not self.barrier(BARRIER_SECONDS):
            self.log("events late: the client answers itself")
            return [_frame(b"N")]
        self.apply()
        key = kept_key(found[0], message)
        if key is not None:
            kept = self.kept.get(key, self.generation)
            if kept is not None:
                self.log("the answer kept from the last same request:")
                return kept
        generation = self.generation
        self.running = True
        try:
            frames = self.run(message)
        finally:
            self.running = False
        if key is not None and frames[-1] == _frame(b"X", struct.pack(">i", 0)) \
                and generation == self.generation:
            self.kept.put(key, generation, frames)
        return frames

    def run(self, message: dict) -> list[bytes]:
        """Run the command of ``message`` in this process over the open vault, as the
        client's own run would: its folder, environment, terminal; output captured."""
        from .codec import ROW_ERRORS, DamagedIndex
        from .process import Interrupted

        captured: list[tuple[bytes, bytes]] = []
        out, err = message["stdout"], message["stderr"]
        stdout = io.TextIOWrapper(_Output(out["tty"], captured, b"O"), encoding=out["encoding"],
                                  errors=out["errors"], write_through=True)
        stderr = io.TextIOWrapper(_Output(err["tty"], captured, b"E"), encoding=err["encoding"],
                                  errors=err["errors"], write_through=True)
        env = dict(message["env"])
        env.setdefault("COLUMNS", str(message["columns"]))
        env.setdefault("LINES", str(message["lines"]))
        saved = sys.stdout, sys.stderr, dict(os.environ), os.getcwd()
        try:
            os.chdir(message["cwd"])
        except OSError:
            return [_frame(b"N")]
        try:
            os.environ.clear()
            os.environ.update(env)
            sys.stdout, sys.stderr = stdout, stderr
            app.Session.lender = self.lend
            try:
                self.command.main(args=message["argv"], prog_name="vaultgraph", obj=[])
                code: Any = 0
            except SystemExit as exc:
                code = exc.code
            except NotServed:
                return [_frame(b"N")]
            except Interrupted:
                raise
            except (DamagedIndex, *ROW_ERRORS):  # the index proved damaged: made anew
                self._heal()
                return [_frame(b"N")]
            except OSError as exc:
                where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
                stderr.write(f"vaultgraph: I/O error: {exc.strerror or exc}{where}\n")
                code = 2
            except Exception as exc:
                if env.get("VAULTGRAPH_DEBUG"):
                    stderr.write(traceback.format_exc())
                stderr.write(f"vaultgraph: internal error: {type(exc).__name__}: "
                             f"{terminal(str(exc))} (set VAULTGRAPH_DEBUG=1 for the traceback)\n")
                code = 3
            if code is None:
                code = 0
            elif not isinstance(code, int):
                stderr.write(f"{code}\n")
                code = 1
            stdout.flush()
            stderr.flush()
        finally:
            app.Session.lender = None
            if self.vault is not None:
                self.vault.root = self.root
            sys.stdout, sys.stderr = saved[0], saved[1]
            os.environ.clear()
            os.environ.update(saved[2])
            os.chdir(saved[3])
        frames = [_frame(kind, data[i:i + CHUNK]) for kind, data in captured
                  for i in range(0, len(data), CHUNK)]
        frames.append(_frame(b"X", struct.pack(">i", code)))
        return frames

    def _heal(self) -> None:
        from .index import Index

        self.log("the index proved damaged: making it anew")
        if self.vault is not None:
            self.vault.close()
            self.vault = None
        Index(self.location).clear()
        self._open(self.listing)


def _edge_changes(before: str | None, now: str | None,
                  update: tuple[str | None, str | None, set[str] | None] | None
                  ) -> set[str] | None:
    """The notes whose backlink rows may differ between the index's generation
    ``before`` (the one answered from until now) and ``now``, given what this watcher's
    own update wrote (``update``: Vault.index_changes); None when that cannot be told --
    a generation unknown, or another run wrote in between (its changes are not known)."""
    if before is None or now is None:
        return None
    if update is None:  # (this update wrote nothing)
        return set() if now == before else None
    since, after, sources = update
    return sources if since == before and after == now else None


def _identity(folder: Path) -> tuple[int, int] | None:
    """(device, inode) of ``folder``, None when it is gone or not a folder."""
    try:
        info = os.stat(folder)
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISDIR(info.st_mode) else None


def reconcile_seconds(env=os.environ) -> float:
    """How long an idle watcher waits before it lists the vault to compare
    (:meth:`Watcher.reconcile`): ``$VAULTGRAPH_WATCH_RECONCILE_S``, else
    :data:`RECONCILE_SECONDS`."""
    given = env.get("VAULTGRAPH_WATCH_RECONCILE_S", "")
    return float(given) if given.isdigit() and int(given) > 0 else RECONCILE_SECONDS


def _lock(fd: int, root: Path) -> None:
    """Lock the watcher's lock file ``fd`` (held until it is closed); UsageProblem naming
    the pid written in it when another watcher holds it."""
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        other = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        raise app.UsageProblem(f"a watcher is already running for {root}"
                               + (f" (pid {other})" if other.isdigit() else "")) from None


def _receive_exactly(connection: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = connection.recv(min(left, 1 << 16))
        if not chunk:
            raise ValueError("connection closed mid-request")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


LOG_NAME = "watch.log"


def start_detached(session: app.Session, poll: bool) -> str:
    """`watch --detach`: start the watcher as a process of its own (a new session: the
    terminal's Ctrl-C does not reach it; its log in ``watch.log`` beside its socket) and
    wait until it answers.  The line to tell the user; UsageProblem, with the end of its
    log, when it ended instead (another watcher running...)."""
    import subprocess

    from .index import CacheInsideVault, index_file
    from .places import private_folder, private_umask

    root = Path(session.root).absolute()
    try:
        folder = index_file(root, session.cache_dir).parent
        private_folder(folder)
    except (CacheInsideVault, OSError) as exc:
        raise app.UsageProblem(str(exc)) from None
    argv = [sys.executable, "-m", "vaultgraph", "--vault", str(root),
            "--config-dir", session.config_dir]
    if session.cache_dir:
        argv += ["--cache-dir", str(Path(session.cache_dir).absolute())]
    argv += ["watch"] + (["--poll"] if poll else [])
    try:  # (said here, before the log is touched: that watcher writes to it)
        fd = os.open(folder / LOCK_NAME, os.O_RDONLY)
    except FileNotFoundError:
        pass
    else:
        try:
            _lock(fd, root)
        finally:
            os.close(fd)  # (the lock taken, if it was, goes with it)
    log = folder / LOG_NAME
    with private_umask(), open(log, "wb") as stream:  # (no watcher writes to it now)
        start = 0
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=stream, start_new_session=True)
    while True:
        with open(log, "rb") as stream:
            stream.seek(start)
            text = stream.read().decode("utf-8", "replace")
        if "answering on" in text:
            return f"watching {root} as pid {child.pid} (stop it with: kill {child.pid}); log: {log}"
        if child.poll() is not None:
            last = text.strip().splitlines()[-1:] or [f"exit status {child.returncode}"]
            raise app.UsageProblem(f"the watcher did not start: {last[0]}")
        time.sleep(0.05)


def serve(session: app.Session, command: "click.Command", poll: bool = False) -> None:
    """`watch`: run the watcher of ``session``'s vault until interrupted (Ctrl-C:
    Interrupted, exit 130; the socket removed).  ``command``: the CLI's click group,
    which runs each request.  UsageProblem (exit 2) for --no-cache, a vault not found, an
    index inside it, or another watcher running for the vault."""
    if not session.use_cache:
        raise app.UsageProblem("--no-cache: a watcher keeps the index; there is none to keep")
    if not hasattr(socket, "AF_UNIX") or os.name != "posix":
        raise app.UsageProblem("vaultgraph watch needs Unix sockets (Linux, macOS)")
    stderr = sys.stderr

    def log(line: str) -> None:
        try:
            stderr.write(f"vaultgraph watch: {line}\n")
            stderr.flush()
        except (OSError, ValueError):
            pass

    watcher = Watcher(session, command, poll, log)
    watcher.claim()
    try:
        watcher.serve_forever()
    finally:
        watcher.close()
        log("stopped")
    if watcher.ended:
        raise app.UsageProblem(f"the vault's folder is gone or replaced: {session.root}")
