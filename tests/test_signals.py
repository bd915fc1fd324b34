"""Signals and pipes, as Unix tools take them: Ctrl-C and SIGTERM end a run at once with
130 and 143 and keep the notes parsed so far; worker processes never outlive the run; a
closed pipe ends quietly with 141; a write error on stdout is one line and exit 2."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import vaultgraph
from vaultgraph import index as index_module
from vaultgraph import process
from vaultgraph.answers import AnswerWriter
from vaultgraph.findings import check_vault
from vaultgraph.index import index_file, update_index

from .conftest import NOTES, ROOT
from .test_index import FOLDERS, NAMES, _body, _write, answers, findings, parsed_contents, \
    stored_contents

posix_only = pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX signals")


# -- holding signals (in this process) ----------------------------------------------
@posix_only
def test_a_signal_inside_held_waits_for_the_end_and_a_second_one_does_not():
    steps = []
    with pytest.raises(KeyboardInterrupt):
        with process.held():
            os.kill(os.getpid(), signal.SIGINT)
            steps.append("went on")  # not cut here
    assert steps == ["went on"]
    with pytest.raises(KeyboardInterrupt):
        with process.held():
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)  # the second one is not held
            steps.append("not reached")
    assert steps == ["went on"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # given back


@posix_only
def test_let_through_stops_the_iteration_and_the_held_block_raises_at_its_end():
    def items():
        yield 1
        os.kill(os.getpid(), signal.SIGINT)  # while the next item is awaited
        yield 2

    got, stopped, after = [], [], []
    with pytest.raises(KeyboardInterrupt):
        with process.held():
            for item in process.let_through(items(), stopped):
                got.append(item)
            after.append("the step ends")  # e.g. what was parsed is committed
    assert (got, stopped, after) == ([1], [signal.SIGINT], ["the step ends"])


@posix_only
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_signal_python_drops_on_the_way_still_stops_the_iteration():
    class Dropping:
        def __del__(self):  # what a handler raises in here, Python drops (and says so)
            os.kill(os.getpid(), signal.SIGINT)

    def items():
        yield 1
        Dropping()
        yield 2
        yield 3

    got, stopped = [], []
    with pytest.raises(KeyboardInterrupt):
        with process.held():
            for item in process.let_through(items(), stopped):
                got.append(item)
    assert (got, stopped) == ([1, 2], [signal.SIGINT])
    assert process.pending() is None


@posix_only
def test_a_signal_while_the_workers_are_forked_is_not_dropped(tmp_path):
    """Python drops what a signal handler raises inside an at-fork hook; signals wait
    while the workers are forked, so one sent then stops the parse like any other."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    generate(index_module.PARALLEL_THRESHOLD + 50, 3, tmp_path / "vault")
    script = (
        "import os, signal, sys\n"
        "from vaultgraph import process\n"
        "from vaultgraph.index import update_index\n"
        "process.catch_signals()\n"
        "os.register_at_fork(after_in_parent=lambda: os.kill(os.getpid(), signal.SIGINT))\n"
        "try:\n"
        "    update_index(sys.argv[1], sys.argv[2])\n"
        "except process.Interrupted as exc:\n"
        "    sys.exit(exc.exit_code)\n")
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path / "vault"),
                           str(tmp_path / "cache")], capture_output=True, text=True, timeout=300)
    assert (proc.returncode, proc.stderr) == (130, "")


# -- an interrupted update keeps what it parsed; the index stays exact --------------
def _interrupt_at(monkeypatch, where: str, at: int, parsed: list[str]) -> None:
    """Send SIGINT to this process when the ``at``-th note is parsed (``where`` =
    "parse") or while its rows are written ("write"); record the paths parsed."""
    real_parse, real_note = index_module.parse_files, AnswerWriter.note

    def parse_files(root, paths, progress=None, digest=False, notes=True):
        for item in real_parse(root, paths, progress, digest, notes):
            if where == "parse" and len(parsed) == at:
                os.kill(os.getpid(), signal.SIGINT)
            parsed.append(item[0])
            yield item

    def note(self, path, fields):
        if where == "write" and path == (parsed[at] if len(parsed) > at else None):
            os.kill(os.getpid(), signal.SIGINT)  # held until the note's rows are written
        return real_note(self, path, fields)

    monkeypatch.setattr(index_module, "parse_files", parse_files)
    monkeypatch.setattr(AnswerWriter, "note", note)


