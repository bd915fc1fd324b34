"""The compiled block pass (syntax/blocks.py, pyromark) against markdown-it-py's full parse,
the reference: every Note field -- links, embeds, tags, headings, block ids, citations,
quotes, front matter, diagnostics, and every position -- must be equal."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, strategies as st

from vaultgraph.parse import _normalise, decode, parse_text
from vaultgraph.syntax import blocks, markdown_parser
from vaultgraph.syntax.blocks import block_tokens, front_matter, needs_reference

from .conftest import CORPORA, needs_corpora


def reference(text: str):
    return parse_text("n.md", text, scan=False, compiled=False)


def compiled_is_used(text: str) -> bool:
    return block_tokens(_normalise(text), markdown_parser(scan=True)) is not None


@pytest.mark.slow
@needs_corpora
def test_every_corpus_note_is_read_as_markdown_it_py_reads_it():
    checked = used = 0
    for path in sorted(CORPORA.rglob("*.md")):
        if not path.is_file():
            continue
        text, _ = decode(str(path), path.read_bytes())
        if text is None:
            continue
        checked += 1
        used += compiled_is_used(text)
        assert parse_text("n.md", text) == reference(text), path
    assert checked > 1000
    assert used > 0.95 * checked  # the fallbacks stay the exception


# Lines built from the block syntax that decides where links and tags are read.
_PREFIX = st.sampled_from(["", "", "", "> ", ">", "- ", "* ", "1. ", "2) ", "  ", "    ", "\t",
                           "> - ", "- > ", "   - ", "+ [ ] ", " \t", ">\t", "-\t"])
_BODY = st.sampled_from([
    "text [[A]] #tag", "[[B#h|alias]] ^id", "![[e.png]]", "# Heading [[H]]", "## H2 #t ##",
    "```", "~~~", "```py", "<div>", "</div>", "<!-- x -->", "---", "***", "===", "- - -",
    "[x](y.md) `[[c]]`", "%%", "%% [[C]] %%", "a | b", "|---|", "| [[T]] | x |", "$$",
    "$m$ [[M]]", "[r]: /u", "[^1]: [[F]]", "[r]", "> [!note] [[N]]", "10.1000/xyz", "",
    "tags: [a]", "title: x", "    [[code]]", "\\[[no]]", "\\#t [[E]]", "&#35;t", "&amp; [[Q]]",
    "é [[ü]] 📅 #ç", "`open [[c2]]", "close` [[D]]", "<span", "q> [[S]]", "*em [[I]]*",
    "[[X]]: a note", "...", "#", "# ", "[a\\]b] [[L]]", "**[[B2]]** _x_", "\\", "text\\",
])
_LINE = st.builds(lambda p, b, tail: p + b + tail, _PREFIX, _BODY,
                  st.sampled_from(["", "", " ", "  ", " [[Z]]", " #z", "\\"]))


@given(st.lists(_LINE, max_size=14).map("\n".join))
def test_generated_notes_are_read_as_markdown_it_py_reads_them(text):
    assert parse_text("n.md", text) == reference(text)


@given(st.lists(_LINE, max_size=8).map(lambda lines: "---\n" + "\n".join(lines)))
def test_generated_notes_opening_with_front_matter(text):
    assert parse_text("n.md", text) == reference(text)


@given(st.text(st.sampled_from("-> \t\n.a[]`\\*#|:$1"), max_size=40))
def test_any_text_of_block_characters_is_read_as_markdown_it_py_reads_it(text):
    assert parse_text("n.md", text) == reference(text)


@pytest.mark.parametrize("text", [
    "---\na: 1\n---\n[[A]]", "--- x\na: 1\n---\n[[A]]", "----\na: 1\n---\n[[A]]",
    "---\na: 1\n   ---\n[[A]]", "---\na: 1\n    ---\n[[A]]\n---", "---\na: 1\n...\n[[A]]",
    "---\na: 1\n ...\n[[A]]", "---\na: 1\n--- x\n[[A]]", "---\na: 1", "---\n---\n[[A]]",
    "- |---| [[T]]\n\n---\n[[A]]", "---\nlinks: '[[P]]'\n---\n# H\n\n---\nmore: x\n---\n[[A]]",
])
def test_front_matter_follows_the_reference_rule(text):
    assert compiled_is_used(text)
    assert parse_text("n.md", text) == reference(text)


def test_a_mid_note_dashed_block_is_not_metadata():
    """pyromark's metadata option would take this second `---` block for properties and
    hide its link; it is off: the text between is a setext heading, as markdown-it-py
    reads it."""
    text = "---\na: 1\n---\nintro\n\n---\nsee [[Hidden]]\n---\n"
    note = parse_text("n.md", text)
    assert note == reference(text)
    assert [link.path for link in note.links] == ["Hidden"]
    assert front_matter(text.split("\n")) == ("a: 1", 3)


# The tests of needs_reference as first written: each line's start by `^` under re.M.
_BY_LINE = (re.compile(r"^[ \t>*+.)0-9-]*\[(?:[^\[\]\\]|\\.)*\]:", re.M),
            re.compile(r"^[ \t>*+.)0-9-]*?[|:][ \t|:-]*$", re.M),
            re.compile(r"^[ \t>*+.)0-9-]{20,}", re.M),
            re.compile(r"^[ \t]*>[ \t>]*(?:(?:[-+*]|[0-9]{1,9}[.)])[ \t]+)*"
                       r"(?:[-+*]|[0-9]{1,9}[.)])\t", re.M))


def needs_reference_by_line(text: str) -> bool:
    definition, row, prefix, quoted_tab = _BY_LINE
    lines = text.split("\n")
    return (len(text) > blocks.MAX_COMPILED_CHARS or "$$" in text
            or "\x0b" in text or "\x0c" in text or bool(quoted_tab.search(text))
            or bool(definition.search(text))
            or any("|" in m.group() and "-" in m.group() for m in row.finditer(text))
            or any("|" in above and "-" in line and re.fullmatch(r"[ \t>*+.)0-9:|-]*", line)
                   for above, line in zip(lines, lines[1:]))  # `a|` over `--`
            or any(len(m.group().expandtabs(4)) >= blocks.MAX_PREFIX_COLUMNS
                   for m in prefix.finditer(text)))


_PIECE = st.sampled_from(["\n", "\n", " ", "\t", "> ", ">", "- ", "1. ", "2)", "  " * 10,
                          ">" * 20, "\t" * 10, "- " * 10, "[a]:", "[", "]", "]:", "[^1]:",
                          "\\", "|", "-", ":", "|---|", "x", "$", "[[X]]"])


@given(st.lists(_PIECE, max_size=40).map("".join))
def test_needs_reference_tests_every_line_as_its_rule_reads(text):
    """needs_reference looks for a line's start after a line break (the first line's
    too), not by `^`: the same lines must be found."""
    assert needs_reference(text) == needs_reference_by_line(text)


@pytest.mark.parametrize("text", [
    "[a]: /u", "x\n[a]: /u", "|-", "x\n|-", "x\n|-\n", ">" * 80, "x\n" + ">" * 80,
    "\t" * 20, "x\n" + "\t" * 19 + " " * 4, "x\n" + ">" * 79 + "\nx", "> [a\nb]: /u",
])
def test_needs_reference_finds_a_rule_on_the_first_line_and_later_ones(text):
    assert needs_reference(text) == needs_reference_by_line(text)
    assert needs_reference(text) is (text != "x\n" + ">" * 79 + "\nx")


@pytest.mark.parametrize("text", [
    "- " * 50_000 + "x", "> " * 50_000 + "[[A]]", "\t" * 30 + "- [[A]]", "1. " * 40 + "x",
    ">" * 120 + " [[A]]",
])
def test_deep_nesting_goes_to_markdown_it_py_and_is_reported(text):
    assert needs_reference(text)
    note = parse_text("n.md", text)
    assert note == reference(text)


def test_deep_but_bounded_nesting_is_compiled_and_equal():
    text = "\n".join("  " * depth + "- [[A]] #t" for depth in range(30)) + "\n"
    assert compiled_is_used(text)
    assert parse_text("n.md", text) == reference(text)


@pytest.mark.parametrize("text", [
    "$$\n[[in math]]\n$$\n[[A]]", "[r]: /u\n\n[r] [[A]]", "[^1]: [[F]]\n\nx[^1]",
    "> - [r\nx]: /u\n\n[[A]]", "a | b\n--|--\n[[A]] | c", "> | a |\n> |---|\n> | [[B]] |",
    "1|\n--", "> [[A]] |\n> --\n> [[B]]", "a|\n||\n--",  # a delimiter row without a `|`
    "x\n-\x0b\n[[A]]", "x\n\x0c\ny [[A]]",  # blank to one parser, not to the other
    "> > -\t  text [[B]]", "> > 1.\t  text [[B]]", "> > - a\n> >\t-\t  x [[B]]",  # tab columns
])
def test_what_the_compiled_pass_reads_otherwise_goes_to_markdown_it_py(text):
    assert not compiled_is_used(text)
    assert parse_text("n.md", text) == reference(text)


@pytest.mark.parametrize("text", [
    "> a `code\n> b` [[A]]",  # a code span over a quote's line break: where its text starts
    "> a <span\n> q> [[A]]",  # inline HTML likewise
    "Setext\n  two [[A]]\n===",  # markdown-it-py keeps the later line's indentation
    "\\\ntext [[A]] #tag\n-\t",  # a setext heading opening with a hard break
    "See [the\n](Target.md) here.",  # a line opening with a link's end (its `](..)`)
    "- [ ] %%!['^\n](x)",  # an image's end
    "[[)> #~```\n](# )> [[A]]",  # (was an unclosed-link finding)
    "> [a\n> ![b\n> ](c)](d) [[A]]",  # ends of an image and a link in a quote
])
def test_lines_whose_markers_cannot_be_placed_go_to_markdown_it_py(text):
    assert not compiled_is_used(text)
    assert parse_text("n.md", text) == reference(text)


@pytest.mark.parametrize("text", [
    "# a # #", "# a # # #", "# a\t# #", "# a\xa0# # #", "# a\t#", "# a \t#", "# a #\t#",
    "# a\t#\t#", "# `c` #", "# a\t#  \n[[A#a]]", "## C# #",
])
def test_a_headings_closing_sequence_is_taken_off_once(text):
    """Only the last run of `#` is a closing sequence (after a space or a tab): what
    pulldown-cmark left before it is the heading's text, as markdown-it-py reads it."""
    assert parse_text("n.md", text) == reference(text)


