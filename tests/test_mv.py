"""`vaultgraph mv` end to end: every link form rewritten, style kept, refusals with
nothing written, resolution changes reported, and mv then mv back byte for byte."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaultgraph.cli import cli

from .conftest import CORPORA, needs_corpora


def run(vault: Path, *args: str):
    return CliRunner().invoke(cli, ["--vault", str(vault), *args], catch_exceptions=False)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


@pytest.fixture
def forms(make_vault):
    return make_vault({
        "Notes/Target Note.md": "# Target Note\n## Part\ntext ^blk\n",
        "Other/Target Note.md": "# A second one of that name\n",
        "img/pic one.png": b"\x89PNG",
        "Index.md": (
            "---\nrelated: \"[[Notes/Target Note#Part|tn]]\"\nup:\n  - \"[[Notes/Target Note]]\"\n---\n"
            "Wiki [[Notes/Target Note]] alias [[Notes/Target Note|the target]] "
            "heading [[Notes/Target Note#Part|p]] block [[Notes/Target Note#^blk]]\n"
            "Embed ![[Notes/Target Note#Part]] image ![[pic one.png|100]]\n"
            "Markdown [t [x]](Notes/Target%20Note.md#Part) angle [a](<Notes/Target Note.md>)\n"
            "| col | [[Notes/Target Note\\|table alias]] |\n| --- | --- |\n"
        ),
        "Notes/Near.md": "Same folder [[Target Note]] and relative [r](./Target%20Note.md)\n",
    })


def test_every_link_form_is_rewritten_and_the_rest_kept(forms):
    before = snapshot(forms)
    result = run(forms, "mv", "Notes/Target Note.md", "Archive/Renamed Note.md")
    assert result.exit_code == 0, result.output
    index = (forms / "Index.md").read_text(encoding="utf-8")
    assert index == (
        "---\nrelated: \"[[Archive/Renamed Note#Part|tn]]\"\nup:\n  - \"[[Archive/Renamed Note]]\"\n---\n"
        "Wiki [[Archive/Renamed Note]] alias [[Archive/Renamed Note|the target]] "
        "heading [[Archive/Renamed Note#Part|p]] block [[Archive/Renamed Note#^blk]]\n"
        "Embed ![[Archive/Renamed Note#Part]] image ![[pic one.png|100]]\n"
        "Markdown [t [x]](Archive/Renamed%20Note.md#Part) angle [a](<Archive/Renamed Note.md>)\n"
        "| col | [[Archive/Renamed Note\\|table alias]] |\n| --- | --- |\n")
    # A bare name leading to it by the same-folder rule: shortest is the name when unique.
    assert (forms / "Notes/Near.md").read_text() == \
        "Same folder [[Renamed Note]] and relative [r](../Archive/Renamed%20Note.md)\n"
    assert not (forms / "Notes/Target Note.md").exists()
    assert (forms / "Archive/Renamed Note.md").read_bytes() == before["Notes/Target Note.md"]
    assert "undo: vaultgraph --vault" in result.output
    # every link leads where it did: the renamed note's backlinks are all there
    back = json.loads(run(forms, "backlinks", "Archive/Renamed Note.md", "--json").output)
    assert len(back["backlinks"]) == 12


def test_attachment_and_folder_moves(forms):
    assert run(forms, "mv", "img/pic one.png", "media/pic two.png").exit_code == 0
    assert "![[pic two.png|100]]" in (forms / "Index.md").read_text()
    result = run(forms, "mv", "Notes", "Kept/Notes2")
    assert result.exit_code == 0, result.output
    text = (forms / "Index.md").read_text()
    # path-qualified links keep as many folders as they had, more only where needed
    assert "[[Notes2/Target Note|the target]]" in text
    assert "(Notes2/Target%20Note.md#Part)" in text
    # the moved folder's own links still lead where they did
    assert (forms / "Kept/Notes2/Near.md").read_text() == \
        "Same folder [[Target Note]] and relative [r](./Target%20Note.md)\n"


def test_line_endings_bom_mode_and_last_line_are_kept(make_vault):
    root = make_vault({"A.md": "# A\n",
                       "B.md": b"\xef\xbb\xbf---\r\nx: 1\r\n---\r\nsee [[A]]\r\nend\r\n[[A|a]]"})
    os.chmod(root / "B.md", 0o640)
    assert run(root, "mv", "A.md", "C.md").exit_code == 0
    assert (root / "B.md").read_bytes() == \
        b"\xef\xbb\xbf---\r\nx: 1\r\n---\r\nsee [[C]]\r\nend\r\n[[C|a]]"
    assert oct(os.stat(root / "B.md").st_mode & 0o777) == oct(0o640)
    assert not [p for p in root.iterdir() if p.name.endswith(".vaultgraph")]


def test_dry_run_prints_a_diff_and_writes_nothing(forms):
    before = snapshot(forms)
    result = run(forms, "mv", "--dry-run", "Notes/Target Note.md", "New.md")
    assert result.exit_code == 0
    assert "--- a/Index.md\n+++ b/Index.md\n" in result.output
    assert "+Wiki [[Notes/New]]" not in result.output  # a path-qualified link stays one...
    assert "+Wiki [[New]] alias" in result.output  # ...with as few folders as there are
    assert "would move Notes/Target Note.md -> New.md" in result.output
    assert snapshot(forms) == before


@pytest.mark.parametrize("args, message", [
    (["Notes/Target Note.md", "Index.md"], "already exists"),
    (["../elsewhere.md", "X.md"], "outside the vault"),
    (["Notes/Target Note.md", "../out.md"], "outside the vault"),
    (["Missing.md", "X.md"], "not found"),
    (["Notes", "Notes/Inner"], "inside"),
])
def test_refusals_exit_2_and_write_nothing(forms, args, message):
    before = snapshot(forms)
    result = run(forms, "mv", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert snapshot(forms) == before


def test_a_file_changed_since_it_was_read_is_refused(forms):
    """The hash is compared just before writing: a change between the plan and the write
    ends the run with nothing written."""
    import vaultgraph
    from vaultgraph.edits import ChangedOnDisk, apply, plan_move

    with vaultgraph.load(forms) as vault:
        plan = plan_move(vault, {"Notes/Target Note.md": "T2.md"})
    (forms / "Index.md").write_text("edited meanwhile [[Notes/Target Note]]\n")
    before = snapshot(forms)
    with pytest.raises(ChangedOnDisk):
        apply(forms, plan)
    assert snapshot(forms) == before


def test_a_link_that_cannot_be_written_refuses_the_move(make_vault):
    root = make_vault({"A.md": "# A\n", "B.md": "[[A]]\n"})
    before = snapshot(root)
    result = run(root, "mv", "A.md", "A#1.md")
    assert result.exit_code == 2
    assert "cannot be written" in result.output
    assert snapshot(root) == before


def test_captured_links_are_reported_and_kept_with_keep_resolution(make_vault):
    files = {"top/Topic.md": "# Topic\n", "deep/er/Topic.md": "# The deeper one\n",
             "x/Moving.md": "# m\n",
             "deep/Src.md": "[[Topic]] leads to top/Topic.md (shortest)\n"}
    root = make_vault(files)
    result = run(root, "mv", "--dry-run", "x/Moving.md", "deep/Topic.md")
    assert "captured: deep/Src.md:1:1: [[Topic]] led to top/Topic.md, would lead to " \
        "deep/Topic.md" in result.output
    result = run(root, "mv", "--keep-resolution", "x/Moving.md", "deep/Topic.md")
    assert result.exit_code == 0, result.output
    assert (root / "deep/Src.md").read_text().startswith("[[top/Topic]]")


@pytest.mark.parametrize("link_format, expected", [
    ("shortest", "[[Renamed]]"), ("absolute", "[[b/Renamed]]"), ("relative", "[[../b/Renamed]]")])
def test_bare_links_follow_new_link_format(make_vault, link_format, expected):
    root = make_vault({"a/Note.md": "x\n", "c/Src.md": "[[Note]]\n"},
                      obsidian={"newLinkFormat": link_format})
    assert run(root, "mv", "a/Note.md", "b/Renamed.md").exit_code == 0
    assert (root / "c/Src.md").read_text() == expected + "\n"


def test_json_output(forms):
    data = json.loads(run(forms, "mv", "--json", "-n", "img/pic one.png", "p.png").output)
    assert data["written"] is False and data["renamed"] == [
        {"from": "img/pic one.png", "to": "p.png"}]
    assert data["edits"] == [{"path": "Index.md", "line": 7, "column": 41,
                              "old": "pic one.png", "new": "p.png", "why": "now p.png"}]


def _most_linked(root: Path, count: int) -> list[str]:
    import vaultgraph

    with vaultgraph.load(root) as vault:
        rows = vault.backlinks_by_target()
        notes = [path for path in rows if path.endswith(".md") and "/" not in path[:0]]
        # links spelled exactly as the file: a renamed link is written in the file's
        # case, so one spelled otherwise would not come back byte for byte
        def spelled(path: str) -> bool:
            return all(edge.resolution.spelled is None and
                       path.rsplit("/", 1)[-1].removesuffix(".md") in edge.link.path
                       for edge in vault.backlinks(path))
        return [p for p in sorted(notes, key=lambda p: (-len(rows[p]), p)) if spelled(p)][:count]


@pytest.mark.slow
@needs_corpora
@pytest.mark.parametrize("name", sorted(p.name for p in CORPORA.iterdir() if p.is_dir())
                         if CORPORA.is_dir() else [])
def test_mv_and_back_on_every_corpus_is_byte_identical(name, tmp_path):
    root = tmp_path / name
    shutil.copytree(CORPORA / name, root, symlinks=True)
    before = {path: hashlib.sha1(data).hexdigest() for path, data in snapshot(root).items()}
    moved = 0
    cache = ["--cache-dir", str(tmp_path / "cache")]  # warm after the first run (and kept
    for note in _most_linked(root, 2):                # up to date by mv itself)
        stem = note.rsplit("/", 1)[-1]
        for dest in (f"zz-moved/{stem}", note[:-3] + " renamed.md"):
            planned = run(root, *cache, "mv", "-n", "--json", note, dest)
            if planned.exit_code == 2:
                continue  # refused whole: a canvas's link, a name a link cannot hold
            if json.loads(planned.output)["resolution_changes"]:
                continue  # refused, or capturing a link: then mv back is not the inverse
            there = run(root, *cache, "mv", note, dest)
            assert there.exit_code == 0, there.output
            back = run(root, *cache, "mv", dest, note)
            assert back.exit_code == 0, back.output
            moved += 1
            shutil.rmtree(root / "zz-moved", ignore_errors=True)
            after = {p: hashlib.sha1(d).hexdigest() for p, d in snapshot(root).items()}
            assert after == before, (note, dest)
    assert moved


def test_a_canvas_file_node_follows_its_file(make_vault):
    canvas = ('{"nodes":[\r\n {"type":"file","file":"a/Note.md","id":"n1","x":0},\r\n'
              ' {"id":"n2","type":"file","file":"img/p\\u00e9.png","subpath":"#x"},\r\n'
              ' {"id":"n3","type":"text","text":"\\"file\\": \\"a/Note.md\\""}]}')
    root = make_vault({"a/Note.md": "x\n", "img/pé.png": b"PNG", "c.canvas": canvas})
    assert run(root, "mv", "a/Note.md", "b/Renamed.md").exit_code == 0
    assert run(root, "mv", "img", "media").exit_code == 0
    assert (root / "c.canvas").read_bytes() == canvas.replace(
        '"file":"a/Note.md"', '"file":"b/Renamed.md"').replace(
        '"img/p\\u00e9.png"', '"media/pé.png"').encode()


def test_the_undo_command_moves_it_back(forms, monkeypatch):
    before = snapshot(forms)
    monkeypatch.chdir(forms / "Notes")  # inside the vault: paths from here
    result = run(forms, "mv", "Target Note.md", "../Elsewhere/T.md")
    undo = result.output.split("undo: ", 1)[1].strip()
    assert undo == f"vaultgraph --vault {forms} mv ../Elsewhere/T.md 'Target Note.md'"
    import shlex
    args = shlex.split(undo)[1:]
    assert CliRunner().invoke(cli, args, catch_exceptions=False).exit_code == 0
    shutil.rmtree(forms / "Elsewhere")
    assert snapshot(forms) == before


def test_a_failure_halfway_puts_every_file_back(forms, monkeypatch):
    """The rename fails after the links were rewritten: the rewritten files get their
    old bytes back and the command ends with 2."""
    before = snapshot(forms)

    def refuse(*args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "rename", refuse)
    result = run(forms, "mv", "Notes/Target Note.md", "T.md")
    assert result.exit_code == 2 and "put back" in result.output
    assert snapshot(forms) == before


def test_the_index_is_up_to_date_after_mv(forms, tmp_path):
    cache = str(tmp_path / "cache")
    assert run(forms, "--cache-dir", cache, "mv", "Notes/Target Note.md", "T.md").exit_code == 0
    figures = json.loads(run(forms, "--cache-dir", cache, "index", "--json").output)
    assert figures["parsed"] == 0


def test_markdown_destinations_with_escapes_entities_and_titles(make_vault):
    root = make_vault({"x_y.md": "x", "a&b.md": "x", "Note.md": "x", "café.md": "x",
                       "s.md": '[b](x\\_y.md) [c](a&amp;b.md) [f](Note.md "title") [a](café.md)\n'})
    for old, new in (("x_y.md", "x y.md"), ("a&b.md", "ab.md"), ("Note.md", "N2.md"),
                     ("café.md", "thé.md")):
        result = run(root, "mv", old, new)
        assert result.exit_code == 0, result.output
    assert (root / "s.md").read_text() == \
        '[b](x%20y.md) [c](ab.md) [f](N2.md "title") [a](thé.md)\n'


def test_notes_whose_links_were_not_read_are_named(make_vault):
    root = make_vault({"A.md": "x", "b.md": b"[[A]] \xff\x00 binary"})
    result = run(root, "mv", "A.md", "C.md")
    assert result.exit_code == 0
    assert "not read (too large, unreadable or not parsed): b.md" in result.output


def test_a_file_changed_after_the_index_read_it_is_refused(forms):
    """The links' places come from the index: a file whose bytes differ from those the
    index read is not edited (the move is refused)."""
    import vaultgraph
    from vaultgraph.edits import plan_move

    with vaultgraph.load(forms) as vault:
        (forms / "Index.md").write_text("x [[Notes/Target Note]]\n")
        plan = plan_move(vault, {"Notes/Target Note.md": "T2.md"})
    assert "Index.md: changed on disk since it was read" in plan.problems
