"""`vaultgraph watch` and the CLI asking it (watch.py, ask.py): every answer the watcher
gives equals a fresh `--no-cache` run's, through edits, renames, deletions and new
folders; a dead, stale or silent watcher costs the CLI 100 ms at most, never a wrong
answer; a second watcher of the vault is refused; Ctrl-C stops one cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from vaultgraph import ask
from vaultgraph.index import index_file
from vaultgraph.watch import AnswerCache, kept_key, parse_request, peer_allowed

from .conftest import ROOT

posix_only = pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="Unix sockets")


# -- what is served (in this process) ---------------------------------------------
@pytest.mark.parametrize("argv, command", [
    (["backlinks", "Neuron"], "backlinks"),
    (["--vault", "v", "links", "Neuron", "--json"], "links"),
    (["check", "--format", "json", "--vault=v"], "check"),
    (["check", "--diff"], "check"),
    (["report", "backlinks"], "report"),
    (["backlinks", "--", "--fix"], "backlinks"),  # a NOTE named --fix
    (["check", "--fix"], None),
    (["check", "--fix-only", "cut-link", "--diff"], None),
    (["check", "--write-baseline", "b.json"], None),
    (["report", "backlinks", "-o", "r.md"], None),
    (["export", "-oout.graphml"], None),
    (["export", "--output=out.graphml"], None),
    (["--no-cache", "tags"], None),
    (["tags", "--help"], None),
    (["--version"], None),
    (["mv", "a", "b"], None),
    (["index"], None),
    (["watch"], None),
    (["--vault"], None),
])
def test_only_read_only_commands_are_asked_of_a_watcher(argv, command):
    found = ask.served(argv, {})
    assert (found[0] if found else None) == command


def test_the_wait_for_a_first_byte_is_100_ms_unless_set():
    assert ask.first_byte_seconds({}) == 0.1
    assert ask.first_byte_seconds({"VAULTGRAPH_WATCH_WAIT_MS": "2500"}) == 2.5
    assert ask.first_byte_seconds({"VAULTGRAPH_WATCH_WAIT_MS": "-1"}) == 0.1


def test_no_cache_and_completion_from_the_environment_run_here():
    assert ask.served(["tags"], {"VAULTGRAPH_NO_CACHE": "1"}) is None
    assert ask.served(["tags"], {"VAULTGRAPH_NO_CACHE": "0"})[0] == "tags"
    assert ask.served(["tags"], {"_VAULTGRAPH_COMPLETE": "bash_complete"}) is None


def test_the_socket_is_in_the_index_folder(tmp_path):
    assert Path(ask.socket_path(str(tmp_path / "v"), str(tmp_path / "c"))) == \
        index_file(tmp_path / "v", tmp_path / "c").parent / "watch.sock"


def test_a_client_of_another_user_is_refused():
    assert peer_allowed(1000, own=1000)
    assert not peer_allowed(1001, own=1000)
    assert not peer_allowed(0, own=1000)
    assert peer_allowed(None, own=1000)  # (no SO_PEERCRED: the socket's 0600 decides)


def _request(**changes) -> dict:
    message = {"argv": ["tags"], "cwd": "/", "env": {"HOME": "/root"}, "columns": 80,
               "lines": 25, "stdout": {"tty": False, "encoding": "utf-8", "errors": "strict"},
               "stderr": {"tty": False, "encoding": "utf-8", "errors": "strict"}}
    message.update(changes)
    return message


@pytest.mark.parametrize("data", [
    b"", b"\xff\xfe", b"[]", b"null", b'"tags"', b"{" * 100_000 + b"}" * 100_000,
    json.dumps(_request(argv="tags")).encode(),
    json.dumps(_request(argv=["tags", 3])).encode(),
    json.dumps(_request(cwd="relative")).encode(),
    json.dumps(_request(env={"A=B": "c"})).encode(),
    json.dumps(_request(env={"A": "\0"})).encode(),
    json.dumps(_request(stdout={"tty": 1, "encoding": "utf-8", "errors": "strict"})).encode(),
    json.dumps(_request(stdout={"tty": True, "encoding": "no-such-codec",
                                "errors": "strict"})).encode(),
    json.dumps(_request(stdout={"tty": True, "encoding": "rot13", "errors": "strict"})).encode(),
    json.dumps(_request(stderr={"tty": True, "encoding": "utf-8", "errors": "nope"})).encode(),
    json.dumps(_request(columns=-1)).encode(),
    json.dumps(_request(env={"A": "\ud800"})).encode(),
    json.dumps(_request(argv=["tags", "\ud800"])).encode(),
    b'{"columns": 1' + b"0" * 5000 + b"}",
])
def test_a_hostile_request_is_refused_not_raised(data):
    with pytest.raises((ValueError, RecursionError)):
        parse_request(data)


def test_a_request_as_the_cli_sends_it_is_accepted():
    message = ask.request(["backlinks", "Neuron"])
    assert struct.unpack(">I", message[:4])[0] == len(message) - 4
    assert parse_request(message[4:])["argv"] == ["backlinks", "Neuron"]


@posix_only
def test_a_silent_watcher_is_given_up_after_100_ms(tmp_path):
    """A server that accepts and never answers (a hung watcher): None (run here) after
    the first-byte timeout, not later."""
    folder = tmp_path / "c"
    folder.mkdir(mode=0o700)
    path = str(folder / "watch.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    held = []
    threading.Thread(target=lambda: held.append(server.accept()), daemon=True).start()
    message = ask.request(["tags"])
    started = time.monotonic()
    assert ask.ask(path, message) is None
    assert 0.1 <= time.monotonic() - started < 0.5
    server.close()
    started = time.monotonic()
    assert ask.ask(path, message) is None  # stale: refused at once
    assert time.monotonic() - started < 0.1



def test_kept_answers_go_with_their_generation_and_stay_within_their_bytes():
    kept = AnswerCache(limit=100)
    kept.put("a", 1, [b"x" * 40])
    kept.put("b", 1, [b"y" * 40])
    assert kept.get("a", 1) == [b"x" * 40]  # (a used last: b goes first)
    kept.put("c", 1, [b"z" * 30])
    assert kept.get("b", 1) is None and kept.get("a", 1) and kept.get("c", 1)
    assert kept.size == 70
    kept.put("huge", 1, [b"h" * 101])  # larger than all: not kept, nothing dropped
    assert kept.get("huge", 1) is None and kept.size == 70
    assert kept.get("a", 2) is None  # the index changed: everything kept goes
    assert kept.answers == {} and kept.size == 0
    message = {"argv": ["backlinks", "X"], "cwd": "/", "env": {"A": "1"}}
    assert kept_key("backlinks", message) != kept_key("backlinks", {**message, "env": {"A": "2"}})
    assert kept_key("check", message) is None

def test_a_kept_answer_is_spliced_in_vault_order_and_remakes_only_the_runs_changed():
    """answers.KeptRows / _spliced: the rows of the sources changed are dropped and their
    rows now put in their places (a source new to the answer, first or last, included);
    what a view made of the other runs is not made again."""
    from vaultgraph.answers import Backlink, KeptRows, _runs, _spliced

    def row(source: str, seq: int) -> Backlink:
        return Backlink("hub.md", source, seq, seq + 1, 1, "link", f"{source} {seq}", None)

    rows = KeptRows(_runs([row("b.md", 0), row("b.md", 3), row("d.md", 1), row("f.md", 0)]))
    made: list[str] = []

    def make(run) -> str:
        made.append(run[0].source)
        return "|".join(f"{r.source}{r.seq}" for r in run)

    assert rows.made("x", make) == ["b.md0|b.md3", "d.md1", "f.md0"] and len(made) == 3
    fresh = [row("a.md", 2), row("d.md", 0), row("d.md", 5), row("g.md", 1)]
    after = _spliced(rows, {"a.md", "b.md", "d.md", "g.md"}, fresh)
    assert list(after) == [row("a.md", 2), row("d.md", 0), row("d.md", 5), row("f.md", 0),
                           row("g.md", 1)]
    made.clear()
    assert after.made("x", make) == ["a.md2", "d.md0|d.md5", "f.md0", "g.md1"]
    assert made == ["a.md", "d.md", "g.md"]  # (f.md's part kept)
    assert list(_spliced(after, {"f.md", "zz.md"}, [])) == list(after)[:3] + [row("g.md", 1)]


# -- end to end (subprocesses) ------------------------------------------------------
def _generated(tmp_path: Path, count: int = 120) -> Path:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    vault = tmp_path / "vault"
    generate(count, 7, vault)
    (vault / ".obsidian").mkdir(exist_ok=True)
    return vault


class Watching:
    """A `vaultgraph watch` subprocess over ``vault``, its stderr in a file."""

    def __init__(self, vault: Path, cache: Path, log: Path, env: dict | None = None,
                 options: tuple[str, ...] = ()):
        self.vault, self.cache, self.log = vault, cache, log
        # (a loaded machine can take over 100 ms to say a first byte: waited for longer)
        self.env = {**os.environ, "VAULTGRAPH_CACHE_DIR": str(cache),
                    "VAULTGRAPH_WATCH_WAIT_MS": "5000", **(env or {})}
        self.env.pop("VAULTGRAPH_NO_CACHE", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "vaultgraph", "--vault", str(vault), "watch", *options],
            stdout=subprocess.DEVNULL, stderr=log.open("wb"), env=self.env)
        deadline = time.monotonic() + 120
        while "answering on" not in self.text():
            assert self.process.poll() is None, self.text()
            assert time.monotonic() < deadline, self.text()
            time.sleep(0.05)

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def answered(self) -> int:
        return self.text().count(": answered `")

    def run(self, *args: str, no_cache: bool = False) -> tuple[int, str]:
        env = dict(self.env)
        if no_cache:
            env["VAULTGRAPH_NO_CACHE"] = "1"
        proc = subprocess.run([sys.executable, "-m", "vaultgraph", *args], cwd=self.vault,
                              capture_output=True, text=True, env=env, timeout=300)
        return proc.returncode, proc.stdout + proc.stderr

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)


@pytest.fixture
def watching(tmp_path):
    vault = _generated(tmp_path)
    watcher = Watching(vault, tmp_path / "cache", tmp_path / "watch.log")
    yield watcher
    if watcher.process.poll() is None:
        watcher.process.kill()
        watcher.process.wait()


def _hub(watching: Watching) -> str:
    code, out = watching.run("hubs", "--top", "1", "--json", no_cache=True)
    return json.loads(out)["hubs"][0]["note"]


QUERIES = [("backlinks", "{hub}", "--json"), ("links", "{hub}", "--json"), ("tags", "--json"),
           ("check", "--format", "json"), ("orphans", "--json"), ("wanted", "--json")]


def _same_answers(watching: Watching, hub: str, queries=QUERIES) -> None:
    for query in queries:
        args = [part.format(hub=hub) for part in query]
        served_before = watching.answered()
        got = watching.run(*args)
        assert watching.answered() == served_before + 1, (args, watching.text()[-2000:])
        assert got == watching.run(*args, no_cache=True), args


@posix_only
@pytest.mark.slow
def test_every_answer_of_a_watcher_is_a_fresh_runs_through_edits(watching):
    vault = watching.vault
    hub = _hub(watching)
    stem = Path(hub).stem
    _same_answers(watching, hub)
    notes = sorted(p for p in vault.rglob("*.md"))
    # an edit, then a new note linking to the hub, read at once
    notes[3].write_text(notes[3].read_text() + f"\n[[{stem}]] #watched/edit\n")
    (vault / "Brand new.md").write_text(f"# New\n\n[[{stem}#Nowhere]] [[Not yet]] #watched\n")
    _same_answers(watching, hub)
    # a rename and a deletion
    notes[5].rename(notes[5].with_name("Renamed note.md"))
    notes[8].unlink()
    _same_answers(watching, hub)
    # a new folder with notes, then the folder moved, then an attachment
    (vault / "New folder").mkdir()
    (vault / "New folder" / "Inside.md").write_text(f"[[{stem}]] [[Brand new]] #infolder\n")
    _same_answers(watching, hub)
    (vault / "New folder").rename(vault / "Moved folder")
    (vault / "picture.png").write_bytes(b"\x89PNG")
    _same_answers(watching, hub)
    # a hostile client does not stop it
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.connect(ask.socket_path(str(vault), str(watching.cache)))
        client.sendall(struct.pack(">I", 12) + b"not json!!!!")
        assert client.recv(10) == b""
    assert watching.run("tags", "--json") == watching.run("tags", "--json", no_cache=True)
    # Ctrl-C: 130, the socket removed
    assert watching.stop() == 130
    assert not Path(ask.socket_path(str(vault), str(watching.cache))).exists()


@posix_only
@pytest.mark.slow
def test_a_second_watcher_is_refused_and_a_killed_one_falls_back(watching, tmp_path):
    second = subprocess.run([sys.executable, "-m", "vaultgraph", "--vault", str(watching.vault),
                             "watch"], capture_output=True, text=True, env=watching.env,
                            timeout=60)
    assert second.returncode == 2
    assert "a watcher is already running" in second.stderr
    hub = _hub(watching)
    # killed (-9) right after a burst of edits, mid-update: the socket stays, stale
    for i in range(30):
        (watching.vault / f"Burst {i}.md").write_text(f"[[{Path(hub).stem}]] #burst\n")
    watching.process.kill()
    watching.process.wait()
    sock = Path(ask.socket_path(str(watching.vault), str(watching.cache)))
    assert sock.exists()
    served = watching.answered()
    for query in QUERIES:
        args = [part.format(hub=hub) for part in query]
        assert watching.run(*args) == watching.run(*args, no_cache=True), args
    assert watching.answered() == served
    # a new watcher takes the stale socket over
    again = Watching(watching.vault, watching.cache, tmp_path / "again.log")
    try:
        assert again.run("tags", "--json") == again.run("tags", "--json", no_cache=True)
        assert again.answered() == 1
    finally:
        assert again.stop() == 130



def _asked_backlinks(watching: Watching, hub: str) -> bytes:
    """`backlinks HUB --json` asked of the watcher over its socket, from this process (no
    process start between a write and the question): its stdout."""
    argv = ["--vault", str(watching.vault), "--cache-dir", str(watching.cache),
            "backlinks", hub, "--json"]
    frames = ask.ask(ask.socket_path(str(watching.vault), str(watching.cache)),
                     ask.request(argv), first_byte=5)
    assert frames is not None and frames[-1] == (b"X", struct.pack(">i", 0))
    return b"".join(payload for kind, payload in frames if kind == b"O")

@posix_only
@pytest.mark.slow
def test_a_question_asked_right_after_a_write_sees_it(watching):
    """No stale answer: a client asking microseconds after a write (no process start in
    between) gets an answer that counts it -- the watcher waits for its own barrier event,
    which comes after the write's."""
    hub = _hub(watching)

    def backlinks() -> int:
        return len(json.loads(_asked_backlinks(watching, hub))["backlinks"])

    count = backlinks()
    editing = sorted(watching.vault.rglob("*.md"))[10]
    for i in range(8):
        with editing.open("a", encoding="utf-8") as f:
            f.write(f"\n[[{Path(hub).stem}]] edit {i}\n")
        count += 1
        assert backlinks() == count, i
    code, out = watching.run("backlinks", hub, "--json", no_cache=True)
    assert len(json.loads(out)["backlinks"]) == count



