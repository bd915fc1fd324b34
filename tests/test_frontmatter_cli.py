"""Front matter through the CLI, end to end (issue 16 items 1, 3, 4): list properties
written as text, rejected front matter adds nothing, Obsidian's YAML dialect."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from vaultgraph.cli import cli


def run(vault, *args):
    return CliRunner().invoke(cli, ["--vault", str(vault), *args], catch_exceptions=False)


@pytest.fixture
def vault(make_vault):
    return make_vault({
        "Person.md": "---\naliases: First Name, Second Name\n---\n# Person\n",
        "Solo.md": "---\nalias: Lonely,\n---\n",
        "Home.md": "# Home\n",
        "Other.md": "---\ntags: [other]\n---\n",
        "cites.md": "See [[Person]] and [[Second Name]] and [[Lonely]].\n",
        # Obsidian rejects this whole block: a key written twice
        "twice.md": ("---\ntags: [dup]\naliases: [Twice alias]\nup: \"[[Home]]\"\n"
                     "up: \"[[Other]]\"\n---\nBody [[Home]] #bodytag\n"),
        # every template vault: accepted by Obsidian, its other properties count
        "daily.md": "---\ncreated: {{date}}\nup: \"[[Home]]\"\ntags: daily, journal\n---\n",
        "broken template.md": "---\ncreated: {{date}}, {{time}}\nup: \"[[Other]]\"\n---\n",
    })


@pytest.mark.parametrize("name", ["Second Name", "First Name", "second name"])
def test_backlinks_by_an_alias_split_at_commas(vault, name):
    result = run(vault, "backlinks", name, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["note"] == "Person.md"
    assert [b["source"] for b in data["backlinks"]] == ["cites.md"]


def test_check_says_a_comma_split_name_is_an_alias(vault):
    data = json.loads(run(vault, "check", "--format", "json").output)
    messages = {(d["path"], d["target"]): d["message"] for d in data["diagnostics"]
                if d["code"] == "unresolved-link"}
    assert '"Second Name" is an alias of "Person"' in messages[("cites.md", "Second Name")]
    assert '"Lonely" is an alias of "Solo"' in messages[("cites.md", "Lonely")]


def test_a_duplicated_key_is_reported_and_the_block_adds_nothing(vault):
    data = json.loads(run(vault, "check", "--format", "json").output)
    found = [(d["path"], d["line"], d["code"]) for d in data["diagnostics"]
             if d["path"] in ("twice.md", "daily.md", "broken template.md")
             and d["severity"] == "error"]
    assert found == [("broken template.md", 2, "invalid-frontmatter"),
                     ("twice.md", 5, "invalid-frontmatter")]
    text = run(vault, "check").output
    assert ('twice.md:5:1: error[invalid-frontmatter] the key "up" is written twice (first on '
            "line 4); Obsidian rejects such front matter") in text
    home = json.loads(run(vault, "backlinks", "Home", "--json").output)
    assert sorted((b["source"], b["kind"]) for b in home["backlinks"]) == [
        ("daily.md", "property:up"), ("twice.md", "link")]  # twice.md: its body link only
    other = json.loads(run(vault, "backlinks", "Other", "--json").output)
    assert other["backlinks"] == []  # neither rejected block links to it
    assert json.loads(run(vault, "tags", "dup", "--json").output)["notes"] == []
    assert run(vault, "backlinks", "Twice alias").exit_code != 0  # no such alias
    tagged = json.loads(run(vault, "tags", "bodytag", "--json").output)["notes"]
    assert tagged == ["twice.md"]  # the body is still read


def test_a_template_placeholder_keeps_the_notes_property_links(vault):
    links = json.loads(run(vault, "links", "daily", "--json").output)
    assert [(o["target"], o["kind"]) for o in links["outgoing"]] == [("Home.md", "property:up")]
    assert json.loads(run(vault, "tags", "journal", "--json").output)["notes"] == ["daily.md"]


@pytest.mark.parametrize("front, rejected", [
    ("cover: ![[img.png]]", True),      # a tag `!` glued to `[[`: Obsidian rejects it all
    ("- ![[img.png]]", True),
    ("cover: &x[b]", True),
    ('cover: "![[img.png]]"', False),   # quoted: a property link
    ("cover: ! [[img.png]]", False),    # `!` then a space: a tag, then a flow list
])
def test_an_unquoted_embed_in_front_matter_is_rejected_as_obsidian_does(make_vault, front, rejected):
    vault = make_vault({"img.png": "", "Home.md": "# Home\n",
                        "Note.md": f"---\n{front}\ntags: [kept]\nup: \"[[Home]]\"\n---\nBody\n"})
    result = run(vault, "check", "--format", "json")
    codes = [d["code"] for d in json.loads(result.output)["diagnostics"]]
    assert ("invalid-frontmatter" in codes) == rejected
    tags = json.loads(run(vault, "tags", "--json").output)
    assert ("kept" in json.dumps(tags)) != rejected
    backlinks = json.loads(run(vault, "backlinks", "Home", "--json").output)
    assert bool(backlinks["backlinks"]) != rejected


def test_a_tag_written_as_a_yaml_comment_is_a_warning_in_check(make_vault):
    vault = make_vault({"Idea.md": "---\ntags: #idea\n---\nBody\n"})
    result = run(vault, "check", "--format", "json")
    rows = [(d["path"], d["line"], d["column"], d["severity"], d["code"])
            for d in json.loads(result.output)["diagnostics"]]
    assert rows == [("Idea.md", 2, 7, "warning", "invalid-tag")]
    assert result.exit_code == 0
    assert "idea" not in run(vault, "tags").output  # Obsidian sees no tag either


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_pasted_line_separator_in_front_matter_is_text(make_vault, separator):
    """YAML 1.2 (Obsidian's yaml 2.x) breaks lines only at CR and LF."""
    vault = make_vault({"Home.md": "",
                        "Pasted.md": f"---\ntitle: From the web{separator}page\ntags: [kept]\n"
                                     "up: \"[[Home]]\"\n---\nBody\n"})
    result = run(vault, "check", "--format", "json")
    assert json.loads(result.output)["diagnostics"] == []
    assert "kept" in run(vault, "tags").output
    assert json.loads(run(vault, "backlinks", "Home", "--json").output)["backlinks"]
