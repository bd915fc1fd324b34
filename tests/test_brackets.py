"""Brackets in link targets and note names (docs/obsidian-rules.md, "Wikilinks and embeds"):
``[[wiki [link]]]`` links to the note ``wiki [link]`` (obsidian.nvim #972), and a name is
unlinkable only when ``[[name]]`` does not read back as it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from vaultgraph.cli import cli
from vaultgraph.files import name_problems
from vaultgraph.parse import parse_text


@pytest.mark.parametrize("text, expected", [
    ("[[wiki [link]]]", [("wiki [link]", None)]),
    ("![[pic [1].png|200]]", [("pic [1].png", "200")]),
    ("[[[x]]]", [("[x]", None)]),
    ("[[a [b [c]]]]", [("a [b [c]]", None)]),
    ("see [[wiki [link]]] and [[Other]]", [("wiki [link]", None), ("Other", None)]),
    ("| [[wiki [link]]] |", [("wiki [link]", None)]),
    # a `]` that no open `[` in the target waits for stays text after the link
    ("See [[Pramaana-s]]]", [("Pramaana-s", None)]),  # as written in vaultofknowledge
    ("[[x [y]]", [("x [y", None)]),
    ("[[a [b] c]]", [("a [b] c", None)]),
    ("[[Sq]uare]]", [("Sq]uare", None)]),  # observed in Obsidian 1.13.7 (W9)
    ("[[a [b]]\n]", [("a [b", None)]),  # a line break ends the run
])
def test_brackets_in_link_targets(text, expected):
    notes = [parse_text("n.md", text, scan=scan) for scan in (True, False)]
    assert notes[0] == notes[1]
    assert [(link.path, link.alias) for link in notes[0].links] == expected


@pytest.mark.parametrize("name, unlinkable", [
    ("wiki [link].md", False), ("[bracket].md", False), ("Sq]uare.md", False),
    ("[x.md", False), ("a [b] c.md", False),
    ("[[bracket]].md", True), ("a]]b.md", True), ("x[[y.md", True), ("a].md", True),
    ("C# basics.md", True), ("a^b.md", True), ("pipe|name.md", True), ("[C#].md", True),
])
def test_a_name_is_unlinkable_when_its_link_does_not_read_back(name, unlinkable):
    codes = [d.code for d in name_problems([f"folder/{name}"])]
    assert codes == (["unlinkable-name"] if unlinkable else [])


def test_cli_links_a_note_whose_name_has_brackets(make_vault):
    root = make_vault({"wiki [link].md": "# Target\n", "a].md": "",
                       "Src.md": "[[wiki [link]]] and [[wiki [link]#Target]] and [[a]]]\n"})
    result = CliRunner().invoke(cli, ["--vault", str(root), "check", "--format", "json"])
    assert "Traceback" not in result.output
    rows = json.loads(result.stdout)["diagnostics"]
    assert [(d["path"], d["code"], d["target"]) for d in rows] == [
        ("Src.md", "unresolved-link", "a"), ("a].md", "unlinkable-name", None)]
    backlinks = CliRunner().invoke(cli, ["--vault", str(root), "backlinks", "wiki [link]",
                                         "--json"])
    assert [b["source"] for b in json.loads(backlinks.stdout)["backlinks"]] == ["Src.md"] * 2
