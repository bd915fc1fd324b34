"""Front matter: properties, property links, tags, aliases and invalid YAML (P1-P5, T7-T9)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultgraph.frontmatter import list_items, read_frontmatter
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


@pytest.mark.parametrize("front, where", [
    ("sources: [[A]]", [(2, 10)]),
    ("sources:\n  - [[A]]\n  - \"[[B]]\"", [(3, 5)]),
    ("sources: [[[A]], [[B]]]", [(2, 11), (2, 18)]),
    ("matrix: [[1, 2]]", []),  # a list of a list of two: no link was meant
    ("ok: \"[[A]]\"", []),
])
def test_an_unquoted_link_says_why_it_is_none(front, where):
    found = note(front)
    assert [(d.line, d.column) for d in found.diagnostics if d.code == "unquoted-link"] == where
    assert all('write "[[' in d.message for d in found.diagnostics)


@pytest.mark.parametrize(
    "front, line",
    [
        ("a: [unclosed", 2),
        ("a: 1\na: 2", 3),  # duplicate keys
        ("- just\n- a list", 2),
        ("just a scalar", 2),
        ("created: {{date}}, {{time}}", 2),
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


@pytest.mark.parametrize(
    "front, expected",
    [
        ("aliases: First Name, Second Name", ["First Name", "Second Name"]),
        ("aliases: Solo,", ["Solo"]),
        ("aliases: ' padded ,  , x '", ["padded", "x"]),
        ('aliases: "Smith, John"', ["Smith", "John"]),  # text is split, quoted or not
        ("alias: Old, Older", ["Old", "Older"]),
        ("aliases: ,", []),
        ("aliases:", []),
        ("aliases: [\"Here Am I, Send Me\", b]", ["Here Am I, Send Me", "b"]),  # list items stay
        ("aliases:\n  - a, b\n  - ' c '", ["a, b", "c"]),
        ("aliases: [~, '', x]", ["x"]),
        ("aliases: 2024", ["2024"]),
        ("aliases: yes", ["yes"]),  # YAML 1.2: text, not a boolean
        ("aliases: true", []),
        ("aliases: [[X]]", []),  # a list of lists: nothing Obsidian reads as an alias
        ("aliases: {a: b}", []),
    ],
)
def test_a_list_property_written_as_text_is_split_at_commas(front, expected):
    assert note(front).aliases == expected


@pytest.mark.parametrize(
    "value, split_spaces, expected",
    [
        ("a, b", False, ["a", "b"]),
        ("a b, c", False, ["a b", "c"]),
        ("a b, c", True, ["a", "b", "c"]),
        ("wide,dark", False, ["wide", "dark"]),
        (["a, b", " c "], True, ["a, b", "c"]),
        (3, False, ["3"]),
        (1.5, False, ["1.5"]),
        (None, False, []),
        (False, False, []),
        ([None, True, ["x"], {"y": 1}, "z"], False, ["z"]),
    ],
)
def test_list_items(value, split_spaces, expected):
    assert list_items(value, split_spaces) == expected


@pytest.mark.parametrize(
    "front",
    [
        "tags: [a]\naliases: [A]\nup: \"[[X]]\"\nup: \"[[Y]]\"",        # a key written twice
        "tags: [a]\naliases: [A]\nup: \"[[X]]\"\nnested:\n  k: 1\n  k: 2",  # ... in a nested mapping
        "tags: [a]\naliases: [A]\nup: \"[[X]]\"\nz: {k: 1, k: 2}",        # ... in a flow mapping
        "tags: [a]\naliases: [A]\nup: \"[[X]]\"\nz: [unclosed",
        "tags: [a]\naliases: [A]\nup: \"[[X]]\"\nz: [b,\nc]",             # flow list not indented
        "tags: [a]\naliases: [A]\nup: \"[[X]]\"\nz: \"b\nc\"",           # quoted text not indented
        "tags: [a]\naliases: [A]\nup: \"[[X]]\"\nz: {{date}} {{time}}",
        "tags: [a]\naliases: [A]\nup: \"[[X]]\"\n\tz: 1",                  # a tab indents
        "tags: [a]\naliases: [A]\nup: \"[[X]]\"\nz: b: c",
        "tags: [a]\naliases: [A]\nup: \"[[X]]\"\nz: *nowhere",
        "tags: [a]\naliases: [A]\nup: \"[[X]]\"\nz: \"C:\\Users\"",     # not an escape
        "tags: [a]\naliases: [A]\nup: \"[[X]]\"\nz: " + "[" * 300 + "]" * 300,  # too deep
        "tags: [a]\naliases: [A]\nup: \"[[X]]\"\nz: &z [x]\n" + "\n".join(f"z{i}: *z" for i in range(120)),
    ],
)
def test_rejected_front_matter_adds_nothing(front):
    n = note(front, "[[Body link]] #bodytag")
    assert [d.code for d in n.diagnostics if d.severity == "error"] == ["invalid-frontmatter"]
    assert n.frontmatter == {} and n.aliases == []
    assert [l.path for l in n.links] == ["Body link"]
    assert [t.name for t in n.tags] == ["bodytag"]


@pytest.mark.parametrize(
    "front, data",
    [
        ("created: {{date}}\nup: \"[[Home]]\"", {"created": {"{ date }": None}, "up": "[[Home]]"}),
        ("created: {{date:YYYY-MM-DD}}\nup: \"[[Home]]\"",
         {"created": {"{ date:YYYY-MM-DD }": None}, "up": "[[Home]]"}),
        ("title: {{title}}\nup: [\"[[Home]]\"]", {"title": {"{ title }": None}, "up": ["[[Home]]"]}),
        ("a:\tb\nup: \"[[Home]]\"", {"a": "b", "up": "[[Home]]"}),
        ("a: &x.1 b\nc: *x.1\nup: \"[[Home]]\"", {"a": "b", "c": "b", "up": "[[Home]]"}),
        ("<<: {b: 1}\nup: \"[[Home]]\"", {"<<": {"b": 1}, "up": "[[Home]]"}),
        ("up: \"[[Home]]\"\nUp: x", {"up": "[[Home]]", "Up": "x"}),
    ],
)
def test_front_matter_obsidian_accepts_keeps_its_links(front, data):
    n = note(front)
    assert n.frontmatter == data
    assert [(l.kind, l.path) for l in n.links] == [("property:up", "Home")]
    assert "invalid-frontmatter" not in codes(n)


def test_yaml_1_2_values():
    n = note("done: yes\nday: 2024-01-01\nat: 2024-01-01 10:00:00\ntime: 10:30\noct: 0o17\n"
             "dec: 017\nbig: 1_000\nexp: 1e3\neq: =\nbad: 2024-02-30\nf: 1.0")
    assert n.frontmatter == {"done": "yes", "day": "2024-01-01", "at": "2024-01-01 10:00:00",
                             "time": "10:30", "oct": 15, "dec": 17, "big": "1_000",
                             "exp": 1000, "eq": "=", "bad": "2024-02-30", "f": 1}
    assert codes(n) == []


def test_properties_differing_by_case_are_a_warning():
    n = note("Tags: [a]\ntags: [b]")
    assert [(d.code, d.severity, d.line) for d in n.diagnostics] == [
        ("duplicate-property", "warning", 3)]
    assert [t.name for t in n.tags] == ["a", "b"]


def test_unknown_yaml_tags_are_ignored_with_a_warning():
    n = note("x: !!python/object:os.system ls\nup: !link \"[[Home]]\"")
    assert n.frontmatter == {"x": "ls", "up": "[[Home]]"}
    assert [(d.code, d.line, d.column) for d in n.diagnostics] == [("yaml-tag", 2, 4), ("yaml-tag", 3, 5)]
    assert [l.path for l in n.links] == ["Home"]


def test_json_frontmatter_is_accepted():
    n = parse_text("n.md", '---\n{"tags": ["journal"], "up": "[[Home]]"}\n---\n')
    assert [t.name for t in n.tags] == ["journal"] and n.links[0].path == "Home"


@pytest.mark.parametrize("yaml_text, tags, warned", [
    ("tags: #idea", [], [(2, 7, "idea")]),  # a YAML comment: the value is empty
    ("tags: #a #b", [], [(2, 7, "a")]),
    ("tags:\t#x/y", [], [(2, 7, "x/y")]),
    ("tags:\n  - #a\n  - b", ["b"], [(3, 5, "a")]),
    ("tags:\n- #a", [], [(3, 3, "a")]),
    ("tag: #old", [], [(2, 6, "old")]),
    ("tags: # my tags\n  - x", ["x"], []),  # a real comment
    ("tags: # ", [], []),
    ("tags:", [], []),
    ("tags: #123", [], []),  # not a tag either way
    ('tags: "#idea"', ["idea"], []),
    ("tags: idea", ["idea"], []),
])
def test_a_tag_written_as_a_yaml_comment_is_reported(yaml_text, tags, warned):
    fm = read_frontmatter("n.md", yaml_text + "\n", ["---", *yaml_text.split("\n")], 2)
    assert [t.name for t in fm.tags] == tags
    found = [(d.line, d.column, d.message.split('"')[1][1:]) for d in fm.diagnostics
             if d.code == "invalid-tag"]
    assert found == warned
    assert all(d.code != "invalid-frontmatter" for d in fm.diagnostics)


def test_list_items_give_their_links_and_tags_once_each_in_order():
    """A list's text items are read one by one (frontmatter.py reads a list of texts
    without walking it as a tree): an item met twice through an alias is one link, as
    in any other value; text around a link makes no link; a tag item is trimmed."""
    n = note('r: &r "[[A]]"\nlinks: [x, "[[B]]", *r, *r, "[[C]], [[D]]", 1]\n'
             'more:\n  - *r\n  - [y, "[[E]]"]\ntags: [ a b , " c ", "", "#d"]')
    assert [(l.kind, l.path, l.line, l.column) for l in n.links] == [
        ("property:r", "A", 2, 8), ("property:links", "B", 3, 13), ("property:links", "A", 2, 8),
        ("property:links", "C", 3, 30), ("property:links", "D", 3, 37),
        ("property:more", "A", 2, 8), ("property:more", "E", 6, 10)]
    assert [(t.name, t.line, t.column) for t in n.tags] == [("c", 7, 15), ("d", 7, 26)]
    assert [(d.code, d.line, d.column) for d in n.diagnostics] == [("invalid-tag", 7, 9)]
    n = note('tags: [[x]]\nlinks: [[[A]], "[[B]]"]')
    assert [(l.path, l.line, l.column) for l in n.links] == [("B", 3, 17)]
    assert [(d.code, d.line, d.column) for d in n.diagnostics] == [
        ("unquoted-link", 2, 7), ("unquoted-link", 3, 9)]


# The simplest front matter is read without YAML nodes (_Reader.read_simple); what it
# reads must be what yamldialect.load and the node walk read.  Pieces of lines: the
# forms it takes and near misses of each (values YAML types otherwise, characters it
# refuses, keys warned about, indentation, comments, links, tags).
_KEYS = ["tags", "Tags", "TAGS", "tag", "aliases", "Aliases", "alias", "cssclasses",
         "cssclass", "related", "up", "a_b-c", "true", "True", "null", "NULL", "Null",
         "false", "n", "y", "yes", "x1", "k" * 64, "k" * 65, "1a", "_a", "-a", "a b"]
_PLAIN = ["a", "meta", "pharma/index", "a b", "a  b", "2024-09-10", "1695", "1.5", "1.",
          "1e5", "1e400", "-1", "+1", ".5", "0x1F", "0o17", "1_000", "007", "nan", "NaN",
          ".nan", ".inf", "-.inf", "true", "True", "TRUE", "false", "null", "Null", "NULL",
          "~", "yes", "no", "on", "a/", "a.", "a-", "a_", "a ", " a", "a #b", "a#b", "#a",
          "a: b", "a:b", "[a]", "{a}", "a,b", "!a", "&a", "*a", "|", ">", "@a", "%a", "`a",
          "'a'", "a'b", "-", "- a", "?", "?a", "é", "日本語", "🔴", "a\tb", "123abc", "12"]
_QUOTED = ['"a"', '""', '" "', '"[[A]]"', '"![[A]]"', '" [[A]] "', '"[[A|B]]"',
           '"[[A#h]]"', '"[[A]], [[B]]"', '"[[A]]; ![[B]]"', '"[[A]] [[A]]"',
           '"see [[A]]"', '"[[]]"', '"[[ ]]"', '"[[#h]]"', '"[[A]]x"', '"#tag"', '"##"',
           '"a, b"', '"a b c"', '"1"', '"true"', '"null"', '"# x"', '"a: b"', '"a\\"b"',
           '"a\\nb"', '"\\\\"', "'a'", "'[[A]]'", '"a', 'a"', '"\x85"', '"\u2028"',
           '"\x01"', '"\t"', '"\ufeff"', '"é 日本語 🔴"', '"{{date}}"', '"a\'b"']
_ITEMS = _PLAIN[:40] + _QUOTED[:30]


def _simple_lines():
    value = st.one_of(
        st.sampled_from(_PLAIN + _QUOTED + ["", " ", "  "]),
        st.lists(st.sampled_from(_ITEMS), max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
        st.sampled_from(["[]", "[ ]", "[a,b]", "[a, ]", "[[A]]", "[[A], [B]]", "[a] x",
                         "{a: b}", "[a, [b]]", "a # c", "|", ">-"]))
    pair = st.tuples(st.sampled_from(_KEYS), st.sampled_from([": ", ":", ":  ", " : ", ":\t"]),
                     value).map("".join)
    entry = st.tuples(st.sampled_from(["", "  ", " ", "    ", "\t"]),
                      st.sampled_from(["- ", "-", "-  ", "- - ", "-\t"]),
                      st.sampled_from(_ITEMS + ["", "[a]"])).map("".join)
    other = st.sampled_from(["", " ", "# comment", "  # c", "---", "...", "  a: b", "a",
                             "- a", "key: a\\", "[[A]]"])
    return st.lists(st.one_of(pair, pair, pair, entry, entry, other), min_size=1, max_size=7)


def frontmatter_simple(value: str) -> bool:
    from vaultgraph import frontmatter

    return frontmatter._SIMPLE_ITEM.fullmatch(value) is not None


_GOOD_KEYS = ["tags", "Tags", "aliases", "cssclasses", "related", "up", "a_b-c", "n",
              "y", "yes", "x1", "k" * 64, "NaN", "on"]
_GOOD_PLAIN = [p for p in _PLAIN if frontmatter_simple(p)]
_GOOD_QUOTED = [q for q in _QUOTED if frontmatter_simple(q) and "#" not in q]  # (a null tag
# with a `#` anywhere goes to YAML)


def _simple_only():
    """Front matter all of whose lines have the simple form."""
    item = st.sampled_from(_GOOD_PLAIN + _GOOD_QUOTED)
    value = st.one_of(item, st.lists(item, max_size=4).map(lambda i: "[" + ", ".join(i) + "]"),
                      st.just(""), st.just(" "))
    entries = st.tuples(st.sampled_from(["", "  "]),
                        st.lists(st.one_of(item.map(lambda i: " " + i), st.sampled_from(["", " "])),
                                 max_size=3))
    pair = st.tuples(st.sampled_from(_GOOD_KEYS), value, entries)
    return st.lists(pair, min_size=1, max_size=6, unique_by=lambda p: p[0].lower()).map(
        lambda pairs: [line for key, value, (indent, items) in pairs
                       for line in [f"{key}:{' ' if value and value != ' ' else ''}{value}",
                                    *(f"{indent}-{i}" for i in (items if not value.strip() else []))]])


@settings(max_examples=3000, deadline=None)
@given(_simple_only())
def test_front_matter_of_the_simple_form_reads_as_yaml_does(lines):
    taken, fast, slow = _read_both("\n".join(lines))
    assert taken
    assert repr(fast) == repr(slow)


def _read_both(content: str):
    from vaultgraph import frontmatter

    lines = ["---", *content.split("\n"), "---", "body #x"]
    fast = frontmatter._Reader("n.md", lines, 2)
    taken = fast.read_simple(content)
    slow = frontmatter._Reader("n.md", lines, 2)
    slow.read_simple = lambda text: False
    return taken, fast.result, slow.read(content)


@settings(max_examples=3000, deadline=None)
@given(_simple_lines())
def test_simple_front_matter_reads_as_yaml_does(lines):
    taken, fast, slow = _read_both("\n".join(lines))
    if taken:
        assert repr(fast) == repr(slow)


@pytest.mark.parametrize("content", [
    "tags: [meta, pharma/index]\naliases: [\"vault learning 1695 alias\"]\n"
    "related: \"[[Theory method 8614]]\"\ncreated: 2024-09-10",
    "aliases:\n- \ntags:\n- ", "tags:\n  - a\n  - \"#b\"\n  - 12\nup: \"[[A]], [[B|b]]\"",
    "tags: a b c\nn: 1e400\nm: 1.5\nx: 0x1F\nd: 007", "tags:", "tags: ", "tags: null",
    "tags: [1, 1.5, true, null, a]", "related:\n- \"[[A]]\"\n- \"x [[B]]\"\n- \"![[C#h]]\"",
])
def test_simple_front_matter_is_read_without_nodes_as_with_them(content):
    taken, fast, slow = _read_both(content)
    assert taken  # (these are all of the simple form)
    assert repr(fast) == repr(slow)


@pytest.mark.parametrize("content", [
    "tags: a\nTags: b", "tag: a", "alias: a", "true: a", "a: b # c", "tags:\n- a\n  - b",
    "tags:\n- a\n\nb: c", "tags: #a", "tags:\n- #a", "a: 'b'", "a: \"b\\\"c\"", "a:\tb",
    "a: [[A]]", "a:\n  b: c", "tags:\n- a\nb: c\n- d",
])
def test_front_matter_not_of_the_simple_form_goes_to_yaml(content):
    taken, fast, slow = _read_both(content)
    assert not taken and repr(fast) == repr(FrontMatterOf())


def FrontMatterOf():
    from vaultgraph.frontmatter import FrontMatter

    return FrontMatter()
