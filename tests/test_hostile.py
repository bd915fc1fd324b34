"""Hostile input: every file gets its diagnostic, every command finishes, nothing is written."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

import vaultgraph
from vaultgraph.check import check_vault
from vaultgraph.cli import cli
from vaultgraph.parse import read_note

from . import hostile


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return hostile.build(tmp_path_factory.mktemp("hostile") / "vault")


@pytest.fixture(scope="module")
def codes(root):
    found = defaultdict(set)
    for d in check_vault(vaultgraph.load(root)).diagnostics:
        found[d.path].add(d.code)
    return found


@pytest.mark.parametrize("path", sorted(hostile.FILES))
def test_each_hostile_file_gets_its_diagnostic(codes, path):
    expected = hostile.FILES[path][1]
    got = codes.get(path, set())
    assert expected <= got, (path, got)
    assert not (got - expected - {"unresolved-link", "missing-attachment"}), (path, got)


def test_big_note_and_symlinks(codes):
    path, _, expected = hostile.BIG_NOTE
    assert codes[path] == expected
    if hasattr(os, "symlink"):
        assert codes["links-loop"] == {"ignored-symlink"}
        assert codes["dangling.md"] == {"ignored-symlink"}


def test_hostile_notes_keep_their_links_and_tags(root):
    vault = vaultgraph.load(root)
    for path in ("encoding/latin1.md", "encoding/mixed.md", "encoding/bom.md", "encoding/crlf.md",
                 "encoding/lone cr.md", "binary/nul padded.md", "yaml/bomb.md",
                 "yaml/never closed.md", "huge/one long line.md"):
        assert [e.target for e in vault.outgoing(path)][:1] == ["Target.md"], path
    assert {t.name for t in vault.notes["encoding/bom.md"].tags} == {"bom"}
    assert [(t.name, t.line) for t in vault.notes["encoding/crlf.md"].tags] == [("crlf", 2), ("t", 5)]
    assert len(vault.outgoing("huge/ten thousand links.md")) == 10_000
    # Past the nesting limit content is dropped, and said so; what follows is read.
    assert [e.link.line for e in vault.outgoing("deep/quotes.md")] == [3]
    assert len(vault.outgoing("deep/lists.md")) >= 45  # two nesting levels per list
    assert vault.notes["names/links.md"].links[0].path == "Café"
    assert [e.target for e in vault.outgoing("names/links.md")][:2] == [
        next(p for p in vault.files if p.startswith("names/Cafe")), "names/🔴 emoji.md"]


def _hash_tree(root: Path) -> dict[str, str]:
    digests = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            path = Path(folder) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                digests[rel] = "link:" + os.readlink(path)
            elif path.is_file():
                digests[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                digests[rel] = "dir"
    return digests


COMMANDS = [
    ["check", "--format", "json"], ["check", "--format", "github"], ["check"],
    ["check", "--include-excluded", "--unresolved", "ignore"],
    ["tags", "--json"], ["tags"], ["tags", "🔴", "--json"],
    ["links", "Target", "--json"], ["backlinks", "Target"], ["backlinks", "Target", "--json"],
    ["links", "<img src=x onerror=alert(1)>"],
    ["provenance", "Target", "--json"], ["provenance", "--dependents", "Target"],
    ["explain", "names/links:1", "--json"], ["orphans", "--json"], ["deadends"],
    ["wanted", "--json"], ["neighbors", "Target", "--depth", "2", "--json"],
    ["path", "Target", "names/links", "--json"], ["hubs", "--json"], ["related", "Target"],
    ["mentions", "Target", "--json"], ["stats", "--json"],
]


def test_every_command_finishes_and_writes_nothing(root):
    before = _hash_tree(root)
    for args in COMMANDS:
        result = CliRunner().invoke(cli, ["--vault", str(root), *args])
        assert result.exit_code in (0, 1), (args, result.output[-500:])
        assert "Traceback" not in result.output
        if "--json" in args or "json" in args:
            json.loads(result.stdout)
    assert _hash_tree(root) == before


def test_real_process_reports_and_exits_1_without_traceback(root):
    proc = subprocess.run([sys.executable, "-m", "vaultgraph", "--vault", str(root), "check",
                           "--format", "json"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["summary"]["errors"] > 0


def test_slow_parse_is_cut_off_by_the_time_guard(tmp_path):
    (tmp_path / "slow.md").write_text("[[a]] [[b " * 50_000)
    note = read_note(tmp_path, "slow.md", seconds=0.05)
    assert [d.code for d in note.diagnostics] == ["parse-timeout"] and note.links == []


def test_unreadable_file_and_folder(make_vault, monkeypatch):
    root = make_vault({"ok.md": "[[locked]]", "locked.md": "x", "sealed/n.md": "x"})
    real_open, real_scandir = os.open, os.scandir

    def os_open(path, *args, **kwargs):  # (as root, a mode of 000 does not stop reading)
        if str(path).endswith("locked.md"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    def scandir(path):
        if str(path).endswith("sealed"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(os, "scandir", scandir)
    result = CliRunner().invoke(cli, ["--vault", str(root), "check", "--format", "json"])
    found = {(d["path"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]}
    assert found == {("locked.md", "unreadable-file"), ("sealed", "unreadable-file")}
    assert result.exit_code == 1


def test_empty_vault(tmp_path):
    result = CliRunner().invoke(cli, ["--vault", str(tmp_path), "check", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"] == {"notes": 0, "errors": 0, "warnings": 0}
    for args in (["tags", "--json"], ["orphans"], ["hubs"], ["stats"], ["wanted"]):
        assert CliRunner().invoke(cli, ["--vault", str(tmp_path), *args]).exit_code == 0


def test_undecodable_file_name_is_reported(tmp_path):
    if sys.platform != "linux":
        pytest.skip("needs a file system that stores raw bytes")
    os.makedirs(tmp_path / "v")
    with open(os.path.join(os.fsencode(tmp_path / "v"), b"bad\xff.md"), "w") as handle:
        handle.write("x")
    result = CliRunner().invoke(cli, ["--vault", str(tmp_path / "v"), "check", "--format", "json"])
    data = json.loads(result.stdout)
    assert [d["code"] for d in data["diagnostics"]] == ["invalid-filename"]


# --- Bounded input: the vault's configuration, the walk, what is read -------------------

needs_posix = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks")


def _limit_memory():  # a child that reads without end fails, instead of the machine
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def _run(args: list[str], timeout: float = 60) -> tuple[subprocess.CompletedProcess, dict]:
    """A real process (a hang is a failed test, not a stuck suite) and its JSON output."""
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=_limit_memory)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    return proc, json.loads(proc.stdout)


def _check(root: Path, timeout: float = 60) -> tuple[int, set[tuple[str, str]], dict]:
    """``check --format json`` of the vault: exit code, (path, code) pairs, summary."""
    proc, data = _run(["-m", "vaultgraph", "--vault", str(root), "check", "--format", "json"],
                      timeout)
    return (proc.returncode, {(d["path"], d["code"]) for d in data["diagnostics"]},
            data["summary"])


@needs_posix
def test_special_entries_of_the_hostile_vault(root, codes):
    for path, expected in hostile.SPECIAL.items():
        assert codes[path] == expected, path
    assert codes[".obsidian/app.json"] == {"invalid-config"}  # the lookbehind filter
    vault = vaultgraph.load(root)
    assert hostile.DEEP_ENOUGH in vault.notes and not vault.is_excluded(hostile.SLOW_NAME)
    assert not [p for p in vault.files if p.startswith(("links-root/", "special/"))]
    assert not [p for p in vault.files if p.endswith("too deep.md")]


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dev_zero(path: Path) -> None:
    os.symlink("/dev/zero", path)


APP_JSON_FAULTS = {
    "nested 100k deep": lambda path: path.write_text("[" * 100_000),
    "a FIFO": _fifo,
    "a symlink to /dev/zero": _dev_zero,
    "over 1 MB": lambda path: path.write_text('{"userIgnoreFilters": ["b"]}' + " " * 2_000_000),
    "a folder": lambda path: path.mkdir(),
}


@needs_posix
@pytest.mark.parametrize("fault", sorted(APP_JSON_FAULTS))
def test_a_bad_app_json_is_a_warning_and_the_run_goes_on(make_vault, fault):
    root = make_vault({"a.md": "[[b]]", "b.md": ""})
    (root / ".obsidian").mkdir()
    APP_JSON_FAULTS[fault](root / ".obsidian" / "app.json")
    code, found, summary = _check(root)
    assert (code, found) == (0, {(".obsidian/app.json", "invalid-config")})
    assert summary["notes"] == 2  # the defaults: nothing excluded


def test_regex_filters_match_in_linear_time_and_without_case(make_vault):
    root = make_vault({hostile.SLOW_NAME: "[[missing]]", "Archive/old.md": "[[missing]]",
                       "keep.md": ""},
                      obsidian={"userIgnoreFilters": [hostile.SLOW_FILTER, "/^archive\\//"]})
    code, found, summary = _check(root, timeout=30)
    assert (code, found) == (1, {(hostile.SLOW_NAME, "unresolved-link")})
    assert summary["notes"] == 2  # Archive/old.md is excluded


@needs_posix
def test_a_symlink_to_the_root_folder_is_not_followed(make_vault):
    root = make_vault({"a.md": ""})
    os.symlink("/", root / "everything")
    os.symlink(root.parent, root / "parent")
    code, found, summary = _check(root)
    assert found == {("everything", "ignored-symlink"), ("parent", "ignored-symlink")}
    assert (code, summary["notes"]) == (0, 1)


@needs_posix
def test_folders_1000_deep_are_cut_at_the_bound(make_vault):
    from vaultgraph.files import MAX_FOLDER_DEPTH

    root = make_vault({"a/b/near.md": "[[far]]"})
    deep = str(root)
    for _ in range(1000):  # (mkdir(parents=True) recurses once per level)
        deep += "/d"
        os.mkdir(deep)
    Path(deep, "far.md").write_text("")
    try:
        code, found, summary = _check(root, timeout=30)
    finally:  # (pytest's clean-up, shutil.rmtree, recurses once per level too)
        subprocess.run(["rm", "-rf", str(root / "d")], check=True)
    assert found == {("/".join(["d"] * (MAX_FOLDER_DEPTH + 1)), "too-deep"),
                     ("a/b/near.md", "unresolved-link")}
    assert summary["notes"] == 1 and code == 1


SWAP = """
import os, sys
from vaultgraph import files
from vaultgraph.cli import main

