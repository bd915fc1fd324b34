"""The application layer (app.py): what the CLI decided before, now plain functions with
typed errors; and the one table of exit statuses the CLI ends with."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaultgraph import app
from vaultgraph.app import EXIT_CODES, NotFound, Outcome, Session, UsageProblem
from vaultgraph.cli import cli


def test_the_exit_table_is_docs_cli_md():
    assert {outcome.value: code for outcome, code in EXIT_CODES.items()} == {
        "ok": 0, "findings": 1, "usage": 2, "internal": 3, "interrupted": 130, "closed-pipe": 141}
    assert set(EXIT_CODES) == set(Outcome)


@pytest.mark.parametrize("text, split", [
    ("Neuron:12", ("Neuron", 12)),
    ("folder/a:b:3", ("folder/a:b", 3)),  # the last colon
    ("Neuron", None),
    ("Neuron:", None),
    ("Neuron:x1", None),
    ("Neuron#Axons", None),
    (":4", ("", 4)),
])
def test_note_line(text, split):
    assert app.split_note_line(text) == split


def test_vault_root_is_the_nearest_folder_with_obsidian(tmp_path):
    (tmp_path / "v" / ".obsidian").mkdir(parents=True)
    deep = tmp_path / "v" / "a" / "b"
    deep.mkdir(parents=True)
    assert app.find_vault_root(deep) == tmp_path / "v"
    assert app.find_vault_root(tmp_path) == tmp_path  # none above: the folder itself


def _vault(tmp_path: Path) -> Session:
    (tmp_path / "Neuron.md").write_text("---\naliases: [Nerve cell]\n---\n[[Synapse]]\n",
                                        encoding="utf-8")
    (tmp_path / "Synapse.md").write_text("A Neuron meets a nerve cell.\n", encoding="utf-8")
    (tmp_path / "pic.png").write_bytes(b"\x89PNG")
    return Session(str(tmp_path), ".obsidian", None, use_cache=False)


def test_errors_are_typed_with_their_outcome(tmp_path):
    session = _vault(tmp_path)
    with pytest.raises(NotFound, match="Nope") as found:
        app.note_links(session, "Nope")
    assert found.value.outcome is Outcome.FINDINGS
    with pytest.raises(NotFound, match="pic.png is not a note"):
        app.mentions(session, "pic.png", include_excluded=False)
    with pytest.raises(UsageProblem, match="--no-cache") as usage:
        app.update_index(session, rebuild=False)
    assert usage.value.outcome is Outcome.USAGE
    with pytest.raises(UsageProblem, match="unknown code"):
        app.check_codes("unresolved-link, no-such-code")
    with pytest.raises(UsageProblem, match="inside the vault"):
        app.refuse_output_inside(session, str(tmp_path / "out.md"))


def test_answers_from_a_throwaway_index(tmp_path):
    session = _vault(tmp_path)
    found = app.note_links(session, "Nerve cell")
    assert found.path == "Neuron.md" and found.vault.throwaway  # --no-cache
    folder = found.vault.location.parent
    assert folder.is_dir() and not folder.is_relative_to(tmp_path)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert app.mentions(session, "Neuron", False).names == ["Neuron", "Nerve cell"]
    assert app.path_outcome(app.shortest_path(session, "Synapse", "Neuron", True, False)) \
        is Outcome.FINDINGS
    assert app.explain_outcome([]) is Outcome.FINDINGS
    assert app.tag_outcome(None, []) is Outcome.OK and app.tag_outcome("x", []) is Outcome.FINDINGS
    session.close()
    assert not folder.exists()  # removed with the session


@pytest.mark.parametrize("command", [["backlinks", "Neuron", "--json"], ["check", "--format", "json"],
                                     ["stats", "--json"]])
def test_no_writable_temporary_folder_means_an_index_in_memory(tmp_path, monkeypatch, command):
    """--no-cache with no temporary folder to be had (none usable, a full disk): the
    throwaway index is made in memory -- the same answers, nothing written anywhere."""
    _vault(tmp_path)
    run = ["--vault", str(tmp_path), "--no-cache", *command]
    expected = CliRunner().invoke(cli, run)
    assert expected.exit_code in (0, 1), expected.output

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tempfile.mkdtemp", full)
    monkeypatch.chdir(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    done = CliRunner().invoke(cli, run)
    assert (done.exit_code, done.output) == (expected.exit_code, expected.output)
    assert sorted(tmp_path.rglob("*")) == before


def test_the_index_is_kept_and_answers_without_reading_notes(tmp_path):
    vault = tmp_path / "vault"
    vault.mkdir()
    _vault(vault)
    for run in ("first", "again"):
        session = Session(str(vault), ".obsidian", str(tmp_path / "cache"), use_cache=True)
        found = app.note_links(session, "Neuron")
        assert found.path == "Neuron.md" and not found.vault.throwaway
        assert found.vault.location.is_relative_to(tmp_path / "cache")
        if run == "again":  # answered by SQL: no note was parsed, nor read from its row
            assert found.vault._index.stats["parsed"] == 0
            assert found.vault.notes.loaded == {}
        session.close()


def test_an_app_error_is_one_line_and_its_exit_status(tmp_path):
    _vault(tmp_path)
    result = CliRunner().invoke(cli, ["--vault", str(tmp_path), "--no-cache", "mentions", "pic.png"])
    assert (result.exit_code, result.output) == (1, "vaultgraph: pic.png is not a note\n")
    result = CliRunner().invoke(cli, ["--vault", str(tmp_path), "--no-cache", "index"])
    assert (result.exit_code, result.output) == (
        2, "vaultgraph: --no-cache: there is no index to update\n")


def test_help_imports_nothing_of_vaultgraph_but_cli_app_escape():
    code = ("import sys\nfrom vaultgraph.cli import cli\n"
            "try:\n    cli(['--help'], prog_name='vaultgraph')\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('vaultgraph')), file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stderr.strip().splitlines()[-1] == str(
        ["vaultgraph", "vaultgraph.app", "vaultgraph.cli",
         "vaultgraph.escape"])


def test_a_throwaway_index_does_not_wait_for_the_disk_and_a_kept_one_does(tmp_path):
    import vaultgraph

    vault_dir = tmp_path / "vault"
    vault_dir.mkdir()
    (vault_dir / "A.md").write_text("[[B]]\n", encoding="utf-8")
    with vaultgraph.load(vault_dir) as throwaway:
        assert throwaway.throwaway
        assert throwaway.connection.execute("PRAGMA synchronous").fetchone()[0] == 0  # OFF
    with vaultgraph.load(vault_dir, cache=True, cache_dir=tmp_path / "cache") as kept:
        assert not kept.throwaway
        assert kept.connection.execute("PRAGMA synchronous").fetchone()[0] != 0