def _change_some(root: Path, rng: random.Random, tick: int, round_: int) -> None:
    """Edit a few notes, add, delete and rename one or two."""
    notes = sorted(root.rglob("*.md"))
    rng.shuffle(notes)
    edited, deleted, renamed = rng.randint(2, 8), rng.randint(0, 2), rng.randint(0, 2)
    for path in notes[:edited]:
        _write(root, path.relative_to(root), _body(rng), tick)
    for path in notes[edited:edited + deleted]:
        path.unlink()
    for n, path in enumerate(notes[edited + deleted:edited + deleted + renamed]):
        target = root / f"{rng.choice(FOLDERS)}{rng.choice(NAMES)}-{round_}-{n}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        path.rename(target)
    for _ in range(rng.randint(0, 2)):  # (a name of an earlier note: linked to already)
        _write(root, f"{rng.choice(FOLDERS)}{rng.choice(NAMES)}.md", _body(rng), tick)


@posix_only
@pytest.mark.parametrize("where", ["parse", "write"])
@pytest.mark.parametrize("resolver", ["sql", "memory"])
def test_an_interrupted_update_keeps_what_it_parsed_and_the_next_run_parses_the_rest(
        tmp_path, monkeypatch, where, resolver):
    """Random changes, each update interrupted at a random note (in the parse, or
    while the note's rows are written): the notes parsed before it are kept, never
    parsed again, and the next run answers exactly what a fresh parse answers."""
    many = {"sql": 10**9, "memory": 0}[resolver]  # links resolved by SQL, or in memory
    monkeypatch.setattr("vaultgraph.index.IN_MEMORY_RESOLVER", many)
    root, cache, rng = tmp_path / "vault", tmp_path / "cache", random.Random(17)
    tick, interrupted = 10**18, 0  # fixed, old mtimes: no racy-mtime re-hashing
    for i, name in enumerate(rng.choices(NAMES, k=30)):
        _write(root, f"{rng.choice(FOLDERS)}{name}{i}.md", _body(rng), tick)
    for round_ in range(12):
        if round_:  # (the first round interrupts a cold build)
            tick += 1_000_000_000
            _change_some(root, rng, tick, round_)
        with monkeypatch.context() as patch:
            first: list[str] = []
            _interrupt_at(patch, where, rng.randint(0, 4), first)
            try:
                update_index(root, cache)
            except KeyboardInterrupt:
                interrupted += 1
            else:
                assert len(first) <= 4  # fewer notes to parse than the interrupt waited for
                continue
            kept = first  # (each note parsed was written whole)
        with sqlite3.connect(index_file(root, cache)) as db:
            rows = {path for (path,) in db.execute("SELECT path FROM files")}
        assert set(kept) <= rows, f"round {round_}"
        with monkeypatch.context() as patch:
            second: list[str] = []
            _interrupt_at(patch, "never", 0, second)
            cached = vaultgraph.load(root, cache=True, cache_dir=cache)
        assert not set(kept) & set(second), f"round {round_}: parsed again"
        fresh = vaultgraph.load(root)
        assert answers(cached) == answers(fresh), f"round {round_}"
        assert stored_contents(root, cache) == parsed_contents(fresh), f"round {round_}"
        assert findings(check_vault(cached)) == findings(check_vault(fresh)), f"round {round_}"
    assert interrupted >= 8


# -- real processes -----------------------------------------------------------------
def _run(args: list[str], cache: Path, **popen) -> subprocess.Popen:
    env = dict(os.environ, VAULTGRAPH_CACHE_DIR=str(cache))
    env.pop("VAULTGRAPH_DEBUG", None)
    return subprocess.Popen([sys.executable, "-m", "vaultgraph", *args], env=env, **popen)


def _processes() -> dict[int, tuple[str, int, int]]:
    """pid -> (state, parent pid, process group) of every process."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            found[int(entry)] = (fields[0], int(fields[1]), int(fields[2]))
    return found


def _live_group(group: int) -> list[int]:
    """Processes of the group that are not dead (a zombie is dead, only not reaped)."""
    return [pid for pid, (state, _, pgrp) in _processes().items()
            if pgrp == group and state not in "ZX"]


def _workers_of(pid: int, timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = [child for child, (state, ppid, _) in _processes().items()
                    if ppid == pid and state not in "ZX"]
        if len(children) >= 2:
            return children
        time.sleep(0.01)
    raise AssertionError("no worker processes started")


def _gone_within(group: int, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := _live_group(group)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _table_rows(root: Path, cache: Path) -> dict:
    tables = ["vault_files", "names", "aliases", "edges", "tags", "headings", "blocks",
              "citations", "properties", "diagnostics"]
    with sqlite3.connect(index_file(root, cache)) as db:
        found = {t: sorted(db.execute(f"SELECT * FROM {t}")) for t in tables}
        found["files"] = sorted(db.execute("SELECT path, size, sha1, note FROM files"))
    return found


@pytest.fixture(scope="module")
def big_vault(tmp_path_factory):
    """A vault parsed in worker processes, with the seconds a cold index of it takes."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    root = tmp_path_factory.mktemp("signals") / "vault"
    generate(3000, 5, root)
    cache = root.parent / "reference"
    start = time.monotonic()
    proc = _run(["--vault", str(root), "index"], cache)
    assert proc.wait(300) == 0
    return root, cache, time.monotonic() - start


