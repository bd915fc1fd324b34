"""Property tests: the parser never fails, positions are exact, resolution is order-free."""

from __future__ import annotations


from hypothesis import assume, given
from hypothesis import strategies as st

from vaultgraph.parse import decode, parse_text
from vaultgraph.resolve import Resolver


@given(st.text())
def test_parser_never_raises_on_any_text(text):
    parse_text("n.md", text)


@given(st.binary())
def test_reader_never_raises_on_any_bytes(data):
    text, _ = decode("n.md", data)
    if text is not None:
        parse_text("n.md", text)


WORDS = st.sampled_from(["alpha", "Beta", "café", "日本", "🔴", "x_y", "a-b", "42", "(", ")",
                         "*", "_", "~", "$", "\\", "|", "<b>", "%%", "--", ":"])
LINKS = st.sampled_from(["[[Note]]", "[[Note|alias]]", "[[Folder/Note#Head]]", "[[#Own]]",
                         "![[img.png|200]]", "[[Note#^blk]]", "[t](Note%20Name.md)",
                         "![i](pic.png)", "[t](<Sp ace.md>)", "#tag", "#nested/tag", "#🔴"])
NOISE = st.sampled_from(["`[[code]] #no`", "$[[m]] #no$", "<!-- [[c]] #no -->", "\\[\\[esc]]",
                         "[[unclosed", "]]", "[", "#1984", "word#no"])
INLINE = st.lists(st.one_of(WORDS, LINKS, NOISE), min_size=1, max_size=12).map(" ".join)
PREFIX = st.sampled_from(["", "", "> ", "- ", "1. ", "  - ", "> > ", "# ", "### ", "| "])
BLOCK = st.one_of(
    st.tuples(PREFIX, INLINE).map("".join),
    INLINE.map(lambda t: f"```\n{t}\n```"),
    INLINE.map(lambda t: f"    {t}"),
    st.just("| a | b |\n|---|---|"),
    st.just("---"),
    st.just(""),
)
DOCUMENT = st.tuples(
    st.sampled_from(["", "---\ntags: [x]\nup: \"[[Note]]\"\n---\n"]),
    st.lists(BLOCK, max_size=15).map("\n".join),
    st.sampled_from(["\n", "\r\n"]),
).map(lambda parts: (parts[0] + parts[1]).replace("\n", parts[2]))


@given(DOCUMENT)
def test_every_position_points_at_the_link_or_tag(text):
    note = parse_text("n.md", text)
    lines = text.replace("\r\n", "\n").split("\n")
    for link in note.links:
        at = lines[link.line - 1][link.column - 1:]
        if link.kind == "markdown":
            assert at.startswith("![" if link.embed else "["), (link, at)
        else:
            assert at.startswith("![[" if link.embed else "[["), (link, at)
        if link.kind in ("link", "embed"):
            assert link.path in at or link.path == "", (link, at)
    for tag in note.tags:
        at = lines[tag.line - 1][tag.column - 1:]
        if tag.source == "inline":
            assert at.startswith("#" + tag.name), (tag, at)
        else:
            assert tag.name in at


def test_nothing_in_noise_is_read():
    note = parse_text("n.md", "`[[code]] #no` $[[m]] #no$ <!-- [[c]] #no --> \\[\\[esc]] [ #1984 "
                              "word#no [[unclosed")
    assert note.links == [] and note.tags == []


NAMES = st.sampled_from(["Note", "note", "Tie", "Other", "Café", "Cafe\u0301", "x.1", "img"])
FOLDERS = st.sampled_from(["", "a/", "b/", "a/b/", "zz/", "a/zz/"])
EXTENSIONS = st.sampled_from([".md", ".md", ".png", ".canvas"])
PATHS = st.lists(st.tuples(FOLDERS, NAMES, EXTENSIONS).map("".join), min_size=1, max_size=12,
                 unique_by=lambda p: p.lower())


@given(PATHS, st.lists(st.tuples(FOLDERS, NAMES).map("".join), min_size=1, max_size=6),
       st.randoms())
