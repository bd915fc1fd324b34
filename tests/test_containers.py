"""Headings and block ids inside callouts, quotes and list items (docs/obsidian-rules.md,
"Headings and blocks"): only top-level headings are the note's; block ids count anywhere."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from vaultgraph import load
from vaultgraph.findings import check_vault
from vaultgraph.cli import cli
from vaultgraph.parse import parse_text


@pytest.mark.parametrize(
    "text, top, nested",
    [
        ("> [!note] Box\n> # In callout", [], [("In callout", 2, "callout")]),
        ("> [!NOTE]- Folded\n> ## Deep\n> text", [], [("Deep", 2, "callout")]),
        ("> ## In quote", [], [("In quote", 1, "quote")]),
        ("> text\n>\n> In quote\n> ---", [], [("In quote", 3, "quote")]),  # setext
        ("- ## In list item", [], [("In list item", 1, "list item")]),
        ("1. # Numbered", [], [("Numbered", 1, "list item")]),
        ("- a\n\n  ## Under a", [], [("Under a", 3, "list item")]),
        ("> - ## In a list in a quote", [], [("In a list in a quote", 1, "quote")]),
        ("- > ## In a quote in a list", [], [("In a quote in a list", 1, "list item")]),
        ("> [!tip]\n> > # Quote in callout", [], [("Quote in callout", 2, "callout")]),
        ("# Top\n> [!note] Box\n> # In\n\n## After", [("Top", 1), ("After", 5)],
         [("In", 3, "callout")]),
        # a quote, a list item and an HTML block end at a blank line: what follows is top level
        ("> quote\n\n# Back", [("Back", 3)], []),
        ("- item\n\n# Not in it", [("Not in it", 3)], []),
        ("<div>\n\n# After HTML\n\n</div>", [("After HTML", 3)], []),
        # not headings at all: HTML, code, math, front matter
        ("<div>\n# in html\n</div>", [], []),
        ("```\n# code\n```", [], []),
        ("    # indented code", [], []),
        ("$$\n# math\n$$", [], []),
        ("---\ntitle: x\n# comment: yes\n---\n# Body", [("Body", 5)], []),
    ],
)
def test_only_top_level_headings_are_the_notes(text, top, nested):
    note = parse_text("n.md", text)
    assert [(h.text, h.line) for h in note.headings] == top
    assert [(h.text, h.line, h.container) for h in note.nested_headings] == nested


@pytest.mark.parametrize(
    "text, expected",
    [
        # a list item's own id, at any depth
        ("- a\n  - nested ^deep-item", [("deep-item", 2)]),
        ("1. one ^n1\n2. two ^n2", [("n1", 1), ("n2", 2)]),
        # a quote's or callout's last line, or the line after it (Quartz #967)
        ("> [!note] Box\n> - 1231231 ^2emjcu", [("2emjcu", 2)]),
        ("> [!note] t1\n> in t1\n> > [!note] t2\n> > in t2 ^fdxers", [("fdxers", 4)]),
        ("> [!note] Box\n> text\n^after-callout", [("after-callout", 3)]),
        ("> quoted ^qid", [("qid", 1)]),
        ("> ## Heading in quote ^hq", [("hq", 1)]),
        ("| a |\n|---|\n| b |\n^tableid", [("tableid", 4)]),
        ("> [!note]\n> ```\n> code ^nope\n> ```", []),
    ],
)
def test_block_ids_count_inside_containers(text, expected):
    assert [(b.id, b.line) for b in parse_text("n.md", text).blocks] == expected


@pytest.fixture
def vault(make_vault):
    return make_vault({
        "Note.md": ("# Top\n## Details\n\n> [!note] Box\n> # In callout\n> text ^in-callout\n\n"
                    "> ## In quote\n\n- ## In list item\n- an item ^item\n"),
        "Src.md": ("[[Note#In callout]] [[Note#In quote]] [[Note#In list item]]\n"
                   "[[Note#Top]] [[Note#Top#Details]] [[Note#^in-callout]] [[Note#^item]]\n"
                   "[[Note#In calout]] [[Note#Detials]]\n"),
    })


def test_check_reports_links_to_nested_headings_and_says_why(vault):
    found = [(d.line, d.column, d.code, d.target, d.suggestions, d.message)
             for d in check_vault(load(vault)).diagnostics]
    assert [f[:5] for f in found] == [
        (1, 1, "missing-heading", "Note#In callout", []),
        (1, 21, "missing-heading", "Note#In quote", []),
        (1, 39, "missing-heading", "Note#In list item", []),
        # did-you-mean offers the note's own headings only
        (3, 1, "missing-heading", "Note#In calout", []),
        (3, 20, "missing-heading", "Note#Detials", ["Details"]),
    ]
    messages = [f[5] for f in found]
    assert "the one on line 5 is inside a callout" in messages[0]
    assert "the one on line 8 is inside a quote" in messages[1]
    assert "the one on line 10 is inside a list item" in messages[2]
    assert "inside" not in messages[3] and "inside" not in messages[4]


def invoke(root, *args):
    result = CliRunner().invoke(cli, ["--vault", str(root), *args])
    assert "Traceback" not in result.output
    return result


def test_cli_check_explain_and_links_follow_the_same_rule(vault):
    check = invoke(vault, "check", "--format", "json")
    assert check.exit_code == 1
    rows = json.loads(check.stdout)["diagnostics"]
    assert [(d["line"], d["code"], d["target"]) for d in rows] == [
        (1, "missing-heading", "Note#In callout"), (1, "missing-heading", "Note#In quote"),
        (1, "missing-heading", "Note#In list item"), (3, "missing-heading", "Note#In calout"),
        (3, "missing-heading", "Note#Detials")]

    explained = invoke(vault, "explain", "Note#In callout", "--from", "Src", "--json")
    assert explained.exit_code == 1
    [item] = json.loads(explained.stdout)["links"]
    assert item["heading"]["line"] is None
    assert item["heading"]["available"] == ["# Top", "## Details"]
    assert any("inside a callout" in p for p in item["problems"])
    text = invoke(vault, "explain", "Src:1").stdout
    assert text.count("not found") == 3 and "inside a list item" in text

    ok = invoke(vault, "explain", "Src:2", "--json")
    assert ok.exit_code == 0
    # the link still counts: it resolves to the note, only its heading is missing
    links = json.loads(invoke(vault, "links", "Src", "--json").stdout)
    assert {(o["target"], o["resolved"]) for o in links["outgoing"]} == {("Note.md", True)}


def test_nested_headings_survive_the_index():
    from vaultgraph.codec import note_from_json, note_to_json

    note = parse_text("n.md", "# Top\n> [!note] Box\n> ## In callout\n- ## In item\n")
    assert note_from_json("n.md", note_to_json(note)) == note
    assert [h.container for h in note.nested_headings] == ["callout", "list item"]
