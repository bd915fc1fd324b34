"""Front matter: properties, property links, tags, aliases and invalid YAML (P1-P5, T7-T9)."""

from __future__ import annotations

import pytest

from vaultgraph.parse import parse_text


def note(front: str, body: str = "body"):
    return parse_text("n.md", f"---\n{front}\n---\n{body}\n")


def codes(n):
    return [d.code for d in n.diagnostics]


@pytest.mark.parametrize(
    "front, expected",
    [
        ("tags:\n  - recipe\n  - cooking", ["recipe", "cooking"]),
        ("tags: [a, b/c]", ["a", "b/c"]),
        ("tags: a, b", ["a", "b"]),
        ("tags: a b", ["a", "b"]),
        ("tags: '#hashed'", ["hashed"]),
        ("tags:", []),
        ("tags: [🔴, 日本語]", ["🔴", "日本語"]),
    ],
)
def test_frontmatter_tags(front, expected):
    assert [t.name for t in note(front).tags] == expected


def test_legacy_tag_key_works_with_deprecation_warning():
    n = note("tag: old")
    assert [t.name for t in n.tags] == ["old"]
    assert codes(n) == ["deprecated-property"]


def test_invalid_frontmatter_tags_are_reported():
    n = note("tags: [1984, ok]")
    assert [t.name for t in n.tags] == ["ok"]
    assert codes(n) == ["invalid-tag"]


def test_property_links_keep_property_name_and_position():
    n = note('related: "[[X]]"\nlinks:\n  - "[[A|a]]"\n  - "[[B#H]]"\nplain: "see [[C]]"\nurl: https://x')
    assert [(l.kind, l.path, l.subpath, l.line, l.column) for l in n.links] == [
        ("property:related", "X", None, 2, 11),
        ("property:links", "A", None, 4, 6),
        ("property:links", "B", "H", 5, 6),
    ]


def test_unquoted_wikilink_is_yaml_list_not_a_link():
    assert note("related: [[X]]").links == []


@pytest.mark.parametrize(
    "front, line",
    [
        ("a: [unclosed", 2),
        ("a: 1\na: 2", 3),  # duplicate keys
        ("- just\n- a list", 2),
        ("just a scalar", 2),
        ("x: !!python/object:os.system ls", 2),
        ("created: {{date}}", 2),
    ],
)
def test_invalid_frontmatter_is_a_diagnostic_and_the_body_still_counts(front, line):
    n = note(front, "[[Body link]] #bodytag")
    assert "invalid-frontmatter" in codes(n)
    assert [d.line for d in n.diagnostics if d.code == "invalid-frontmatter"][0] == line
    assert [l.path for l in n.links] == ["Body link"]
    assert [t.name for t in n.tags] == ["bodytag"]


def test_yaml_bomb_is_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "\n".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]"
        for i in range(8))
    n = note(bomb)
    assert codes(n) == ["invalid-frontmatter"] and n.frontmatter == {}


def test_unclosed_frontmatter_is_reported():
    n = parse_text("n.md", "---\ntitle: x\n[[Link]]\n")
    assert "invalid-frontmatter" in codes(n)
    assert [l.path for l in n.links] == ["Link"]
    # A note that merely starts with a horizontal rule is fine.
    assert codes(parse_text("n.md", "---\nJust text [[Link]]\n")) == []


def test_aliases_list_string_and_legacy():
    assert note("aliases: [AI, Machine mind]").aliases == ["AI", "Machine mind"]
    assert note("aliases: SC").aliases == ["SC"]
    n = note("alias: Old")
    assert n.aliases == ["Old"] and codes(n) == ["deprecated-property"]


def test_json_frontmatter_is_accepted():
    n = parse_text("n.md", '---\n{"tags": ["journal"], "up": "[[Home]]"}\n---\n')
    assert [t.name for t in n.tags] == ["journal"] and n.links[0].path == "Home"
