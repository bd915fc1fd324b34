"""The CLI end to end: CliRunner for every command and contract, one real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from vaultgraph.cli import cli

from .conftest import NOTES


@pytest.fixture
def small(make_vault):
    return make_vault({
        "Neurotransmitter.md": "---\naliases: [NT]\ntags: [chem/transmitters]\n---\n# Neurotransmitter\n",
        "bio/Neuron.md": "# Neuron\n## Axon\nA cell. #bio/cells\n[[Neurotransmitter]] and [[Missing]] and [[#Axon]]\n",
        "src.md": "See [[Neuron]] and [[Nuerotransmitter]].\nAlso ![[Neuron#Axon]] #Bio\n",
        "other.md": "---\nrelated: \"[[Neuron]]\"\n---\nText #bio/cells\n",
    })


def run(*args, vault=None):
    prefix = ["--vault", str(vault)] if vault else []
    return CliRunner().invoke(cli, [*prefix, *args], catch_exceptions=False)


def test_backlinks_json_contract(small):
    result = run("backlinks", "Neuron", "--json", vault=small)
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["note"] == "bio/Neuron.md"
    assert data["backlinks"] == [
        {"source": "other.md", "line": 2, "column": 11, "kind": "property:related",
         "context": 'related: "[[Neuron]]"'},
        {"source": "src.md", "line": 1, "column": 5, "kind": "link",
         "context": "See [[Neuron]] and [[Nuerotransmitter]]."},
        {"source": "src.md", "line": 2, "column": 6, "kind": "embed",
         "context": "Also ![[Neuron#Axon]] #Bio"},
    ]  # the self-link [[#Axon]] is not a backlink


def test_links_json_contract(small):
    data = json.loads(run("links", "bio/Neuron.md", "--json", vault=small).output)
    assert data["outgoing"] == [
        {"target": "Neurotransmitter.md", "raw": "Neurotransmitter", "kind": "link",
         "line": 4, "column": 1, "resolved": True},
        {"target": None, "raw": "Missing", "kind": "link", "line": 4, "column": 26,
         "resolved": False},
        {"target": "bio/Neuron.md", "raw": "#Axon", "kind": "link", "line": 4, "column": 42,
         "resolved": True},
    ]
    assert {b["source"] for b in data["backlinks"]} == {"src.md", "other.md"}


@pytest.mark.parametrize("query", ["Neurotransmitter", "neurotransmitter.md", "NT", "nt",
                                   "[[Neurotransmitter]]"])
def test_note_argument_accepts_path_name_and_alias(small, query):
    result = run("backlinks", query, "--json", vault=small)
    assert json.loads(result.output)["note"] == "Neurotransmitter.md"


def test_unknown_note_suggests_and_exits_1(small):
    result = CliRunner().invoke(cli, ["--vault", str(small), "links", "Nuerotransmiter"])
    assert result.exit_code == 1
    assert 'did you mean "Neurotransmitter"' in result.stderr
    assert result.stdout == ""


def test_ambiguous_note_lists_matches_and_exits_1(make_vault):
    root = make_vault({"a/Tie.md": "", "b/Tie.md": ""})
    result = CliRunner().invoke(cli, ["--vault", str(root), "backlinks", "Tie"])
    assert result.exit_code == 1
    assert "a/Tie.md" in result.stderr and "b/Tie.md" in result.stderr


def test_tags_tree_json_and_nested_query(small):
    data = json.loads(run("tags", "--json", vault=small).output)
    rows = {row["tag"]: row for row in data["tags"]}
    assert rows["bio"]["count"] == 1 and rows["bio"]["notes"] == ["src.md"]
    assert rows["bio"]["total"] == 3
    assert rows["bio/cells"]["notes"] == ["bio/Neuron.md", "other.md"]
    assert rows["chem"]["count"] == 0 and rows["chem"]["total"] == 1
    nested = json.loads(run("tags", "#BIO", "--json", vault=small).output)
    assert nested == {"tag": "bio", "notes": ["bio/Neuron.md", "other.md", "src.md"]}
    text = run("tags", vault=small).output
    assert "#bio" in text and "  #cells" in text


def test_check_text_json_and_github(small):
    text = run("check", vault=small)
    assert text.exit_code == 1
    assert 'src.md:1:20: error[unresolved-link] [[Nuerotransmitter]] -- did you mean "Neurotransmitter"?' in text.output
    assert "3 notes checked" not in text.output and "4 notes checked: 2 errors (2 unresolved-link), 0 warnings" in text.output

    data = json.loads(run("check", "--format", "json", vault=small).output)
    assert data["summary"] == {"notes": 4, "errors": 2, "warnings": 0}
    first = data["diagnostics"][0]
    assert set(first) == {"path", "line", "column", "severity", "code", "message", "target",
                          "suggestions"}
    assert (first["path"], first["target"]) == ("bio/Neuron.md", "Missing")

    github = run("check", "--format", "github", vault=small).output
    assert "::error file=" in github and "title=unresolved-link::" in github


def test_check_takes_json_as_the_other_commands_do(small):
    as_json = run("check", "--json", vault=small)
    assert as_json.exit_code == 1
    assert as_json.output == run("check", "--format", "json", vault=small).output
    both = CliRunner().invoke(cli, ["--vault", str(small), "check", "--json", "--format", "github"])
    assert both.exit_code == 2 and "--format github" in both.stderr and both.stdout == ""


def test_check_summary_counts_in_the_singular_and_plural(make_vault):
    root = make_vault({"One.md": "[[Missing]]\n"})
    assert run("check", vault=root).output.splitlines()[-1] == (
        "1 note checked: 1 error (1 unresolved-link), 0 warnings")
    github = run("check", "--format", "github", "--unresolved", "warning", vault=root)
    assert github.output.splitlines()[-1] == (
        "1 note checked: 0 errors, 1 warning (1 unresolved-link)")
    make_vault({"Two.md": "[[Nowhere]] [[Gone]]\n"})  # the same vault, a second note
    assert run("check", vault=root).output.splitlines()[-1] == (
        "2 notes checked: 3 errors (3 unresolved-link), 0 warnings")


def test_counts_of_one_are_in_the_singular(make_vault):
    root = make_vault({"A.md": "[[B]] #t\n", "B.md": "[[Ghost]]\n"})
    assert "Backlinks (1 from 1 note)" in run("backlinks", "B", vault=root).output
    assert "Outgoing (1 link, 0 unresolved)" in run("links", "A", vault=root).output
    assert run("tags", vault=root).output.splitlines()[-1] == "1 tag"
    assert run("tags", "t", vault=root).output.splitlines()[0] == "#t (1 note)"
    assert "Wanted notes (1 name nobody has written)" in run("wanted", vault=root).output
    assert "A.md -- 1 note within 1 link (both)" in run(
        "neighbors", "A", "--depth", "1", vault=root).output


@pytest.mark.parametrize("cache", [True, False])
def test_a_start_shared_by_several_names_lists_them(make_vault, tmp_path, cache):
    root = make_vault({"Neuron.md": "", "Neuroplasticity.md": "", "Other.md": "[[Neuron]]"})
    where = ["--cache-dir", str(tmp_path / "c")] if cache else ["--no-cache"]
    for query in ("neuro", "[[Neuro]]"):
        result = CliRunner().invoke(cli, ["--vault", str(root), *where, "backlinks", query])
        assert result.exit_code == 1
        assert result.stderr == (
            f'vaultgraph: no note matches "{query}"; 2 note names start with it ("Neuron", '
            '"Neuroplasticity"): give more of the name\n')
    one = CliRunner().invoke(cli, ["--vault", str(root), *where, "backlinks", "Neuroplast"])
    assert one.exit_code == 0 and one.stdout.startswith("Neuroplasticity.md\n")


def test_check_options(small):
    assert run("check", "--unresolved", "warning", vault=small).exit_code == 0
    assert run("check", "--unresolved", "ignore", "--format", "json", vault=small).exit_code == 0
    data = json.loads(run("check", "--ignore", "unresolved-link", "--format", "json", vault=small).output)
    assert data["diagnostics"] == []
    bad = CliRunner().invoke(cli, ["--vault", str(small), "check", "--select", "nonsense"])
    assert bad.exit_code == 2 and "unknown code" in bad.stderr
    assert "did you mean" not in bad.stderr  # nothing is close to "nonsense"
    typo = CliRunner().invoke(cli, ["--vault", str(small), "check", "--ignore", "unresolved-lnik"])
    assert typo.exit_code == 2
    assert 'unresolved-lnik (did you mean "unresolved-link"?)' in typo.stderr


def test_unreadable_vault_exits_2(tmp_path):
    result = CliRunner().invoke(cli, ["--vault", str(tmp_path / "nope"), "check"])
    assert result.exit_code == 2 and "vault not found" in result.stderr
    a_file = tmp_path / "file.md"
    a_file.write_text("x")
    result = CliRunner().invoke(cli, ["--vault", str(a_file), "tags"])
    assert result.exit_code == 2 and "not a folder" in result.stderr


def test_vault_from_environment_and_parent_obsidian_folder(small, monkeypatch):
    monkeypatch.setenv("VAULTGRAPH_VAULT", str(small))
    assert json.loads(run("backlinks", "NT", "--json").output)["note"] == "Neurotransmitter.md"
    monkeypatch.delenv("VAULTGRAPH_VAULT")
    (small / ".obsidian").mkdir()
    monkeypatch.chdir(small / "bio")
    assert json.loads(run("backlinks", "NT", "--json").output)["note"] == "Neurotransmitter.md"


def test_hostile_note_names_print_as_text(make_vault):
    root = make_vault({"[bold]x[/bold].md": "[[Target]]", "Target.md": ""})
    result = run("backlinks", "Target", vault=root)
    assert "[bold]x[/bold].md" in result.output


@pytest.mark.skipif(not NOTES.is_dir(), reason="sample vault missing")
def test_real_subprocess_on_the_sample_vault():
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "vaultgraph", "--vault", str(NOTES), "check",
         "--unresolved", "warning", "--format", "json"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["summary"]["errors"] == 0 and data["summary"]["notes"] >= 40
    proc = subprocess.run(
        [sys.executable, "-m", "vaultgraph", "--vault", str(NOTES), "backlinks", "Neuroplasticity"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 0 and "Backlinks" in proc.stdout and proc.stderr == ""


def test_the_process_ends_with_its_exit_code_and_all_of_its_output(make_vault):
    # main() ends the process with os._exit once the output is flushed
    root = make_vault({"A.md": "\n".join(f"[[Missing {i}]]" for i in range(3000)), "B.md": "x"})

    def vaultgraph(*args):
        return subprocess.run([sys.executable, "-m", "vaultgraph", "--vault", str(root),
                               "--no-cache", *args], capture_output=True, text=True, timeout=120)

    proc = vaultgraph("check", "--format", "json")
    assert proc.returncode == 1
    assert len(proc.stdout) > 200_000 and json.loads(proc.stdout)["summary"]["errors"] == 3000
    proc = vaultgraph("backlinks", "B")
    assert proc.returncode == 0 and "B.md" in proc.stdout
    proc = vaultgraph("backlinks", "Nobody")
    assert proc.returncode == 1 and "Nobody" in proc.stderr
    proc = vaultgraph("check", "--select", "no-such-code")
    assert proc.returncode == 2 and "no-such-code" in proc.stderr


def test_the_process_keeps_openblas_to_one_thread_unless_told_otherwise():
    """numpy, imported for did-you-mean's tables, does no linear algebra: main() asks
    OpenBLAS for no thread pool (half of numpy's import), unless the environment says."""
    code = ("import os, sys, vaultgraph.cli as c; sys.argv = ['vaultgraph', '--version']; "
            "end = os._exit; os._exit = lambda code: (sys.stderr.write("
            "'[' + str(os.environ.get('OPENBLAS_NUM_THREADS')) + ']'), end(code)); c.main()")
    for given, expected in ((None, "[1]"), ("3", "[3]")):
        env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
        if given is not None:
            env["OPENBLAS_NUM_THREADS"] = given
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, timeout=60)
        assert proc.returncode == 0 and proc.stderr.endswith(expected), proc.stderr


