"""Vault contents, app.json settings, the Python API and the concept graph."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

import vaultgraph
from vaultgraph.cli import cli
from vaultgraph.files import VaultConfig, discover, load_config


def test_dot_folders_are_not_part_of_the_vault(make_vault):
    root = make_vault({
        "Note.md": "", ".trash/Note.md": "", ".obsidian/x.md": "", ".archive/Other.md": "",
        "a/.hidden.md": "", "img.png": b"\x89PNG", "board.canvas": "{}", "view.base": "",
        "src.md": "[[Other]] [[Note]]",
    })
    vault = vaultgraph.load(root)
    assert vault.files == ["Note.md", "board.canvas", "img.png", "src.md", "view.base"]
    assert sorted(vault.notes) == ["Note.md", "src.md"]  # canvas/base are files, not notes
    assert [e.target for e in vault.outgoing("src.md")] == [None, "Note.md"]


@pytest.mark.parametrize(
    "filters, path, excluded",
    [
        (["Templates/"], "Templates/Daily.md", True),
        (["Templates/"], "templates/Daily.md", True),  # prefix, case-insensitive
        (["Templates/"], "Notes/Templates/Daily.md", False),
        (["/\\.excalidraw\\.md$/"], "drawings/x.excalidraw.md", True),  # /regex/ anywhere
        (["/^Archive/"], "Archive/old.md", True),
        (["/^Archive/"], "Notes/Archive/old.md", False),
        (["/^archive/"], "Archive/old.md", True),  # /regex/ without case too (the "i" flag)
        (["/^(a+)+$/", "b/"], "a" * 40 + ".md", False),  # no backtracking: matched by RE2
        (["/^(a+)+$/", "b/"], "B/x.md", True),
        ([], "anything.md", False),
    ],
)
def test_user_ignore_filters(filters, path, excluded):
    assert VaultConfig(ignore_filters=filters).is_excluded(path) is excluded


def test_bad_app_json_is_a_warning(make_vault):
    root = make_vault({"a.md": ""})
    (root / ".obsidian").mkdir()
    (root / ".obsidian" / "app.json").write_text("{not json")
    config = load_config(root)
    assert [d.code for d in config.diagnostics] == ["invalid-config"]
    assert [d.code for d in VaultConfig(ignore_filters=["/[/"]).diagnostics] == ["invalid-config"]
    lookahead = VaultConfig(ignore_filters=["/^(?!Keep)/", "Drafts/"])
    assert [d.code for d in lookahead.diagnostics] == ["invalid-config"]
    assert "lookaround" in lookahead.diagnostics[0].message
    assert lookahead.is_excluded("drafts/x.md") and not lookahead.is_excluded("Other/x.md")
    assert [d.code for d in VaultConfig(ignore_filters=["/\ud800/"]).diagnostics] == ["invalid-config"]


@pytest.mark.parametrize("cache", [True, False])
def test_bad_app_json_is_reported_where_the_json_goes_wrong(make_vault, tmp_path, cache):
    root = make_vault({"a.md": ""})
    (root / ".obsidian").mkdir()
    (root / ".obsidian" / "app.json").write_text('{\n  "userIgnoreFilters": ["T/",]\n}\n')
    where = ["--cache-dir", str(tmp_path / "c")] if cache else ["--no-cache"]
    result = CliRunner().invoke(cli, ["--vault", str(root), *where, "check", "--json"])
    assert [(d["path"], d["line"], d["column"], d["code"], d["message"])
            for d in json.loads(result.stdout)["diagnostics"]] == [
        (".obsidian/app.json", 2, 30, "invalid-config",
         "app.json is not valid JSON: Expecting value; its settings are not used")]


def test_config_dir_can_be_renamed(make_vault):
    root = make_vault({"T/a.md": ""})
    (root / ".obsidian-work").mkdir()
    (root / ".obsidian-work" / "app.json").write_text('{"userIgnoreFilters": ["T/"]}')
    assert load_config(root, ".obsidian-work").is_excluded("T/a.md")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlink_loops_and_links_into_the_vault_are_ignored(make_vault, tmp_path):
    root = make_vault({"a/Note.md": "", "b/x.md": ""})
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Shared.md").write_text("[[Note]]")
    os.symlink(root, root / "a" / "loop")          # back to the vault root
    os.symlink(root / "b", root / "a" / "b-again")  # into the vault again
    os.symlink(outside, root / "ext")               # outside: followed
    os.symlink(root / "missing.md", root / "dangling.md")
    files, problems = discover(root)
    assert list(files) == ["a/Note.md", "b/x.md", "ext/Shared.md"]
    assert sorted(p.path for p in problems) == ["a/b-again", "a/loop", "dangling.md"]
    assert {p.code for p in problems} == {"ignored-symlink"}


def _vanishing(monkeypatch, name: str) -> None:
    """Make stat fail on ``name`` as it does for a file deleted after the listing."""
    import errno

    real_stat = os.stat

    def stat(path, *args, **kwargs):
        if str(path).endswith(name):
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)


@pytest.mark.parametrize("split", [False, True])
def test_files_are_stated_alike_in_one_process_or_two(make_vault, monkeypatch, split):
    from vaultgraph import files

    layout = {f"d{i % 3}/n{i}.md": "x" * i for i in range(40)}
    layout.update({"Ünïcode.md": "u", "img.png": b"\x89PNG", "z/gone.md": ""})
    root = make_vault(layout)
    expected = {}
    for path in layout:
        if path != "z/gone.md":
            stat = (root / path).stat()
            expected[path] = (stat.st_size, stat.st_mtime_ns)
    _vanishing(monkeypatch, "gone.md")
    monkeypatch.setattr(files, "PARALLEL_STAT", 2 if split else 10**9)
    found, problems = discover(root)
    assert found == expected and list(found) == sorted(expected)
    assert [(p.path, p.code, p.message) for p in problems] == [
        ("z/gone.md", "unreadable-file", "cannot stat: No such file or directory")]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_a_failing_stat_child_is_made_up_for(make_vault, monkeypatch):
    from vaultgraph import files

    root = make_vault({f"n{i}.md": "x" * i for i in range(10)})
    parent, real = os.getpid(), files._stat

    def stat_here_only(paths):
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return real(paths)

    forks = []
    real_fork = os.fork

    def fork():
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(files, "_stat", stat_here_only)
    monkeypatch.setattr(files, "PARALLEL_STAT", 2)
    monkeypatch.setattr(os, "fork", fork)
    found, _ = discover(root)
    assert forks  # a child was made, and failed
    assert found == {f"n{i}.md": (i, (root / f"n{i}.md").stat().st_mtime_ns) for i in range(10)}


def test_api_note_lookup_backlinks_and_tags(make_vault):
    root = make_vault({
        "AI.md": "---\naliases: [Artificial Intelligence]\ntags: [topic/ml]\n---\n",
        "src.md": "[[AI]] [[Artificial Intelligence]] #Topic",
    })
    vault = vaultgraph.load(root)
    assert vault.note("artificial intelligence").path == "AI.md"
    assert [e.source for e in vault.backlinks("AI.md")] == ["src.md"]  # aliases never resolve
    assert vault.notes_with_tag("topic") == ["AI.md", "src.md"]
    assert vault.notes_with_tag("topic/ml") == ["AI.md"]
    with pytest.raises(LookupError):
        vault.note("nothing like it")


def test_graph_nodes_and_edges(make_vault):
    root = make_vault({
        "A.md": "---\nup: \"[[B]]\"\ntags: [x]\n---\n[[B#H|alias]] ![[pic.png|100]] [[Ghost]] [[#Self]]\n",
        "B.md": "# H\n", "pic.png": b"\x89PNG",
    })
    graph = vaultgraph.load(root).graph
    assert graph.nodes["A.md"]["kind"] == "note" and graph.nodes["A.md"]["tags"] == ["x"]
    assert graph.nodes["pic.png"]["kind"] == "attachment"
    assert graph.nodes["Ghost"] == {"kind": "unresolved", "title": "Ghost", "exists": False,
                                    "excluded": False, "aliases": [], "tags": [], "frontmatter": {}}
    edges = sorted((u, v, d["kind"], d["line"], d["subpath"], d["alias"])
                   for u, v, d in graph.edges(data=True))
    assert edges == [
        ("A.md", "A.md", "link", 5, "Self", None),
        ("A.md", "B.md", "link", 5, "H", "alias"),
        ("A.md", "B.md", "property:up", 2, None, None),
        ("A.md", "Ghost", "link", 5, None, None),
        ("A.md", "pic.png", "embed", 5, None, "100"),
    ]


def test_resolution_does_not_depend_on_discovery_order(make_vault):
    from vaultgraph.resolve import Resolver

    files = {"aa/Tie.md": "", "bb/Tie.md": "", "x/Tie.md": "", "x/src.md": "[[Tie]]",
             "src.md": "[[Tie]]"}
    root = make_vault(files)
    vault = vaultgraph.load(root)
    shuffled = Resolver(list(reversed(vault.files)))
    for path in ("src.md", "x/src.md"):
        assert [e.target for e in vault.outgoing(path)] == \
            [shuffled.resolve(e.link.path, path).target for e in vault.outgoing(path)]
    assert [e.target for e in vault.outgoing("x/src.md")] == ["x/Tie.md"]