needs_proc = pytest.mark.skipif(not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
                                reason="reads /proc; needs worker processes")


@needs_proc
@pytest.mark.slow
def test_ctrl_c_mid_index_exits_130_at_once_and_keeps_the_notes_parsed(big_vault, tmp_path):
    root, reference, seconds = big_vault
    for attempt, share in enumerate((0.4, 0.2, 0.6, 0.1)):
        cache = tmp_path / f"cache{attempt}"
        proc = _run(["--vault", str(root), "index"], cache, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, start_new_session=True)
        _workers_of(proc.pid)
        time.sleep(seconds * share)
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal sends it: to the whole group
        sent = time.monotonic()
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - sent
        if proc.returncode == 0:  # it was done before the signal came: sooner next time
            continue
        assert proc.returncode == 130, err
        assert took < 2, took
        assert err == b"" and out == b""  # no traceback, no "Aborted!", from no process
        assert _gone_within(proc.pid, 0.5) == []  # no worker left
        with sqlite3.connect(index_file(root, cache)) as db:
            kept = db.execute("SELECT count(*) FROM files").fetchone()[0]
        if kept == 0:  # cut before a first batch came back: later next time
            continue
        assert kept < 3000
        proc = _run(["--vault", str(root), "index", "--json"], cache, stdout=subprocess.PIPE)
        data = json.loads(proc.communicate(timeout=300)[0])
        assert proc.returncode == 0
        assert (data["reused"], data["parsed"]) == (kept, 3000 - kept)
        assert _table_rows(root, cache) == _table_rows(root, reference)
        return
    pytest.fail("no attempt was cut in the middle of the parse")