def test_wikilinks_before_a_colon_are_compiled():
    """`[[X]]: text` (thousands of notes of the community vault) opens no definition."""
    text = "- [[Blog]]: [a post](https://example.org)\n[[A|B]]: c\n"
    assert compiled_is_used(text)
    assert parse_text("n.md", text) == reference(text)


def test_an_escape_at_a_lines_start_keeps_its_backslash():
    text = "> intro\n> \\[[not a link]] [[A]]\n\\#not-a-tag"
    assert compiled_is_used(text)
    note = parse_text("n.md", text)
    assert note == reference(text)
    assert [link.path for link in note.links] == ["A"] and not note.tags


def test_a_large_note_keeps_the_interruptible_parser(monkeypatch):
    monkeypatch.setattr(blocks, "MAX_COMPILED_CHARS", 100)
    text = "[[A]] " * 40
    assert not compiled_is_used(text)
    assert parse_text("n.md", text) == reference(text)


def test_text_with_lone_surrogates_goes_to_markdown_it_py():
    assert block_tokens("a \udc80 [[A]]", markdown_parser(scan=True)) is None


def test_a_first_line_list_item_is_not_front_matter(make_vault):
    from click.testing import CliRunner

    from vaultgraph.cli import cli

    root = make_vault({"n.md": "- |---| [[Target]]\ntext [[Other]]\n", "Target.md": "x"})
    result = CliRunner().invoke(cli, ["--vault", str(root), "--no-cache", "backlinks",
                                      "Target", "--json"])
    assert result.exit_code == 0, result.output
    assert [row["source"] for row in json.loads(result.stdout)["backlinks"]] == ["n.md"]


