"""Answers a user can act on (issue 19), end to end through the CLI: did-you-mean
offers link targets (never an alias alone), NOTE and TAG lookups that match nothing
say what would, `explain NOTE:LINE` past the end, where the vault is."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import vaultgraph
from vaultgraph.cli import cli
from vaultgraph.index import SuggestionStore, index_file
from vaultgraph.suggest import Suggester, alias_key

CACHE = [pytest.param(False, id="no-cache"), pytest.param(True, id="cache")]

TRANSMITTER = "---\naliases: [Neurotransmitters, Neurochemical]\n---\n# Neurotransmitter\n"


def invoke(root, *args, cache: bool = False):
    where = [] if cache else ["--no-cache"]
    return CliRunner().invoke(cli, ["--vault", str(root), *where, *args])


def suggestions(root, cache: bool) -> dict[str, list[str]]:
    """check's did-you-mean answers, link target -> suggestions."""
    result = invoke(root, "check", "--format", "json", cache=cache)
    return {d["target"]: d["suggestions"]
            for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "unresolved-link"}


@pytest.mark.parametrize("cache", CACHE)
def test_did_you_mean_offers_the_note_name_never_an_alias_alone(make_vault, cache):
    root = make_vault({
        "Neurotransmitter.md": TRANSMITTER,
        "src.md": "[[Nuerotransmitter]] [[Neurotransmiters]] [[Neurochemicall]]\n"})
    assert suggestions(root, cache) == {
        "Nuerotransmitter": ["Neurotransmitter"],  # not its alias Neurotransmitters
        "Neurotransmiters": ["Neurotransmitter|Neurotransmitters"],  # the alias is closest
        "Neurochemicall": ["Neurotransmitter|Neurochemical"]}
    text = invoke(root, "check", cache=cache).stdout
    assert '[[Nuerotransmitter]] -- did you mean "Neurotransmitter"?' in text
    assert ("[[Neurotransmiters]] -- did you mean [[Neurotransmitter|Neurotransmitters]]?"
            in text)
    explained = invoke(root, "explain", "src:1", cache=cache).stdout
    assert "did you mean [[Neurotransmitter|Neurochemical]]?" in explained
    assert '"Neurochemical"' not in explained


@pytest.mark.parametrize("cache", CACHE)
def test_a_note_lookup_lists_a_note_once_however_many_aliases_match(make_vault, cache):
    root = make_vault({"Serotonin.md": "---\naliases: [Serotonine, Serotonins, 5-HT]\n---\n",
                       "Dopamine.md": ""})
    result = invoke(root, "backlinks", "Serotonim", cache=cache)
    assert result.exit_code == 1
    assert result.stderr.strip() == 'vaultgraph: no note matches "Serotonim"; did you mean "Serotonin"?'
    result = invoke(root, "backlinks", "Serotonnes", cache=cache)
    assert result.stderr.count("Seroton") == 2  # the query, and one answer: the closest alias
    assert 'did you mean "Serotonine"?' in result.stderr or 'did you mean "Serotonins"?' in result.stderr


def test_kept_answers_follow_aliases_and_names_as_they_change(make_vault):
    """The did-you-mean answers kept in the index equal answers scored afresh after each
    edit: an alias that becomes the closest, an owner renamed, an alias removed."""
    root = make_vault({"Neurotransmitter.md": "# N\n",
                       "src.md": "[[Neurotransmiters]] [[Neurochemicall]]\n"})

    def both() -> dict:
        kept = suggestions(root, cache=True)
        assert kept == suggestions(root, cache=False)
        return kept

    assert both() == {"Neurotransmiters": ["Neurotransmitter"], "Neurochemicall": []}
    (root / "Neurotransmitter.md").write_text(TRANSMITTER)
    assert both() == {"Neurotransmiters": ["Neurotransmitter|Neurotransmitters"],
                      "Neurochemicall": ["Neurotransmitter|Neurochemical"]}
    (root / "Neurotransmitter.md").rename(root / "Transmitter.md")
    assert both() == {"Neurotransmiters": ["Transmitter|Neurotransmitters"],
                      "Neurochemicall": ["Transmitter|Neurochemical"]}
    (root / "Transmitter.md").write_text("---\naliases: [Neurochemical]\n---\n")
    assert both() == {"Neurotransmiters": [], "Neurochemicall": ["Transmitter|Neurochemical"]}