@needs_proc
@pytest.mark.slow
def test_a_throwaway_index_is_removed_however_the_run_ends(big_vault, tmp_path, monkeypatch):
    """--no-cache parses into a throwaway index in a private temporary folder: gone when
    the command ends, by its end, by an error, or by Ctrl-C in the middle of the parse."""
    root, _, seconds = big_vault
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    done = _run(["--vault", str(root), "--no-cache", "backlinks", "Nowhere at all"],
                tmp_path / "unused", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert done.wait(300) == 1  # no such note
    assert list(temporary.iterdir()) == []
    proc = _run(["--vault", str(root), "--no-cache", "check"], tmp_path / "unused",
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    _workers_of(proc.pid)
    seen = []
    for _ in range(200):  # the folder exists while the notes are parsed
        seen = list(temporary.iterdir())
        if seen:
            break
        time.sleep(0.01)
    assert seen and all(p.stat().st_mode & 0o777 == 0o700 for p in seen)
    time.sleep(seconds * 0.2)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert list(temporary.iterdir()) == []
    assert not (tmp_path / "unused").exists()  # the kept index was not touched


@needs_proc
@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_workers_end_with_their_parent(big_vault, tmp_path, signum):
    root, _, seconds = big_vault
    proc = _run(["--vault", str(root), "index", "--rebuild"], tmp_path / "cache",
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    workers = _workers_of(proc.pid)
    time.sleep(seconds * 0.2)
    os.kill(proc.pid, signum)  # the parent alone, as `kill PID` does
    _, err = proc.communicate(timeout=30)
    if signum == signal.SIGTERM:
        assert proc.returncode == 143 and err == b""
    else:
        assert proc.returncode == -signal.SIGKILL
    assert _gone_within(proc.pid, 5) == [], workers


CLOSED_PIPE = [["tags"], ["tags", "--json"], ["check"], ["check", "--format", "json"],
               ["backlinks", "Neuroplasticity"], ["stats"], ["hubs"],
               ["report", "backlinks"], ["export", "--format", "dot"], ["index"], ["--help"]]


@needs_proc
@pytest.mark.parametrize("args", CLOSED_PIPE, ids=" ".join)
def test_a_closed_pipe_ends_quietly_with_141(args, tmp_path):
    # The reader is gone before the first write: as `| head -1` once it has its line.
    read, write = os.pipe()
    os.close(read)
    try:
        proc = _run(["--vault", str(NOTES), *args], tmp_path / "cache", stdout=write,
                    stderr=subprocess.PIPE)
    finally:
        os.close(write)
    _, err = proc.communicate(timeout=120)
    assert (proc.returncode, err.decode()) == (141, "")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("args", [["tags"], ["check", "--format", "json"], ["index"],
                                  ["export", "--format", "json"]], ids=" ".join)
def test_a_full_disk_is_one_line_and_exit_2(args, tmp_path):
    with open("/dev/full", "w") as full:
        proc = _run(["--vault", str(NOTES), *args], tmp_path / "cache", stdout=full,
                    stderr=subprocess.PIPE)
        _, err = proc.communicate(timeout=120)
    lines = err.decode().splitlines()
    assert proc.returncode == 2, lines
    assert lines == ["vaultgraph: cannot write the output: No space left on device"]


@pytest.mark.parametrize("args", [["tags"], ["check", "--format", "json"], ["index"],
                                  ["backlinks", "Neuroplasticity", "--json"]], ids=" ".join)
def test_a_closed_stdout_is_one_line_and_exit_2(args, tmp_path):
    """`>&-`: Python leaves sys.stdout None (an internal error in click or rich); the run
    ends as on any failed write, as `ls >&-` does."""
    proc = _run(["--vault", str(NOTES), *args], tmp_path / "cache", stderr=subprocess.PIPE,
                preexec_fn=lambda: os.close(1))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert err.decode().splitlines() == ["vaultgraph: cannot write the output: Bad file descriptor"]


def test_a_closed_stderr_takes_no_file_s_place(tmp_path):
    """`2>&-`: the run goes on, and what it says on stderr goes nowhere -- not into the file
    that took fd 2 (the report's temporary file, the index)."""
    out = tmp_path / "report.md"
    proc = _run(["--vault", str(NOTES), "report", "backlinks", "-o", str(out)], tmp_path / "cache",
                stdout=subprocess.PIPE, preexec_fn=lambda: os.close(2))
    proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert out.read_text().startswith("---\ntags: [vaultgraph-report]") and "vaultgraph:" not in \
        out.read_text()
    proc = _run(["--vault", str(NOTES), "check", "--format", "json"], tmp_path / "cache",
                stdout=subprocess.PIPE, preexec_fn=lambda: os.close(2))
    report, _ = proc.communicate(timeout=120)
    assert proc.returncode in (0, 1) and json.loads(report)["summary"]["notes"] > 0


@needs_proc
@pytest.mark.slow
def test_ctrl_c_gives_the_terminal_its_cursor_back(big_vault, tmp_path):
    """On a terminal the progress bar hides the cursor: an interrupted run shows it again."""
    import pty
    import threading

    root, _, _ = big_vault
    master, slave = pty.openpty()
    proc = _run(["--vault", str(root), "index"], tmp_path / "cache", stdout=subprocess.DEVNULL,
                stderr=slave, start_new_session=True)
    os.close(slave)
    shown = bytearray()

    def drain():
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the run has ended: EIO
                return
            if not chunk:
                return
            shown.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    hide, show = b"\x1b[?25l", b"\x1b[?25h"
    deadline = time.monotonic() + 120
    while hide not in shown and time.monotonic() < deadline:  # the progress bar is up
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(30) == 130
    reader.join(5)
    os.close(master)
    assert hide in shown, bytes(shown[:300])
    assert shown.rfind(show) > shown.rfind(hide)
    assert b"Traceback" not in shown and b"Aborted" not in shown


def test_an_interrupt_in_process_ends_the_command_with_130(make_vault, tmp_path, monkeypatch):
    """The CLI run in-process (CliRunner, embedded), where SIGINT raises KeyboardInterrupt."""
    from click.testing import CliRunner

    from vaultgraph.cli import cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    root = make_vault({"a.md": "[[b]] #t", "b.md": "x"})
    monkeypatch.setattr(index_module.Index, "update", interrupted)
    result = CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(tmp_path / "c"),
                                      "tags"])
    assert result.exit_code == 130 and "Aborted" not in result.output