@posix_only
@pytest.mark.slow
def test_a_kept_answer_is_given_again_until_the_vault_changes(watching):
    """The same request twice: the second answer is the one kept (not run again); an edit
    right after it drops it -- the next answer counts the edit."""
    hub = _hub(watching)

    def backlinks() -> bytes:
        return _asked_backlinks(watching, hub)

    first = backlinks()
    assert backlinks() == first
    assert watching.text().count("the answer kept from the last same request") == 1
    editing = sorted(watching.vault.rglob("*.md"))[10]
    with editing.open("a", encoding="utf-8") as f:
        f.write(f"\n[[{Path(hub).stem}]] after the kept answer\n")
    after = backlinks()
    assert len(json.loads(after)["backlinks"]) == len(json.loads(first)["backlinks"]) + 1
    assert watching.text().count("the answer kept from the last same request") == 1
    assert backlinks() == after  # kept again, for the new index
    assert watching.text().count("the answer kept from the last same request") == 2
    code, out = watching.run("backlinks", hub, "--json", no_cache=True)
    assert out.encode() == after

@posix_only
@pytest.mark.slow
def test_a_served_answer_to_a_closed_pipe_ends_quietly_with_141(watching):
    served = watching.answered()
    proc = subprocess.Popen([sys.executable, "-m", "vaultgraph", "check", "--format", "json"],
                            cwd=watching.vault, env=watching.env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader went before a byte was written
    assert proc.wait(timeout=120) == 141
    assert proc.stderr.read() == b""
    assert watching.answered() == served + 1


@posix_only
@pytest.mark.slow
def test_ctrl_c_while_waiting_for_a_watcher_ends_with_130(tmp_path):
    """A watcher that accepts and says nothing; the client, interrupted while it waits,
    ends with 130 and says nothing."""
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "a.md").write_text("[[b]]\n")
    path = ask.socket_path(str(vault), str(tmp_path / "cache"))
    Path(path).parent.mkdir(parents=True, mode=0o700)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    env = {**os.environ, "VAULTGRAPH_CACHE_DIR": str(tmp_path / "cache")}
    script = ("import sys, time, vaultgraph.ask as a\n"
              "real = a.ask\n"
              "a.ask = lambda p, m, f: (print('asking', flush=True), real(p, m, 60))[1]\n"
              "from vaultgraph.__main__ import main\n"
              "main()\n")
    proc = subprocess.Popen([sys.executable, "-c", script, "tags"], cwd=vault, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline() == b"asking\n"
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    assert proc.stderr.read() == b""
    server.close()


@posix_only
@pytest.mark.slow
def test_a_detached_watcher_answers_until_killed(tmp_path):
    vault = _generated(tmp_path, 30)
    env = {**os.environ, "VAULTGRAPH_CACHE_DIR": str(tmp_path / "cache")}
    start = [sys.executable, "-m", "vaultgraph", "--vault", str(vault), "watch", "--detach"]
    started = subprocess.run(start, capture_output=True, text=True, env=env, timeout=120)
    assert started.returncode == 0, started.stderr
    pid = int(started.stderr.split(" as pid ")[1].split()[0])
    try:
        again = subprocess.run(start, capture_output=True, text=True, env=env, timeout=120)
        assert again.returncode == 2
        assert f"a watcher is already running for {vault} (pid {pid})" in again.stderr
        sock = Path(ask.socket_path(str(vault), str(tmp_path / "cache")))
        argv = ["--vault", str(vault), "tags", "--cache-dir", str(tmp_path / "cache")]
        assert ask.ask(str(sock), ask.request(argv[:3]), first_byte=5) is None  # another index
        frames = ask.ask(str(sock), ask.request(argv), first_byte=5)
        assert frames is not None and frames[-1] == (b"X", struct.pack(">i", 0))
    finally:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while not (sock.parent / "watch.log").read_text().rstrip().endswith("stopped"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert not sock.exists()


@posix_only
@pytest.mark.slow
def test_the_vault_as_the_command_names_it(watching):
    """`--vault .` from inside the vault: the report names the vault as its own run does."""
    args = ("--vault", ".", "report", "backlinks", "--format", "json")
    served = watching.answered()
    assert watching.run(*args) == watching.run(*args, no_cache=True)
    assert watching.answered() == served + 1


@posix_only
@pytest.mark.slow
def test_the_vaults_settings_and_a_new_folder_are_listed_again(watching):
    """A change of `.obsidian/app.json` (excluded files) and a new folder of 2,100 notes
    are answered by a full listing, as at the start."""
    vault = watching.vault
    listed = watching.text().count(": listed ")
    some = sorted(p.relative_to(vault).parent.as_posix() for p in vault.rglob("*.md"))[0]
    (vault / ".obsidian" / "app.json").write_text(json.dumps({"userIgnoreFilters": [some + "/"]}))
    for args in (("orphans", "--json"), ("check", "--format", "json")):
        assert watching.run(*args) == watching.run(*args, no_cache=True), args
    assert watching.text().count(": listed ") == listed + 1
    burst = vault / "burst"
    burst.mkdir()
    for i in range(2100):
        (burst / f"n{i}.md").write_text(f"#burst{i % 7} [[n{i + 1}]]\n")
    assert watching.run("tags", "--json") == watching.run("tags", "--json", no_cache=True)
    assert watching.text().count(": listed ") >= listed + 2


@posix_only
@pytest.mark.slow
def test_a_change_no_event_told_of_is_found_when_idle(tmp_path):
    """A write through a shared mmap changes a note with no inotify event (like an
    overflow watchfiles does not report); the idle watcher lists the vault, compares, and
    answers the change."""
    import mmap

    vault = _generated(tmp_path, 40)
    note = sorted(vault.rglob("*.md"))[4]
    with note.open("a", encoding="utf-8") as f:
        f.write("\n#before\n")
    os.utime(note, ns=(time.time_ns() - 10**10,) * 2)  # (an old, trusted mtime)
    watcher = Watching(vault, tmp_path / "cache", tmp_path / "watch.log",
                       {"VAULTGRAPH_WATCH_RECONCILE_S": "1"})
    try:
        assert "#before" in watcher.run("tags")[1]
        with note.open("r+b") as f, mmap.mmap(f.fileno(), 0) as mapped:
            at = mapped.rfind(b"#before")
            mapped[at:at + 7] = b"#after1"
            mapped.flush()
        deadline = time.monotonic() + 30
        while "differ from what the events told" not in watcher.text():
            assert time.monotonic() < deadline, watcher.text()
            time.sleep(0.1)
        assert watcher.run("tags", "--json") == watcher.run("tags", "--json", no_cache=True)
        assert "#after1" in watcher.run("tags")[1]
    finally:
        watcher.process.kill()
        watcher.process.wait()


@posix_only
@pytest.mark.slow
def test_a_file_name_that_is_not_utf8_leaves_no_stale_answer(watching):
    """watchfiles stops on a path it cannot decode (the watcher then polls): every answer
    after it still counts every write -- polling answers after a listing of the vault."""
    hub = _hub(watching)
    (watching.vault / os.fsdecode(b"caf\xe9.md")).write_text("x\n", encoding="utf-8")
    watching.run("backlinks", hub)
    editing = sorted(watching.vault.rglob("*.md"))[10]
    original = editing.read_text(encoding="utf-8")
    for i in range(6):
        link = f"[[{Path(hub).stem}]]" if i % 2 else "[[Nowhere]]"
        editing.write_text(f"{original}\n{link} {i}\n", encoding="utf-8")
        served_before = watching.answered()
        got = watching.run("backlinks", hub, "--json")
        assert watching.answered() == served_before + 1, watching.text()[-2000:]
        assert got == watching.run("backlinks", hub, "--json", no_cache=True), i
    assert "polling from now on" in watching.text()


@posix_only
@pytest.mark.slow
def test_a_polling_watcher_sees_a_rewrite_keeping_size_and_mtime(tmp_path):
    """rsync -a and cp -p rewrite a file and keep its size and modification time:
    polling (which compares mtimes) misses it, the listing before each answer does not
    (it compares the change time too)."""
    vault = _generated(tmp_path, 40)
    note = sorted(vault.rglob("*.md"))[4]
    with note.open("a", encoding="utf-8") as f:
        f.write("\n#before\n")
    watcher = Watching(vault, tmp_path / "cache", tmp_path / "watch.log", options=("--poll",))
    try:
        assert "#before" in watcher.run("tags")[1]
        info = note.stat()
        note.write_bytes(note.read_bytes().replace(b"#before", b"#after1"))
        os.utime(note, ns=(info.st_atime_ns, info.st_mtime_ns))
        assert note.stat().st_size == info.st_size
        served_before = watcher.answered()
        got = watcher.run("tags", "--json")
        assert watcher.answered() == served_before + 1, watcher.text()[-2000:]
        assert got == watcher.run("tags", "--json", no_cache=True)
        assert '"after1"' in got[1]
    finally:
        watcher.process.kill()
        watcher.process.wait()


@posix_only
@pytest.mark.slow
def test_a_vault_folder_renamed_or_replaced_ends_the_watcher(watching):
    """The watcher watches one folder: moved away (or replaced by a new folder of that
    name), its answers would be the old vault's; it declines, stops (exit 2, socket
    removed), and the command answers by itself."""
    hub = _hub(watching)
    assert watching.run("backlinks", hub)[0] == 0
    moved = watching.vault.with_name("moved")
    watching.vault.rename(moved)
    watching.vault.mkdir()
    (watching.vault / "A.md").write_text("[[B]]\n", encoding="utf-8")
    asked = ("--vault", str(watching.vault), "orphans", "--json")
    code, out = watching.run(*asked)
    assert (code, out) == watching.run(*asked, no_cache=True)
    assert json.loads(out.splitlines()[0])["orphans"] == ["A.md"], out
    assert watching.process.wait(timeout=60) == 2
    assert "gone or replaced" in watching.text()
    assert not any(watching.cache.rglob("watch.sock"))


def test_a_terminal_that_says_its_size_is_zero_is_taken_as_80_by_25(monkeypatch):
    """A pseudo-terminal may say 0 x 0 (`script`): the request then carries 80 x 25, as
    rich assumes, not a size the watcher refuses (it would answer nothing)."""
    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((0, 0)))
    assert ask._terminal_size() == (80, 25)
    assert parse_request(ask.request(["backlinks", "x"])[4:])["columns"] == 80


@posix_only
@pytest.mark.slow
def test_the_index_folder_however_it_is_written(watching):
    """`--cache-dir` with `..` in it names the watcher's own index folder: answered."""
    roundabout = str(watching.cache.parent / watching.vault.name / ".." / watching.cache.name)
    served_before = watching.answered()
    got = watching.run("--cache-dir", roundabout, "tags", "--json")
    assert watching.answered() == served_before + 1, watching.text()[-1000:]
    assert got == watching.run("tags", "--json", no_cache=True)


def _linkers(vault: Path, stem: str, count: int = 150) -> None:
    """``count`` notes linking to ``stem`` in several forms: enough backlinks for the
    watcher to keep the answer (answers.KeptBacklinks.KEEP_FROM) and bring it up to date."""
    for i in range(count):
        folder = vault / ("linkers" if i % 3 else "linkers/deep")
        folder.mkdir(parents=True, exist_ok=True)
        long_line = "word " * 1000 if i % 50 == 7 else ""  # a line longer than a row carries
        (folder / f"Linker {i:03d}.md").write_text(
            f"# L{i}\n\n{long_line}[[{stem}]] and [[{stem}#Top|alias {i}]]\n\n![[{stem}]]\n")


QUERIES_KEPT = [("backlinks", "{hub}", "--json"), ("backlinks", "{hub}"),
                ("links", "{hub}", "--json")]


def _same_kept(watching: Watching, hub: str) -> None:
    _same_answers(watching, hub, QUERIES_KEPT)


@posix_only
@pytest.mark.slow
def test_backlinks_kept_across_edits_equal_a_fresh_runs(tmp_path):
    """The hub's backlinks, kept by the watcher across changes and brought up to date
    from each update's changed notes (answers.KeptBacklinks), equal a fresh `--no-cache`
    run's after every kind of change: a link added, removed, a note new, renamed (its
    rows move in the order), deleted, a note of the hub's name elsewhere (other notes'
    links resolved again), the hub itself edited, a canvas, another run's update."""
    vault = _generated(tmp_path)
    (vault / "hubs").mkdir()
    (vault / "hubs" / "Hub here.md").write_text("# Hub here\n\n## Top\n\ntext ^b1\n")
    _linkers(vault, "Hub here")
    watching = Watching(vault, tmp_path / "cache", tmp_path / "watch.log")
    try:
        hub = "hubs/Hub here.md"
        _same_kept(watching, hub)
        linker = vault / "linkers" / "Linker 001.md"
        linker.write_text(linker.read_text() + "\n[[Hub here#^b1]] one more\n")
        _same_kept(watching, hub)
        linker.write_text("# no link now\n")
        _same_kept(watching, hub)
        (vault / "linkers" / "Linker 050.md").rename(vault / "A first now.md")
        (vault / "linkers" / "Linker 052.md").unlink()
        (vault / "zz last.md").write_text("[[Hub here]] [[Hub here|x]]\n")
        _same_kept(watching, hub)
        # a note of the same name in another folder: the links by name of the notes
        # there resolve to it (same folder first), no longer to the hub
        (vault / "linkers" / "deep" / "Hub here.md").write_text("# the other one\n")
        _same_kept(watching, hub)
        (vault / "linkers" / "deep" / "Hub here.md").unlink()
        _same_kept(watching, hub)
        (vault / "hubs" / "Hub here.md").write_text("# Hub here\n\n## Top\n\n[[Hub here]] self\n")
        (vault / "board.canvas").write_text(json.dumps({"nodes": [
            {"id": "n1", "type": "text", "text": "[[Hub here]]", "x": 0, "y": 0,
             "width": 10, "height": 10}], "edges": []}))
        _same_kept(watching, hub)
        # another run brings the index up to date itself (`index` is not served) with a
        # change no event told of (a write through a shared mmap): the watcher cannot
        # tell what that run changed, and at its next update reads the answer anew
        import mmap

        with (vault / "linkers" / "Linker 061.md").open("r+b") as f, \
                mmap.mmap(f.fileno(), 0) as mapped:
            at = mapped.find(b"[[Hub here]]")
            mapped[at:at + 12] = b"[[Hub hxxx]]"
            mapped.flush()
        code, out = watching.run("index")
        assert code == 0 and ": 1 parsed," in out, out
        (vault / "linkers" / "Linker 062.md").write_text("[[Hub here]] after it\n")
        _same_kept(watching, hub)
    finally:
        watching.stop()


@posix_only
@pytest.mark.slow
def test_a_watcher_killed_before_it_stored_its_listing_leaves_a_true_index(tmp_path):
    """Edits of notes only: the watcher brings the index up to date from the paths named
    and stores the vault's listing once idle (index.Hint); killed (-9) before that, the
    next run without it answers as a fresh one (the index's listing is older than the
    index: the files it lists otherwise are compared by hash)."""
    vault = _generated(tmp_path)
    (vault / "hubs").mkdir()
    (vault / "hubs" / "Hub here.md").write_text("# Hub here\n")
    _linkers(vault, "Hub here")
    watching = Watching(vault, tmp_path / "cache", tmp_path / "watch.log")
    hub = "hubs/Hub here.md"
    try:
        _same_kept(watching, hub)
        for i in (3, 4, 5):
            linker = vault / "linkers" / f"Linker {i:03d}.md"
            linker.write_text(f"[[Hub here]] edited {i}\n[[Linker 001]]\n")
            _same_kept(watching, hub)
    finally:
        watching.process.kill()
        watching.process.wait()
    assert "path changed: index up to date" in watching.text()
    served = watching.answered()
    for query in [*QUERIES_KEPT, ("check", "--format", "json")]:
        args = [part.format(hub=hub) for part in query]
        assert watching.run(*args) == watching.run(*args, no_cache=True), args
    assert watching.answered() == served
    code, out = watching.run("index")
    assert code == 0 and ": 0 parsed," in out, out