def test_a_kept_answer_whose_alias_went_is_scored_again(tmp_path):
    """A note is listed once, by its best key: when that key goes, another key of the
    same note may take its place, even in an answer shorter than the limit."""
    root = tmp_path / "vault"
    root.mkdir()
    vaultgraph.load(root, cache=True, cache_dir=tmp_path).close()  # creates the index
    store = SuggestionStore(index_file(root, tmp_path))
    best, other = alias_key("serotonine", "serotonin"), alias_key("serotonins", "serotonin")
    keys = ["dopamine", best, other]

    def scores(queries, keys, limit):
        return Suggester.scores(queries, keys, limit, by_owner=True)

    first = store.answers(["serotonnes"], lambda: keys, 3, scores)
    assert [key for _, key in first["serotonnes"]] in ([best], [other])
    gone = first["serotonnes"][0][1]
    left = [key for key in keys if key != gone]
    again = store.answers(["serotonnes"], lambda: left, 3, scores)
    assert again == scores(["serotonnes"], left, 3) != {"serotonnes": []}


def test_a_start_of_several_note_names_lists_them_and_exits_1(make_vault):
    root = make_vault({"Alpha one.md": "", "Alpha two.md": "", "Beta.md": ""})
    result = invoke(root, "backlinks", "Alpha")
    assert result.exit_code == 1
    assert result.stderr == ('vaultgraph: no note matches "Alpha"; 2 note names start with it '
                             '("Alpha one", "Alpha two"): give more of the name\n')


@pytest.mark.parametrize("cache", CACHE)
def test_a_tag_no_note_carries_gets_close_tags_and_exit_1(make_vault, cache):
    root = make_vault({"a.md": "#neuroscience/plasticity #Biology #bio-chem\n"})
    result = invoke(root, "tags", "neuroscince", cache=cache)
    assert result.exit_code == 1
    assert result.stdout == "#neuroscince (0 notes)\n  did you mean #neuroscience?\n"
    result = invoke(root, "tags", "#plasticity", "--json", cache=cache)
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"tag": "plasticity", "notes": [],
                                         "suggestions": ["neuroscience/plasticity"]}
    found = json.loads(invoke(root, "tags", "bio", "--json", cache=cache).stdout)
    assert found["suggestions"] == ["bio-chem", "Biology"]  # the tags starting with it
    found = invoke(root, "tags", "biology", "--json", cache=cache)
    assert found.exit_code == 0
    assert json.loads(found.stdout) == {"tag": "Biology", "notes": ["a.md"]}


def test_explain_a_line_past_the_end_says_how_many_lines_the_note_has(make_vault):
    root = make_vault({"a.md": "one [[b]]\r\ntwo\rthree", "b.md": "", "empty.md": ""})
    for line in (4, 0, 99):
        result = invoke(root, "explain", f"a:{line}")
        assert result.exit_code == 1
        assert result.stderr == f"vaultgraph: a.md has 3 lines: there is no line {line}\n"
    result = invoke(root, "explain", "a:3")  # a line with no link: said as before
    assert (result.exit_code, result.stdout) == (1, "no link there\n")
    assert invoke(root, "explain", "empty:1").stderr == (
        "vaultgraph: empty.md is empty: there is no line 1\n")


def test_a_folder_that_is_not_a_vault(tmp_path, monkeypatch):
    """Without --vault and with no .obsidian/ at or above the current folder: a folder
    with no notes is not a vault (exit 2), one with notes is used and said so once, and
    a large tree is not walked silently."""
    from vaultgraph import app

    monkeypatch.delenv("VAULTGRAPH_VAULT", raising=False)
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "sub" / "picture.png").write_bytes(b"")
    monkeypatch.chdir(empty)
    result = CliRunner().invoke(cli, ["--no-cache", "check"])
    assert result.exit_code == 2
    assert result.stderr == (f"vaultgraph: not a vault: {empty} has no .obsidian/ folder, nor "
                             "has any folder above it, and it holds no notes; give --vault PATH\n")
    (empty / "sub" / "note.md").write_text("[[missing]]\n")
    result = CliRunner().invoke(cli, ["--no-cache", "check"])
    assert result.exit_code == 1
    assert result.stderr == (f"vaultgraph: no .obsidian/ folder here or above: using {empty} "
                             "as the vault (1 note)\n")
    monkeypatch.setattr(app, "IMPLICIT_VAULT_LIMIT", 2)
    result = CliRunner().invoke(cli, ["--no-cache", "tags"])
    assert result.exit_code == 2 and "holds over 2 files; give --vault" in result.stderr
    assert CliRunner().invoke(cli, ["--no-cache", "--vault", ".", "tags"]).exit_code == 0
    (empty / ".obsidian").mkdir()
    result = CliRunner().invoke(cli, ["--no-cache", "check"])
    assert (result.exit_code, result.stderr) == (1, "")