def test_a_session_main_keeps_to_the_end_keeps_its_closed_vault(make_vault, tmp_path):
    """main() ends the process with os._exit: the vault its Session closes is kept, not
    freed (that would only delay the end); closed all the same (a throwaway index
    removed).  A Session of the library frees it."""
    import vaultgraph
    from vaultgraph.app import Session

    from vaultgraph.cli import _ProcessSessions

    root = make_vault({"A.md": "[[B]] [[Missing]]", "B.md": "x"})
    kept: list = []  # (a watcher's command: its process goes on)
    CliRunner().invoke(cli, ["--vault", str(root), "--no-cache", "check"], obj=kept)
    assert kept[0]._kept is None and kept[0]._vault is None
    alive = _ProcessSessions()
    result = CliRunner().invoke(cli, ["--vault", str(root), "--no-cache", "check"], obj=alive)
    assert result.exit_code == 1
    (session,) = alive
    vault = session._kept
    assert session._vault is None and vault._throwaway is not None
    assert not vault._throwaway.exists() and vault._index.connection is None
    library = Session(str(root), ".obsidian", str(tmp_path / "cache"), True)
    assert isinstance(library.vault(), vaultgraph.Vault)
    library.close()
    assert library._kept is None and library._vault is None


def test_cli_import_stays_light():
    code = ("import sys, vaultgraph.cli; heavy = {'networkx', 'rich', 'markdown_it', 'yaml', "
            "'rapidfuzz'} & set(sys.modules); print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("command, first", [(["backlinks", "B", "--json"], "backlinks"),
                                            (["tags", "--json"], "tags"),
                                            (["check", "--format", "json"], "diagnostics"),
                                            (["deadends", "--json"], "deadends")])
