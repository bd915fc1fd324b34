"""The process as a Unix tool: signals, worker processes and the output stream.

- SIGINT (Ctrl-C) and SIGTERM end a run with exit status 128 + the signal's number
  (130, 143), at once and without a traceback (:func:`catch_signals`,
  :class:`Interrupted`).  Where a half-done step would leave the index inconsistent
  (writing a note's rows, committing), the signal is held to the end of the step
  (:func:`held`); a second signal meanwhile is not held.
- Worker processes (:func:`worker_pool`) ignore SIGINT (a terminal sends it to the whole
  process group: only the parent decides), are terminated by the parent when it stops
  early, and die with it however it ends: on Linux the kernel kills them when it goes
  (``prctl(PR_SET_PDEATHSIG)``), elsewhere too a watchdog thread ends each one within
  a second of its parent going (the parent pid changes).
- A closed stdout (the reader went: ``| head -1``) or a failed write to it (``> /dev/full``:
  no space left) is raised as :class:`OutputClosed` / :class:`OutputFailed`, which are no
  OSError: nothing on the way (click, rich) takes them for another error
  (:func:`guard_stdout`).  A stdout or stderr the caller closed (``>&-``) is held on the
  null device, so no file opened later takes its number (:func:`hold_standard_fds`).
"""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")
SIGNALS = (signal.SIGINT, signal.SIGTERM)
WATCHDOG_SECONDS = 0.5  # how often a worker checks that its parent is still there


class Interrupted(BaseException):
    """A signal (SIGINT, SIGTERM) asked the run to stop: exit status 128 + ``signum``.

    A BaseException, as KeyboardInterrupt is, so that no ``except Exception`` takes it;
    not a KeyboardInterrupt, which click turns into "Aborted!" and exit status 1."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class OutputClosed(BaseException):
    """stdout's reader has gone (EPIPE): the run ends quietly, exit status 141 (128 + SIGPIPE)."""


class OutputFailed(BaseException):
    """Writing stdout failed (a full disk, an I/O error): ``error`` is the OSError."""

    def __init__(self, error: OSError):
        super().__init__(error)
        self.error = error


_owner: int | None = None  # the pid whose signals are handled here (a forked worker is another)
_cli = False  # catch_signals() was called: Interrupted, else (library use) KeyboardInterrupt
_holding = 0  # depth of held() blocks
# A signal not yet acted on: received while held, or raised where Python drops what a
# handler raises (an at-fork hook, a __del__): then the next let_through or held() end,
# or main() at the end of the run, raises it.
_held: int | None = None


def _on_signal(signum: int, frame) -> None:
    global _held
    if os.getpid() != _owner:  # a forked worker, before its initializer took over
        if signum == signal.SIGINT:
            return
        os._exit(128 + signum)
    if _holding > 0 and _held is None:
        _held = signum
        return
    _held = signum  # (until it is caught: it may be dropped on the way)
    raise _interrupt(signum)


def pending() -> int | None:
    """The signal received and not yet acted on, if any (see ``_held``)."""
    return _held


def catch_signals() -> None:
    """SIGINT and SIGTERM raise :class:`Interrupted` in the main thread from now on (call
    it first thing, from the main thread)."""
    global _owner, _cli
    _owner, _cli = os.getpid(), True
    for signum in SIGNALS:
        signal.signal(signum, _on_signal)


@contextmanager
def held() -> Iterator[None]:
    """A step not to be cut in the middle: a signal received inside is raised at its end
    (as :class:`Interrupted`, or KeyboardInterrupt when :func:`catch_signals` was not
    called); a second one is raised at once.  :func:`let_through` opens it where waiting
    may be cut.  In a thread other than the main one (where no signal handler runs) it
    does nothing."""
    global _holding
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    borrowed = None  # library use: SIGINT taken over for the step (SIGTERM left alone)
    if _owner != os.getpid() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        borrowed = signal.signal(signal.SIGINT, _on_signal)
        _own_for_now(True)
    _holding += 1
    try:
        yield
    except BaseException as exc:
        signum = _release(borrowed)
        if signum is not None and not isinstance(exc, (Interrupted, KeyboardInterrupt)):
            raise _interrupt(signum) from exc
        raise
    signum = _release(borrowed)
    if signum is not None:
        raise _interrupt(signum)


def _release(borrowed) -> int | None:
    """Leave a held() block: the signal held, if it was the outermost one."""
    global _holding, _held
    _holding -= 1
    if borrowed is not None:
        signal.signal(signal.SIGINT, borrowed)
        _own_for_now(False)
    signum = _held if _holding == 0 else None
    if signum is not None:
        _held = None
    return signum


def _interrupt(signum: int) -> BaseException:
    return Interrupted(signum) if _cli else KeyboardInterrupt()


def _own_for_now(own: bool) -> None:
    global _owner
    _owner = os.getpid() if own else None