def test_group_options_after_the_command_and_did_you_mean(make_vault, tmp_path):
    root = make_vault({"a.md": "#x [[b]]\n", "b.md": ""})
    front = CliRunner().invoke(cli, ["--vault", str(root), "--no-cache", "backlinks", "b"])
    for args in (["backlinks", "b", "--vault", str(root), "--no-cache"],
                 ["backlinks", "--vault", str(root), "--cache-dir", str(tmp_path / "c"), "b"],
                 ["--vault", "elsewhere", "backlinks", "b", f"--vault={root}",
                  "--config-dir", ".obsidian"]):
        result = CliRunner().invoke(cli, args)
        assert (result.exit_code, result.stdout) == (0, front.stdout), args
    assert (tmp_path / "c").is_dir()
    result = CliRunner().invoke(cli, ["report", "backlinks", "--vault", str(root), "--no-cache"])
    assert result.exit_code == 0 and "[[a]]" in result.stdout
    for command in (["check"], ["tags"], ["report", "backlinks"], ["explain", "x"]):
        result = CliRunner().invoke(cli, [*command, "--vaul", str(root)])
        assert result.exit_code == 2
        assert "No such option '--vaul'. Did you mean '--vault'?" in result.stderr, command
    result = CliRunner().invoke(cli, ["check", "--selct", "x"])
    assert "No such option '--selct'. Did you mean '--select'?\n" in result.stderr


def test_a_misspelt_command_gets_did_you_mean():
    for args, said in ((["chek"], "No such command 'chek'. Did you mean 'check'?"),
                       (["report", "backlink"],
                        "No such command 'backlink'. Did you mean 'backlinks'?"),
                       (["zzz"], "No such command 'zzz'.\n")):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2 and said in result.stderr, result.stderr


def test_version():
    from vaultgraph import __version__

    for flag in ("-V", "--version"):
        result = CliRunner().invoke(cli, [flag])
        assert (result.exit_code, result.stdout) == (0, f"vaultgraph, version {__version__}\n")


def test_shell_completion_of_note_names_and_tags_from_the_index(make_vault, tmp_path):
    root = make_vault({"Neuron.md": "#neuroscience/cells\n", "Neurotransmitter.md": "#Neuro",
                       "sub/Neural crest.md": "", "Glia.md": "#glia"})
    cache = str(tmp_path / "cache")
    front = ["vaultgraph", "--vault", str(root), "--cache-dir", cache]

    def complete(*words: str, shell: str = "bash") -> list[str]:
        line = [*front, *words]
        env = {"_VAULTGRAPH_COMPLETE": f"{shell}_complete", "COMP_WORDS": " ".join(line),
               "COMP_CWORD": str(len(line) - 1)}
        result = CliRunner().invoke(cli, [], prog_name="vaultgraph", env=env)
        assert result.exit_code == 0, result.output
        return result.stdout.split()

    assert complete("backlinks", "neur") == []  # no index yet: none is made for a completion
    assert CliRunner().invoke(cli, front[1:] + ["index"]).exit_code == 0
    assert complete("backlinks", "neur") == ["plain,Neural", "crest", "plain,Neuron",
                                            "plain,Neurotransmitter"]
    assert complete("path", "Glia", "neuro") == ["plain,Neuron", "plain,Neurotransmitter"]
    assert complete("explain", "x", "--from", "gl") == ["plain,Glia"]
    assert complete("tags", "neuro") == ["plain,Neuro", "plain,neuroscience/cells"]
    assert complete("export", "--tag", "#gl") == ["plain,#glia"]
    assert complete("report", "backlinks", "--tag", "gl", shell="zsh") == ["plain", "glia", "_"]
    front[:] = ["vaultgraph"]
    assert complete("--vault", "no") == ["dir,no"]  # the shell lists the folders
    assert complete("check", "--vault", "no") == ["dir,no"]
    for shell in ("bash", "zsh", "fish"):  # the scripts docs/cli.md tells users to load
        script = CliRunner().invoke(cli, [], prog_name="vaultgraph",
                                    env={"_VAULTGRAPH_COMPLETE": f"{shell}_source"})
        assert "_VAULTGRAPH_COMPLETE" in script.stdout, shell