stat_all, vault, target = files.stat_all, sys.argv[1], sys.argv[2]

def swap_after_stat(found):  # the note is regular when listed and stated, then swapped
    numbers = stat_all(found)
    for path in found:
        if path.endswith("swapped.md"):
            os.remove(path)
            os.symlink(target, path)
    return numbers

files.stat_all = swap_after_stat
sys.argv = ["vaultgraph", "--vault", vault, "check", "--format", "json"]
main()
"""


@needs_posix
@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_note_swapped_for_a_device_or_fifo_after_discovery(make_vault, tmp_path, target):
    root = make_vault({"a.md": "[[swapped]]", "swapped.md": "text"})
    if target == "fifo":
        target = str(tmp_path / "fifo")
        os.mkfifo(target)
    proc, data = _run(["-c", SWAP, str(root), target])
    found = [(d["path"], d["code"], d["message"]) for d in data["diagnostics"]]
    assert found == [("swapped.md", "unreadable-file", "cannot read: not a regular file")]
    assert proc.returncode == 1 and data["summary"]["notes"] == 2


@needs_posix
def test_read_bounded(tmp_path):
    from vaultgraph.files import NotRegularFile, TooLarge, is_within, read_bounded

    path = tmp_path / "note.md"
    path.write_bytes(b"x" * 100)
    assert read_bounded(path, 100) == b"x" * 100
    with pytest.raises(TooLarge) as raised:
        read_bounded(path, 99)
    assert (raised.value.size, raised.value.limit) == (100, 99)
    assert read_bounded(path, 10, cut=True) == b"x" * 11
    os.mkfifo(tmp_path / "fifo")
    for special in (tmp_path / "fifo", "/dev/zero", tmp_path):
        with pytest.raises(NotRegularFile):
            read_bounded(special, 10)
    if os.path.exists("/proc/self/status"):  # says 0 bytes: not read
        assert read_bounded("/proc/self/status", 10) == b""
    assert is_within("/home/v/x", "/") and is_within("/v", "/v") and is_within("/v/x", "/v")
    assert not is_within("/v2", "/v") and not is_within("/", "/v")
