"""Text that looks like a link but is not read as one is reported, never dropped without
a word (syntax/dropped.py; docs/obsidian-rules.md, "Text that is not read")."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from vaultgraph.cli import cli
from vaultgraph.parse import parse_text

CODES = {"cut-link", "unclosed-link", "space-in-link"}


def dropped(text: str) -> list[tuple]:
    """(line, column, code, target) of each would-be link; both inline readers agree."""
    notes = [parse_text("n.md", text, scan=scan) for scan in (True, False)]
    assert notes[0] == notes[1]
    return [(d.line, d.column, d.code, d.target) for d in notes[0].diagnostics
            if d.code in CODES]


@pytest.mark.parametrize("text, expected", [
    # the case: a line right under a table is a row, and its `|` splits cells
    ("| a |\n|---|\n| b |\n![[pic.png|372]]", [(4, 1, "cut-link", "pic.png")]),
    ("| a | b |\n|---|---|\n| [[x|y]] | c |", [(3, 3, "cut-link", "x")]),
    ("| a | b |\n|---|---|\n| c | see [[Note#Part|the part]] |",
     [(3, 11, "cut-link", "Note#Part")]),
    ("| [[Head|er]] | b |\n|---|---|\n| c | d |", []),  # 3 header cells, 2 columns: no table
    ("a | b\n--|--\n[[x|y]] | c", [(3, 1, "cut-link", "x")]),  # rows without outer pipes
    ("| a |\n|---|\n| [[p]] and [[q|r]] |", [(3, 13, "cut-link", "q")]),
    ("| a |\n|---|\n| [[abc | d |", [(3, 3, "unclosed-link", None)]),
    # a line break ends a wikilink
    ("the [[near-field Fresnel\ndiffraction]] phenomena",
     [(1, 5, "cut-link", "near-field Fresnel diffraction")]),
    ("- see ![[Long\n  name.png]]", [(1, 7, "cut-link", "Long name.png")]),
    ("> quoted [[Across\n> lines|alias]]", [(1, 10, "cut-link", "Across lines")]),
    # never closed on its line
    ("[[unclosed link\n\nRegular text.", [(1, 1, "unclosed-link", None)]),
    ("![[Partial embed", [(1, 1, "unclosed-link", None)]),
    ("![[Not a valid embed.]", [(1, 1, "unclosed-link", None)]),
    ("# Heading [[Half", [(1, 11, "unclosed-link", None)]),
    ("a [[b]] c [[d", [(1, 11, "unclosed-link", None)]),
    ("a [[b\n[[c]] d", [(1, 3, "unclosed-link", None)]),
    # a space ends a markdown link's destination
    ("see [x](my note.md)", [(1, 5, "space-in-link", "my note.md")]),
    ("![p](Sub/my pic.PNG)", [(1, 1, "space-in-link", "Sub/my pic.PNG")]),
    ("[h](Note.md#My Heading)", [(1, 1, "space-in-link", "Note.md#My Heading")]),
    ("| a |\n|---|\n| [x](a b.md) |", [(3, 3, "space-in-link", "a b.md")]),
    ("<span>[x](a b.md)</span>", [(1, 7, "space-in-link", "a b.md")]),  # markdown between tags
    # cells past the table's columns are dropped by GFM, links and all
    ("| h |\n|---|\n[[a|b]] and [[c|d]]", [(3, 1, "cut-link", "a"), (3, 13, "cut-link", "c")]),
    ("| h |\n|---|\n| [[a|b]] | [[c|d]] |", [(3, 3, "cut-link", "a"), (3, 13, "cut-link", "c")]),
    ("| h |\n|---|\n| x | [[B]] |", [(3, 7, "cut-link", "B")]),
    ("| h |\n|---|\n| x | ![[p.png]] [[q]] |", [(3, 7, "cut-link", "p.png")]),
    ("| h |\n|---|\n| x | [t](a.md) |", [(3, 7, "cut-link", "a.md")]),
    ("| h | i |\n|---|---|\nx | y | [[B]]", [(3, 9, "cut-link", "B")]),
    ("> | h |\n> |---|\n> | x | [[B]] |", [(3, 9, "cut-link", "B")]),
    ("| h |\n|---|\n| x | [[B |", [(3, 7, "cut-link", None)]),
    # a title does not save it: the destination still ends at its first space
    ('[t](My Note.md "A title")', [(1, 1, "space-in-link", "My Note.md")]),
    ("[t](My Note.md 'A title')", [(1, 1, "space-in-link", "My Note.md")]),
    ('[t](My Note.md#Part "t")', [(1, 1, "space-in-link", "My Note.md#Part")]),
    ('![p](my pic.png "cap")', [(1, 1, "space-in-link", "my pic.png")]),
    ("[t](My Note.md )", [(1, 1, "space-in-link", "My Note.md")]),
    ("[t](a.md b.md)", [(1, 1, "space-in-link", "a.md b.md")]),
])
def test_would_be_links_are_reported(text, expected):
    assert dropped(text) == expected


@pytest.mark.parametrize("text", [
    # read as links: nothing to say
    "| a | b |\n|---|---|\n| [[x\\|y]] | c |", "| a |\n|---|\n![[pic.png\\|372]]",
    "[[x|y]] outside a table", "![[pic.png|372]]\n\n| a |\n|---|\n| b |",
    "[ok](my%20note.md) [ok](<my note.md>) [ok]( note.md ) [t](note.md \"A title\")",
    # code, math, HTML, comments: not links, on purpose
    "`[[code` and `[x](my note.md)`", "```\n[[in code\n![[pic.png|1]]\n```", "    [[indented",
    "| a | b |\n|---|---|\n| `[[x|y]]` | c |", "| a | b |\n|---|---|\n| $[[x|y]]$ | c |",
    "$[[m$ and $$\n[[m\n$$", "<div>\n[[in html\n</div>", "<!-- [[comment -->",
    # escaped, nested, prose about the syntax
    "\\[[escaped", "\\[x](my note.md)", "[[a [[b]] c]]", "type [[ to link", "[[ spaced out",
    "[[\nNote]]",
    # empty links lose no target: a template's placeholder
    "[[]] [[ ]] [[|alias]] [[#]]",
    # not wikilinks: brackets of citations and matrices, markdown links in brackets
    "([[7](https://en.wikipedia.org/x)][[8](https://y)])", "[[INFO] Boot](https://x.y/z)",
    "m = [[1, 2],\n[3, 4]]",
    # not a file: a markdown link's text in brackets followed by prose
    "[sic](see above)", "[x](https://x.y/a b.md)", "[x](mailto:a b.md)",
    '[t](note.md "A title")', "[t](note.md 'x')", '[t](<my note.md> "x")', '[t](see "a.md")',
    # within the table's columns, escaped, or in code or math in an extra cell
    "| h | i |\n|---|---|\n| x | [[B]] |", "| h |\n|---|\n| x \\| [[B]] |",
    "| h |\n|---|\n| x | `[[B]]` |", "| h |\n|---|\n| x | $[[B$ |", "| h |\n|---|\n| x | y |",
    "| h |\n|---|\n| [[a\\|b]] |",
])
def test_legitimate_text_stays_quiet(text):
    assert dropped(text) == []


def invoke(root, *args):
    result = CliRunner().invoke(cli, ["--vault", str(root), *args])
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def vault(make_vault):
    return make_vault({
        "pic.png": b"\x89PNG",
        "Fresnel.md": "see [[near-field Fresnel\ndiffraction]]\n",
        "Gallery.md": "| a |\n|---|\n| b |\n![[pic.png|372]]\n\n[t](my note.md) `[[code`\n",
    })


def test_cli_reports_them_as_warnings_with_file_line_and_column(vault):
    result = invoke(vault, "check")
    assert result.exit_code == 0  # warnings only
    lines = result.stdout.splitlines()
    assert any(line.endswith('Fresnel.md:1:5: warning[cut-link] [[near-field Fresnel '
                             'diffraction]] is cut in two: a line break ends a wikilink, so no '
                             'link is read -- write it on one line') for line in lines)
    assert any('Gallery.md:4:1: warning[cut-link] ![[pic.png|372]] is cut in two: inside a '
               'table row, "|" splits cells' in line and 'escape it as "\\|"' in line
               for line in lines)
    assert any("Gallery.md:6:1: warning[space-in-link]" in line for line in lines)
    assert lines[-1] == "2 notes checked: 0 errors, 3 warnings (2 cut-link, 1 space-in-link)"


def test_cli_json_shape_and_code_filters(vault):
    rows = json.loads(invoke(vault, "check", "--format", "json").stdout)["diagnostics"]
    assert [(d["path"], d["line"], d["column"], d["severity"], d["code"], d["target"],
             d["suggestions"]) for d in rows] == [
        ("Fresnel.md", 1, 5, "warning", "cut-link", "near-field Fresnel diffraction", []),
        ("Gallery.md", 4, 1, "warning", "cut-link", "pic.png", []),
        ("Gallery.md", 6, 1, "warning", "space-in-link", "my note.md", []),
    ]
    assert all(set(d) == {"path", "line", "column", "severity", "code", "message", "target",
                          "suggestions"} for d in rows)
    selected = json.loads(invoke(vault, "check", "--format", "json", "--select",
                                 "space-in-link").stdout)["diagnostics"]
    assert [d["code"] for d in selected] == ["space-in-link"]
    ignored = json.loads(invoke(vault, "check", "--format", "json", "--ignore",
                                "cut-link,space-in-link").stdout)["diagnostics"]
    assert ignored == []
    github = invoke(vault, "check", "--format", "github").stdout
    assert "Gallery.md,line=4,col=1,title=cut-link::" in github


@pytest.mark.parametrize("cache", [True, False])
def test_cli_reports_links_in_cells_past_the_tables_columns(make_vault, tmp_path, cache):
    root = make_vault({"Table.md": "| Name |\n|---|\n| Ada | [[Lovelace]] |\n", "Lovelace.md": ""})
    where = ["--cache-dir", str(tmp_path / "c")] if cache else ["--no-cache"]
    result = CliRunner().invoke(cli, ["--vault", str(root), *where, "check", "--format", "json"])
    rows = [(d["path"], d["line"], d["column"], d["severity"], d["code"], d["target"])
            for d in json.loads(result.output)["diagnostics"]]
    assert rows == [("Table.md", 3, 9, "warning", "cut-link", "Lovelace")]
    orphans = CliRunner().invoke(cli, ["--vault", str(root), *where, "orphans"]).output
    assert "Lovelace.md" in orphans  # the link is not read, as in Obsidian's reading view


@pytest.mark.parametrize("cache", [True, False])
def test_explain_says_why_text_that_looks_like_a_link_is_none(make_vault, tmp_path, cache):
    root = make_vault({"Fresnel.md": "see [[Home]] and [[near-field Fresnel\ndiffraction]]\n",
                       "Home.md": "# Home\n"})
    where = ["--cache-dir", str(tmp_path / "c")] if cache else ["--no-cache"]

    def explain(*args):
        return CliRunner().invoke(cli, ["--vault", str(root), *where, "explain", *args])

    on_line = explain("Fresnel.md:1", "--json")
    assert on_line.exit_code == 1  # the real link resolves; the would-be link is a problem
    data = json.loads(on_line.stdout)
    assert [item["target"] for item in data["links"]] == ["Home.md"]
    assert [(w["line"], w["column"], w["code"], w["severity"]) for w in data["would_be_links"]] == [
        (1, 18, "cut-link", "warning")]
    assert "a line break ends a wikilink" in data["would_be_links"][0]["message"]
    text = explain("Fresnel.md:1").stdout
    assert "not a link  line 1, column 18" in text and "[cut-link]" in text
    assert "no link there" not in text

    typed = explain("[t](My Note.md)", "--from", "Home")
    assert typed.exit_code == 1
    assert "no link there" not in typed.stdout
    assert "a space ends a markdown link's destination" in typed.stdout
    assert "[space-in-link]" in typed.stdout
    data = json.loads(explain("[[Home", "--from", "Home", "--json").stdout)
    assert data["links"] == [] and [(w["line"], w["code"]) for w in data["would_be_links"]] == [
        (None, "unclosed-link")]
    nothing = explain("Home.md:1")
    assert nothing.exit_code == 1 and nothing.stdout == "no link there\n"