def _on_a_terminal(args: list[str], columns: int) -> str:
    """What ``vaultgraph ARGS`` shows on a terminal ``columns`` wide (a pseudo-terminal;
    colours stripped)."""
    import fcntl
    import os
    import pty
    import re
    import struct
    import subprocess
    import sys
    import termios

    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen([sys.executable, "-m", "vaultgraph", *args], stdin=child,
                               stdout=child, stderr=subprocess.DEVNULL,
                               env={**env, "TERM": "xterm"})
    os.close(child)
    out = b""
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        out += data
    os.close(main)
    process.wait(timeout=60)
    return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", out.decode()).replace("\r", "")


@pytest.mark.slow
def test_list_outputs_wrap_long_lines_under_their_start_on_a_terminal(make_vault):
    """On a terminal narrower than a line, `related`, `backlinks`, `mentions`,
    `neighbors` and `path` wrap it at spaces, its next lines indented under the text,
    not cut at column 1; piped, each stays one line."""
    words = " ".join(f"word{i}" for i in range(30))
    root = make_vault({
        "Hub.md": f"[[Target]] {words} Target\n#t",
        "Target.md": "[[Hub]] #t",
        "Long name of a note that goes on and on.md": "[[Hub]] #t"})
    shown = _on_a_terminal(["--vault", str(root), "--no-cache", "backlinks", "Target"], 50)
    lines = shown.splitlines()
    assert all(len(line) <= 50 for line in lines), shown
    first = next(i for i, line in enumerate(lines) if "[[Target]]" in line)
    column = lines[first].index("[[Target]]")
    assert lines[first + 1].startswith(" " * column) and lines[first + 1][column] != " "
    related = _on_a_terminal(["--vault", str(root), "--no-cache", "related", "Target"], 40)
    assert all(len(line) <= 40 for line in related.splitlines()), related
    lines = related.splitlines()
    first = next(i for i, line in enumerate(lines) if "Long name" in line)
    assert lines[first + 1][:9] == " " * 9 and lines[first + 1][9] != " ", related
    mentions = _on_a_terminal(["--vault", str(root), "--no-cache", "mentions", "Target"], 50)
    assert all(len(line) <= 50 for line in mentions.splitlines()), mentions
    piped = invoke(root, "backlinks", "Target").stdout
    assert f"[[Target]] {words} Target" in piped


def test_provenance_says_an_identifier_once(make_vault):
    root = make_vault({"Claim.md": "---\ntype: claim\n---\nSee https://example.org/paper "
                                   "and doi:10.1234/abcd.\n"})
    shown = invoke(root, "provenance", "Claim").stdout
    assert shown.count("https://example.org/paper") == 1
    assert shown.count("10.1234/abcd") == 1
    assert "https://example.org/paper [external]" in shown
    assert "doi:10.1234/abcd [external]" in shown


@pytest.mark.parametrize("cache", CACHE)
def test_a_slash_in_an_alias_or_heading_is_text(make_vault, cache):
    """An alias key holds its note's name after the last "/" (a note name holds none);
    an alias holding "/" is still scored whole, and so is a heading."""
    root = make_vault({"Networking.md": "---\naliases: [TCP/IP stack]\n---\n## Input/Output\n",
                       "src.md": "[[Networking#Input/Outpt]]\n"})
    result = invoke(root, "backlinks", "TCP/IP stak", cache=cache)
    assert result.stderr == 'vaultgraph: no note matches "TCP/IP stak"; did you mean "TCP/IP stack"?\n'
    found = json.loads(invoke(root, "check", "--format", "json", cache=cache).stdout)
    assert [d["suggestions"] for d in found["diagnostics"]] == [["Input/Output"]]