def test_answers_from_a_fresh_index_never_load_the_parser(make_vault, tmp_path, monkeypatch,
                                                          command, first):
    root = make_vault({"A.md": "[[B]] #t [[Nope]]", "B.md": "x"})
    # Settled files (their ctime, which no one can set, is now): the index keeps its answers.
    monkeypatch.setattr("vaultgraph.index.RACY_NS", 0)
    cache = str(tmp_path / "cache")
    assert CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", cache, *command]).exit_code in (0, 1)
    code = ("import sys, json, io, contextlib\n"
            "from vaultgraph.cli import cli\n"
            "import vaultgraph.index; vaultgraph.index.RACY_NS = 0\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n"
            "    try: cli(['--vault', sys.argv[1], '--cache-dir', sys.argv[2], *sys.argv[3:]])\n"
            "    except SystemExit: pass\n"
            "print(json.dumps([json.loads(out.getvalue()),"
            " sorted({'markdown_it', 'yaml', 'networkx', 'rich'} & set(sys.modules))]))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(root), cache, *command],
                          capture_output=True, text=True)
    answer, loaded = json.loads(proc.stdout)
    assert loaded == [], proc.stderr
    assert answer[first][0] == {
        "backlinks": {"source": "A.md", "line": 1, "column": 1, "kind": "link",
                      "context": "[[B]] #t [[Nope]]"},
        "tags": {"tag": "t", "count": 1, "total": 1, "notes": ["A.md"]},
        "diagnostics": {"path": "A.md", "line": 1, "column": 10, "severity": "error",
                        "code": "unresolved-link", "message": '[[Nope]] -- no note named "Nope"',
                        "target": "Nope", "suggestions": []},
        "deadends": "B.md",
    }[first]