def test_resolution_does_not_depend_on_file_order(paths, linkpaths, rng):
    shuffled = list(paths)
    rng.shuffle(shuffled)
    one, other = Resolver(paths), Resolver(shuffled)
    for source in paths[:3]:
        for linkpath in linkpaths:
            assert one.resolve(linkpath, source) == other.resolve(linkpath, source)


@given(PATHS)
def test_a_file_always_resolves_from_its_full_path(paths):
    resolver = Resolver(paths)
    for path in paths:
        target = path[:-3] if path.endswith(".md") else path
        assume(not any(p.lower() == path.lower() + ".md" for p in paths))
        assert resolver.resolve(target, "elsewhere/src.md").target.lower() == path.lower()


def _inline_tokens(parser, text):
    return [(child.type, child.content, child.meta, child.attrs, child.level)
            for token in parser.parse(text) if token.type == "inline"
            for child in token.children]


@given(st.one_of(DOCUMENT, st.text(alphabet="[]()!#$`<>&\\|^ \n\tab1-_*:", max_size=80)))
def test_dispatching_tokenizer_gives_markdown_its_own_tokens(text):
    from vaultgraph.syntax import markdown_parser

    assert _inline_tokens(markdown_parser(), text) == _inline_tokens(markdown_parser(False), text)


# Inline text mostly in reach of syntax/scan.py: wikilinks, tags, identifiers, line breaks,
# and the near misses that must leave it to markdown-it (`[[a]](x)`, `![`, `[[ ]]`, a `[`
# before a `](` or in a note defining link references...), and code spans.
PLAIN_PIECES = st.sampled_from([
    "[[", "]]", "[[Note]]", "[[a|b]]", "[[ ]]", "[[a#h]]", "![[p.png]]", "!", "](x)", "(x)", "[",
    "]", "][", "[ ]", "[x]", "\n\n[x]: /u\n\n", "`", "``", "`[[c]] #c`",
    "#t", "#a#b", "_#x_", "**#y**", "#1", "word", "Ann", " ", "  ", "\n", "\t", "|", "^id",
    "doi:10.1000/abc", "10.1234/x.y", "ISBN 978-0-306-40615-7", "https://e.org/a", "@key",
    "\"the words\" said Ann Smith", "-- Ann Smith", "> ", "- ", "# ",
    # math, HTML and `&`: spans the scanner skips, or text, or left to markdown-it
    "$", "$$", "$x$", "$$y$$", "5", " $ ", "$a $", "<b>", "</b>", "<", ">", "<b title='[[A]] #t'>",
    "<br/>", "<!-- c -->", "<a@b.c>", "<https://e.org>", "&", " & ", "&amp;", "&#35;", "\\",
])
PLAINISH = st.lists(PLAIN_PIECES, min_size=1, max_size=25).map("".join)


@given(st.one_of(PLAINISH, DOCUMENT,
                 st.text(alphabet="[]()!#|^ \n\tab1-_*:./@\"`$<>&", max_size=80)))
def test_scanned_inline_text_reads_as_markdown_it_reads_it(text):
    from vaultgraph.parse import parse_text

    assert parse_text("n.md", text) == parse_text("n.md", text, scan=False)