def let_through(items: Iterable[T], stopped: list[int]) -> Iterator[T]:
    """``items``, each fetched with signals let through (inside :func:`held`, so that a
    wait for worker processes can be cut): a signal ends the iteration, and its number
    is appended to ``stopped`` (and raised at the end of the :func:`held` block)."""
    global _holding, _held
    items = iter(items)
    if threading.current_thread() is not threading.main_thread():
        yield from items
        return
    while True:
        _holding -= 1
        try:
            if _held is not None:
                signum, _held = _held, None
                raise _interrupt(signum)
            item = next(items)
        except StopIteration:
            return
        except (Interrupted, KeyboardInterrupt) as exc:
            signum = getattr(exc, "signum", signal.SIGINT)
            stopped.append(signum)
            _held = signum  # (raised again at the end of the held() block)
            close = getattr(items, "close", None)
            if close is not None:
                close()
            return
        finally:
            _holding += 1
        yield item


# -- worker processes ---------------------------------------------------------------
def _worker_start(parent: int) -> None:
    """A worker's initializer: leave SIGINT to the parent, die on SIGTERM, and die with
    the parent (``parent``: its pid)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # blocked by the parent while it forked
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            PR_SET_PDEATHSIG = 1
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no libc to call: the watchdog is enough
            pass
    ppid = os.getppid()
    if ppid != parent and not _alive(parent):  # gone before the line above
        os._exit(1)
    threading.Thread(target=_watchdog, args=(ppid, parent), daemon=True,
                     name="vaultgraph-watchdog").start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:  # none (or someone else's under the same pid): ours is gone
        return False
    return True


def _watchdog(ppid: int, parent: int) -> None:
    """End the worker when its parent process has gone (it is then another's child)."""
    import time

    if hasattr(signal, "pthread_sigmask"):  # signals go to the worker's main thread
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGINT, signal.SIGTERM})
    while os.getppid() == ppid and (ppid == parent or _alive(parent)):
        time.sleep(WATCHDOG_SECONDS)
    os._exit(1)


@contextmanager
def worker_pool(workers: int):
    """A ProcessPoolExecutor of ``workers`` processes that never outlive the parent.  Left
    normally, it waits for its workers; left by an exception (an interrupt, a generator
    closed early), it cancels what is pending and ends the workers (:func:`stop_pool`)
    without waiting for their work."""
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_start,
                               initargs=(os.getpid(),))
    try:
        yield pool
    except BaseException:
        with held():  # a second Ctrl-C must not leave the workers running
            stop_pool(pool)
        raise
    pool.shutdown(wait=True)


@contextmanager
def signals_blocked() -> Iterator[None]:
    """SIGINT and SIGTERM blocked (the kernel keeps them pending) until the end: around
    starting worker processes, where a handler would run inside an at-fork hook, which
    drops the exception it raises.  (The workers unblock them once they ignore SIGINT.)"""
    if not hasattr(signal, "pthread_sigmask") or \
            threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def stop_pool(pool, grace: float = 1.0) -> None:
    """Cancel ``pool``'s pending work and end its processes now: SIGTERM, then SIGKILL
    for any still there after ``grace`` seconds; each is waited for (no zombie left)."""
    import time

    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.terminate()
        except (OSError, ValueError, AttributeError):
            pass
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(grace)
        except (OSError, ValueError, AttributeError, AssertionError):
            pass


# -- the output stream --------------------------------------------------------------
class _GuardedOutput(io.RawIOBase):
    """A file descriptor whose write errors are raised as OutputClosed / OutputFailed."""

    def __init__(self, fd: int):
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data) -> int:
        try:
            return os.write(self._fd, data)
        except BrokenPipeError:
            raise OutputClosed() from None
        except OSError as exc:
            raise OutputFailed(exc) from None


def hold_standard_fds() -> None:
    """Keep file descriptors 0, 1 and 2 taken, before anything else is opened.

    One the caller closed (``>&-``, ``2>&-``) would otherwise be the number of the next
    file opened -- the index, a report's temporary file -- and what is written to stdout
    or stderr (``os.write(2, ...)``) would go into it; and Python leaves ``sys.stdout``
    or ``sys.stderr`` None (an AttributeError deep in click or rich).  Each closed one is
    opened on the null device: stdin and stderr as usual (messages are lost, as the
    caller asked), stdout read-only, so each write to it fails (EBADF) and the run ends
    as on any failed write (one line, exit 2), as ``ls >&-`` does."""
    for fd, flags in ((0, os.O_RDONLY), (1, os.O_RDONLY), (2, os.O_WRONLY)):
        try:
            os.fstat(fd)
            continue
        except OSError:
            pass
        try:
            opened = os.open(os.devnull, flags)
        except OSError:
            continue
        if opened != fd:
            os.dup2(opened, fd)
            os.close(opened)
    if sys.stdout is None:
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
    if sys.stderr is None:
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)


def guard_stdout() -> None:
    """Make ``sys.stdout`` raise :class:`OutputClosed` / :class:`OutputFailed` on a write
    error (same encoding, error handler and buffering as it had)."""
    stream = sys.stdout
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (embedded, tests): as it is
        return
    stream.flush()
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(_GuardedOutput(fd)), encoding=stream.encoding,
                                  errors=stream.errors, line_buffering=stream.line_buffering,
                                  write_through=getattr(stream, "write_through", False))


def silence_stdout() -> None:
    """After OutputClosed: point stdout at /dev/null, so that nothing written or flushed
    later fails again (Python's recipe for a closed pipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
