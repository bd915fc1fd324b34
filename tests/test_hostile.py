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
    real_read, real_scandir = Path.read_bytes, os.scandir

    def read_bytes(self):
        if self.name == "locked.md":
            raise PermissionError(13, "Permission denied")
        return real_read(self)

    def scandir(path):
        if str(path).endswith("sealed"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
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


def test_the_index_grows_with_the_text_not_with_links_times_context(tmp_path):
    """Links on one line share its context: the index keeps the line once, not a
    240-character window per link (a 1 MB line of 150,000 links made a 96 MB index)."""
    rel = "huge/many links on a line.md"
    root = tmp_path / "vault"
    (root / "huge").mkdir(parents=True)
    (root / "Target.md").write_text("# Target\n")
    (root / rel).write_text(hostile.FILES[rel][0])
    cache = tmp_path / "cache"
    result = CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache),
                                      "backlinks", "Target", "--json"])
    rows = json.loads(result.stdout)["backlinks"]
    line = hostile.FILES[rel][0].split("\n")[0]
    assert len(rows) == 3_003 and rows[-1]["context"] == "[[Target]] x [[Target]] x [[Target]] x"
    assert rows[100]["context"] == "..." + line[rows[100]["column"] - 81:][:240].strip() + "..."
    size = sum(f.stat().st_size for f in cache.rglob("index.sqlite*"))
    assert size < 40 * len(hostile.FILES[rel][0])  # 71 times when each link kept its context