# Markdown links in and just out of reach of syntax/scan.py: each part of
# `[text](destination "title")` drawn from forms it reads (text with tags and line breaks,
# a destination without spaces or parentheses, a simple title) or, for one part at a time,
# from near misses that markdown-it reads otherwise (brackets, code, escapes, entities,
# `<`, spaces, parentheses, titles not closed or not spaced, a `]` no `(` follows...),
# with text around them.
LINK_PARTS = [  # (what the scanner reads, near misses)
    (["[", "!["], ["!", "[[", "\\[", "`[", "![[", "[ ["]),
    (["t", "", " ", "#a", "a #b#c", "x\ny", "#a\n#b", "!", "10.1000/x", "https://e.org/x", "a(b)",
      "*e*", "_e_", "a\n"],
     ["a [b]", "[", "`c`", "a]b", "&amp;", "\\]", "<b>", "$m$", "[[W]]", "a\\", "&"]),
    (["]("], ["] (", "]", "][x]", "]\n(", "][", "]]("]),
    (["x", "Note%20a.md", "a/b.md#h", "", " ", "\n", "x\n", "https://e.org/10.1000/a", 'a"b"',
      "#h", "a#^b", "a>b", "a\u00a0b", "a'b'", "a!b", "a#b", "a*b"],
     ["a b", "a(b)", "a(b", "<a b>", "<a>", "\tx", "a\\)b", "a&amp;b", "a&b", "a]b", "a[b",
      "a`b", "a\x01", "a\x7f", "a$b", "a<b", "a\tb"]),
    (["", ' "t"', " 't'", " (t)", ' ""', '\n"t"\n', " 'a\"b'", ' "a)b"', '\t"t"'],
     [' "t', ' "a"b', " 't\"", ' "a\nb"', " (a(b))", ' "`"', ' "\\""', " t", ' "&amp;"', '"t"',
      " (a]b)", ' "a[b"', "(t)", "'t'"]),
    ([")", " )", "\n)", "\t)"], ["", "))", "\n\n)", "x)"]),
]


@st.composite
def _link_like(draw):
    # the part drawn from near misses, if any (none half of the time)
    broken = draw(st.integers(0, 2 * len(LINK_PARTS)))
    return "".join(draw(st.sampled_from(missed if index == broken else read)) for index, (read, missed)
                   in enumerate(LINK_PARTS))


AROUND = st.sampled_from([" ", "", "\n", "*", "_", "**", " #t ", "#t", "`", "``", " [ ] ", "[x] ",
                          "<", " & ", "\\", "$", "]", "(", ")", "[[A]]", " 10.1000/y ", "!",
                          "\n\n[x]: /u\n\n", "\n\n", "<b>", "&amp;", "- [ ] ", "a", "[", "]("])
LINKISH = st.lists(st.one_of(_link_like(), AROUND), min_size=1, max_size=8).map("".join)


@given(st.tuples(st.sampled_from(["", "", "> ", "- ", "# ", "| a | "]), LINKISH).map("".join))
def test_markdown_links_read_by_the_scanner_read_as_markdown_it_reads_them(text):
    from vaultgraph.parse import parse_text

    assert parse_text("n.md", text) == parse_text("n.md", text, scan=False)


@given(st.lists(st.lists(st.text(), min_size=1, max_size=3), max_size=5))
def test_lines_written_directly_are_what_rich_prints(lines):
    """check's text output skips rich where rich would print a line as it is: the
    same output as rich's, whatever the text (tabs, control codes, wide characters)."""
    import io

    from rich.console import Console

    from vaultgraph.render import _Lines, _text

    def console(file):
        return Console(file=file, highlight=False, soft_wrap=True, width=1_000_000)

    direct, printed = io.StringIO(), io.StringIO()
    written = _Lines(console(direct))
    assert written.direct
    for parts in lines:
        written.add(parts[0], *((part, "bold") for part in parts[1:]))
    written.flush()
    for parts in lines:  # (both with the vault text escaped for the terminal)
        console(printed).print(_text(parts[0], *((part, "bold") for part in parts[1:])))
    assert direct.getvalue() == printed.getvalue()


@given(st.lists(st.text(alphabet="%`a \n", max_size=12), min_size=1, max_size=6))
def test_comment_marks_are_each_double_percent_after_the_last(pieces):
    """comment_spans finds the `%%` of a line with str.find: the marks must be those of
    the pattern `%%` (non-overlapping, from the left: `%%%` is one mark), outside code
    spans, in a line by line reading."""
    import re

    from vaultgraph.parse import _without_code_spans, comment_spans

    lines = "".join(pieces).split("\n")
    marks = []
    for number, line in enumerate(lines):
        marks.extend((number + 1, m.start() + 1)
                     for m in re.finditer("%%", _without_code_spans(line)))
    expected = [(marks[i], (marks[i + 1][0], marks[i + 1][1] + 2) if i + 1 < len(marks)
                 else (len(lines) + 1, 1)) for i in range(0, len(marks), 2)]
    assert comment_spans(lines, []) == expected
