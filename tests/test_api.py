"""The public Python API: docs/api.md's example runs as written, and the package root
exports exactly what the page documents, lazily."""

from __future__ import annotations

import doctest
import re
import subprocess
import sys
from pathlib import Path

import pytest

import vaultgraph

API_DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"


def test_the_documented_example_runs_with_its_output():
    failures, tried = doctest.testfile(str(API_DOC), module_relative=False,
                                       optionflags=doctest.ELLIPSIS)
    assert tried > 20 and failures == 0


def test_the_root_exports_what_the_page_documents():
    documented = set(re.findall(r"^\*\*`(\w+)`\*\*", API_DOC.read_text(encoding="utf-8"), re.M))
    documented |= {"load", "Vault", "check_vault", "CheckResult", "VaultError",
                   "CacheInsideVault", "NoteLookupError"}
    assert set(vaultgraph.__all__) == documented | {"__version__"}
    for name in vaultgraph.__all__:
        assert getattr(vaultgraph, name) is not None


def test_import_vaultgraph_imports_nothing_else():
    code = "import sys, vaultgraph\nprint(sorted(m for m in sys.modules if m.startswith('vaultgraph')))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "['vaultgraph']"


def test_plumbing_is_not_public(tmp_path):
    (tmp_path / "a.md").write_text("x\n", encoding="utf-8")
    vault = vaultgraph.load(tmp_path)
    for name in ("finder", "index_stats", "fingerprint", "listing"):
        assert not hasattr(vault, name)


def _linked_vault(root: Path, count: int = 30) -> None:
    root.mkdir()
    (root / "A.md").write_text("A here\n", encoding="utf-8")
    for i in range(1, count + 1):
        (root / f"N{i}.md").write_text(f"n{i} links [[A]] and [[N{i + 1}]]\n", encoding="utf-8")


def test_a_closed_vault_says_so(tmp_path):
    """Asked after close(), a Vault raises VaultClosed (a VaultError), not sqlite3's
    ProgrammingError -- for answers cached before the close too."""
    from vaultgraph.vault import VaultClosed

    root = tmp_path / "v"
    _linked_vault(root)
    vaultgraph.load(root, cache=True, cache_dir=tmp_path / "c").close()
    vault = vaultgraph.load(root, cache=True, cache_dir=tmp_path / "c")  # nothing parsed now
    assert vault.note("N1").path == "N1.md"
    vault.close()
    vault.close()  # twice: nothing more
    for question in (lambda: vault.notes["N2.md"], lambda: vault.backlinks("A.md"),
                     vault.tags, lambda: vault.note("N3"), lambda: vault.outgoing("N4.md"),
                     vault.link_ends, vault.broken_links, lambda: vaultgraph.check_vault(vault)):
        with pytest.raises(VaultClosed, match="closed"):
            question()
    assert isinstance(VaultClosed("x"), vaultgraph.VaultError)


def test_a_dropped_vault_is_closed_at_once(tmp_path, monkeypatch):
    """A Vault dropped without close() holds no file open and leaves no temporary
    folder, without waiting for the garbage collector; its notes keep it readable."""
    import gc
    import os

    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("tempfile.tempdir", None)
    root = tmp_path / "v"
    _linked_vault(root, 3)
    notes = vaultgraph.load(root).notes
    assert notes["N1.md"].links[0].path == "A"
    del notes
    gc.disable()
    try:
        before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
        for _ in range(20):
            assert vaultgraph.load(root).note("N2").path == "N2.md"
        if before is not None:
            assert len(os.listdir("/proc/self/fd")) <= before
        assert list((tmp_path / "tmp").iterdir()) == []
    finally:
        gc.enable()


def test_a_vault_reads_one_state_of_a_kept_index(tmp_path):
    """Another run updating the kept index after load() (a note deleted, one edited)
    changes nothing the Vault answers: backlinks, notes not read yet and links agree."""
    from click.testing import CliRunner

    from vaultgraph.cli import cli

    root, cache = tmp_path / "v", tmp_path / "c"
    _linked_vault(root)
    vaultgraph.load(root, cache=True, cache_dir=cache).close()
    with vaultgraph.load(root, cache=True, cache_dir=cache) as vault:  # nothing parsed
        (root / "N5.md").unlink()
        (root / "N7.md").write_text("no links now\n", encoding="utf-8")
        done = CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache),
                                        "index"])
        assert done.exit_code == 0, done.output
        assert len(vault.backlinks("A.md")) == 30
        assert vault.notes["N5.md"].links[0].path == "A"
        assert vault.notes["N7.md"].links[0].path == "A"
        assert len(vault.edges) == 60
        assert vault.note("N5").path == "N5.md"
        assert vault.link_ends()[0] == sorted(["A.md", *(f"N{i}.md" for i in range(1, 31))])
    with vaultgraph.load(root, cache=True, cache_dir=cache) as vault:
        assert len(vault.backlinks("A.md")) == 28


@pytest.mark.parametrize("cache", [False, True])
def test_a_vault_is_read_from_many_threads(tmp_path, cache):
    """Threads of a pool asking one Vault get what asking it in turn gets (not
    sqlite3's "objects created in a thread can only be used in that same thread")."""
    from concurrent.futures import ThreadPoolExecutor

    root = tmp_path / "v"
    _linked_vault(root, 80)

    def ask(vault, path):
        return ([e.source for e in vault.backlinks(path)], vault.notes[path].links[-1].path,
                vault.note(path[:-3]).path, sorted(vault.tags()))

    with vaultgraph.load(root, cache=cache, cache_dir=tmp_path / "c") as vault:
        paths = [p for p in vault.notes if p != "A.md"]
        expected = [ask(vault, path) for path in paths]
    with vaultgraph.load(root, cache=cache, cache_dir=tmp_path / "c") as vault:
        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(lambda path: ask(vault, path), paths)) == expected