def test_check_reads_links_through_the_compiled_pass(make_vault):
    """End to end: the links the compiled pass places are the ones `check` reports."""
    from click.testing import CliRunner

    from vaultgraph.cli import cli

    text = ("---\ntags: [a]\n---\n# Title\n\n> quote [[Gone]]\n> - item [[Target]]\n\n"
            "- [[Blog]]: x\n  - \\[[no]] [[Missing two]]\n")
    assert compiled_is_used(text)
    root = make_vault({"n.md": text, "Target.md": "x", "Blog.md": "y"})
    result = CliRunner().invoke(cli, ["--vault", str(root), "--no-cache", "check",
                                      "--format", "json"])
    assert result.exit_code == 1, result.output
    found = sorted((d["line"], d["column"], d["target"]) for d in json.loads(result.stdout)
                   ["diagnostics"] if d["code"] == "unresolved-link")
    assert found == [(6, 9, "Gone"), (10, 13, "Missing two")]


def test_without_pyromark_a_parse_fails_loudly(monkeypatch):
    """One code path: a missing compiled parser is an error, never a quiet switch to
    markdown-it-py (pyproject.toml makes it a dependency)."""
    import sys

    blocks._events_with_range.cache_clear()
    monkeypatch.setitem(sys.modules, "pyromark", None)
    try:
        with pytest.raises(ImportError):
            parse_text("n.md", "[[A]]")
    finally:
        blocks._events_with_range.cache_clear()


def test_a_panic_inside_pyromark_goes_to_markdown_it_py(monkeypatch):
    class PanicException(BaseException):  # pyo3's, as pyromark would raise it
        pass

    def panicking(text, merge_text):
        raise PanicException("index out of bounds")
        yield  # a generator, as pyromark's iterator is lazy

    monkeypatch.setattr(blocks, "_events_with_range", lambda: panicking)
    assert block_tokens("[[A]]", markdown_parser(scan=True)) is None
    assert parse_text("n.md", "[[A]]") == reference("[[A]]")


def test_the_parse_timeout_reaches_the_compiled_pass():
    """The events are read one by one: SIGALRM stops a long compiled parse between two."""
    import time

    from vaultgraph.parse import note_from_bytes

    text = "[[A]] b\n" * 120_000  # one paragraph of 120,000 lines, under the size bound
    assert not needs_reference(text)
    started = time.monotonic()
    note = note_from_bytes("n.md", text.encode(), [], seconds=0.05)
    assert time.monotonic() - started < 5
    assert [d.code for d in note.diagnostics] == ["parse-timeout"]
