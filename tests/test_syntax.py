"""What counts as a link, tag, heading or block id, and where it is (Obsidian's rules)."""

from __future__ import annotations

import pytest

from vaultgraph.parse import decode, parse_text
from vaultgraph.syntax import CONTEXT_CHARS
from vaultgraph.syntax.citations import _SAYS


def links(text: str):
    return [(l.kind, l.path, l.subpath, l.alias) for l in parse_text("n.md", text).links]


def tags(text: str):
    return [t.name for t in parse_text("n.md", text).tags]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[[T]]", [("link", "T", None, None)]),
        ("[[T|alias]]", [("link", "T", None, "alias")]),
        ("[[T#H]]", [("link", "T", "H", None)]),
        ("[[T#H1#H2]]", [("link", "T", "H1#H2", None)]),
        ("[[T#^block]]", [("link", "T", "^block", None)]),
        ("[[#H]]", [("link", "", "H", None)]),
        ("[[#^b]]", [("link", "", "^b", None)]),
        ("[[folder/T]]", [("link", "folder/T", None, None)]),
        ("[[T.md]]", [("link", "T.md", None, None)]),
        ("[[Note#Details|Section name]]", [("link", "Note", "Details", "Section name")]),
        ("[[  foo  |x]]", [("link", "foo", None, "x")]),  # W7 trimming
        ("[[foo#^abc ]]", [("link", "foo", "^abc", None)]),
        ("![[T]]", [("embed", "T", None, None)]),
        ("![[img.png|200]]", [("embed", "img.png", None, "200")]),
        ("![[doc.pdf#page=3]]", [("embed", "doc.pdf", "page=3", None)]),
        ("[[Sq]uare]]", [("link", "Sq]uare", None, None)]),  # W9 single ] does not close
        ("[[Multi\nLine]]", []),  # W9 no multi-line links
        ("[[Nested [[Inner]] x]]", [("link", "Inner", None, None)]),
        ("[[unclosed link", []),
        ("[[]]", []),
        ("[[https://example.com]]", [("link", "https://example.com", None, None)]),  # W11
        ("[[foo|Example **bold**]]", [("link", "foo", None, "Example **bold**")]),
        ("[[link|]]", [("link", "link", None, "")]),  # W12 empty alias
        # markdown links (M1-M4)
        ("[t](Note%20Name.md)", [("markdown", "Note Name.md", None, None)]),
        ("[t](<Note Name.md>)", [("markdown", "Note Name.md", None, None)]),
        ("[t](Note.md#Heading)", [("markdown", "Note.md", "Heading", None)]),
        ("[t](Note.md#Daily%20Note)", [("markdown", "Note.md", "Daily Note", None)]),
        ("[t](Sub/My Note.md)", []),  # a literal space is not a link
        ("[t](https://example.com/a#b)", []),  # external
        ("[t](mailto:a@b.c)", []),
        ("![alt](pic.png)", [("markdown", "pic.png", None, None)]),
        ("[t][ref]\n\n[ref]: Note.md", [("markdown", "Note.md", None, None)]),
        ("costs $5 and [[X]] $10", [("link", "X", None, None)]),  # prices are not math
        # footnote definitions are text, cited or not
        ("a[^1]\n\n[^1]: [[Source]], p. 115", [("link", "Source", None, None)]),
        ("[^2]: [[Uncited]]", [("link", "Uncited", None, None)]),
        ("^[inline [[Note]]]", [("link", "Note", None, None)]),
        # %%comments%% are indexed
        ("%%[[Hidden]]%%", [("link", "Hidden", None, None)]),
        ("%%\n[[Hidden block]]\n%%", [("link", "Hidden block", None, None)]),
    ],
)
def test_link_grammar(text, expected):
    assert links(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "```\n[[fenced]] #tag\n```",
        "~~~md\n[[fenced]] #tag\n~~~",
        "    [[indented]] #tag",
        "`[[inline code]] #tag`",
        "$[[math]] #tag$",
        "$$\n[[math]] #tag\n$$",
        "<!-- [[comment]] #tag -->",
        "<!--\n[[comment]]\n#tag\n-->",
        "<div>\n[[html]] #tag\n</div>",
        "\\[\\[escaped]] \\#tag",
        "---\nnote: not a link [[X]] #tag\n---\nbody",
    ],
)
def test_no_links_or_tags_in_code_math_html_or_plain_properties(text):
    note = parse_text("n.md", text)
    assert note.links == [] and note.tags == []


def test_table_cells_take_escaped_pipes():
    text = "| a | b |\n|---|---|\n| [[Basic formatting syntax\\|Markdown syntax]] | ![[Engelbart.jpg\\|200]] |\n"
    assert links(text) == [
        ("link", "Basic formatting syntax", None, "Markdown syntax"),
        ("embed", "Engelbart.jpg", None, "200"),
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("#tag", ["tag"]),
        ("#a/b/c", ["a/b/c"]),
        ("#🔴", ["🔴"]),
        ("#日本語", ["日本語"]),
        ("#✅done", ["✅done"]),
        ("#1984", []),  # T2 needs a non-digit
        ("#y1984 #1990s", ["y1984", "1990s"]),
        ("word#x", []),  # T3 needs whitespace before
        ("see http://x.com/#frag", []),
        ("mail me a@b.c#x", []),
        ("(#pa) \"#pc\" .#pd x—#pe", []),
        ("[x #b]", ["b"]),
        ("a\t#pf", ["pf"]),
        ("a\u00a0#qi b\u3000#qj", ["qi", "qj"]),
        ("#foo:x", ["foo"]),  # T1 ends at punctuation
        ("#tag.", ["tag"]),
        ("#tl#tm", ["tl", "tm"]),  # T4
        ("_#uc_", ["uc"]),
        ("**#bold**", ["bold"]),
        ("snake_case_#wc", ["wc"]),
        ("|#uo|x|\n|-|-|\n", ["uo"]),
        ("# Heading #intitle", ["intitle"]),
        ("#", []),
        ("# not a tag", []),
        ("[see #tag](https://example.com)", ["tag"]),
    ],
)
def test_inline_tags(text, expected):
    assert tags(text) == expected


def test_positions_are_file_lines_and_columns():
    text = (
        "---\nrelated: \"[[P]]\"\n---\n"          # lines 1-3
        "# Title [[H]]\n"                          # 4
        "\n"
        "> quote [[Q]] and #qt\n"                  # 6
        "- item\n  more [[L]]\n"                   # 7-8
        "| a | [[T\\|x]] |\n|---|---|\n"           # 9-10
        "`[[code]]` [[after]]\n"                   # 11
    )
    note = parse_text("n.md", text)
    got = {l.path: (l.line, l.column) for l in note.links}
    assert got == {"P": (2, 11), "H": (4, 9), "Q": (6, 9), "L": (8, 8), "T": (9, 7),
                   "after": (11, 12)}
    assert [(t.name, t.line, t.column) for t in note.tags] == [("qt", 6, 19)]
    for link in note.links:  # every position points at the link text itself
        line = text.split("\n")[link.line - 1]
        assert line[link.column - 1:].startswith(("[[", "![[", "\"[[")) or line[link.column - 1] == "["


def test_a_link_on_a_long_line_has_a_window_of_it_as_context():
    words = " ".join(f"word{i}" for i in range(200))
    text = f"{words} [[Start]] {words} [[Middle]] {words} [[End]] {words}\n\nShort [[S]] line.  \n"
    contexts = {link.path: link.context for link in parse_text("n.md", text).links}
    assert contexts["S"] == "Short [[S]] line."
    for name in ("Start", "Middle", "End"):
        context = contexts[name]
        assert f"[[{name}]]" in context and context.startswith("...") and context.endswith("...")
        assert len(context) <= CONTEXT_CHARS + 6
        # ASCII, as the line is: half the memory of a window marked with "…"
        assert context.isascii()
    assert len(parse_text("n.md", f"[[A]] {words}").links[0].context) <= CONTEXT_CHARS + 3


def _window(text: str, column: int) -> str:
    """The context as each link kept a copy of it before lines were shared (the reference)."""
    text = text.strip() if len(text) <= 240 else text
    if len(text) <= 240:
        return text
    start = max(0, min(column - 1 - 80, len(text) - 240))
    window = text[start:start + 240].strip()
    return ("..." if start else "") + window + ("..." if start + 240 < len(text) else "")


@pytest.mark.parametrize("line", [
    " ".join(["[[ok]]"] * 400), "  [[a]] short line with [[b]] and doi:10.1/x  ",
    " ".join(f"w{i} [[n{i}]] doi:10.12/{i}" for i in range(150)),
    "x" * 300 + " [[far]] " + "y" * 50, "[[a]]" + " " * 238 + "[[b]]", "é" * 500 + "[[u]]" + "é" * 500])
def test_links_on_a_line_share_it_once_with_the_same_contexts(line):
    """Every link and citation on a line shows the same context as when each kept its
    own copy, from one LineText per line holding no more than the contexts show."""
    text = f"# Top\n\n{line}\n\nafter [[z]]\n"
    note = parse_text("n.md", text)
    records = note.links + note.citations
    assert len(records) > 1
    for record in records:
        assert record.context == _window(text.split("\n")[record.line - 1], record.column)
    on_line = [r.where for r in records if r.line == 3]
    assert len({id(where) for where in on_line}) == 1
    assert len(on_line[0].text) <= min(len(line), 240 * len(on_line))


def test_links_in_a_table_rows_cells_share_its_line_once():
    """A row's cells are read apart (one LineText each as read); the links of a short
    line end with one, the whole line."""
    text = "| a | b |\n|---|---|\n| [[X]] | [[Y]] [[W]] |\n"
    note = parse_text("n.md", text)
    records = note.links + note.citations
    assert [r.line for r in records] == [3, 3, 3]
    assert len({id(r.where) for r in records}) == 1
    assert {r.context for r in records} == {"| [[X]] | [[Y]] [[W]] |"}


def test_crlf_and_lone_cr_line_endings_keep_lines():
    note = parse_text("n.md", "a\r\n[[X]]\rb #t\r\n")
    assert [(l.path, l.line) for l in note.links] == [("X", 2)]
    assert [(t.name, t.line) for t in note.tags] == [("t", 3)]


def test_headings_atx_setext_and_raw_text():
    note = parse_text("n.md", "# One ##\n\nTwo\n===\n\n### See [[Other]]\n```\n# not\n```\n")
    assert [(h.text, h.level, h.line) for h in note.headings] == [
        ("One", 1, 1), ("Two", 1, 3), ("See [[Other]]", 3, 6)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("A paragraph. ^37066d", [("37066d", 1)]),
        ("line one\nline two ^multi-line", [("multi-line", 2)]),
        ("> quote\n\n^quote-of-the-day", [("quote-of-the-day", 3)]),
        ("- a\n- b\n\n^listid", [("listid", 4)]),
        ("- item ^item1\n- other", [("item1", 1)]),
        ("![[x.png]]^version-history-image", [("version-history-image", 1)]),
        ("### Heading ^hid", [("hid", 1)]),
        ("mid ^notend text", []),
        ("x^2", []),
        ("^bad_id!", []),
        ("```\ncode ^nope\n```", []),
    ],
)
def test_block_ids(text, expected):
    assert [(b.id, b.line) for b in parse_text("n.md", text).blocks] == expected


def test_decode_reports_bad_utf8_and_keeps_links():
    text, problems = decode("n.md", b"ok\n\xff [[Still]]\n")
    assert "[[Still]]" in text
    assert [(p.code, p.line, p.column) for p in problems] == [("encoding", 2, 1)]


def test_decode_binary_and_bom():
    assert decode("n.md", b"\x89PNG\x00\x00\xff\xfe")[0] is None
    assert decode("n.md", b"\xef\xbb\xbf# H")[0] == "# H"
    text, problems = decode("n.md", b"text [[A]]\n\x00\x00")
    assert text is not None and problems[0].code == "encoding"


@pytest.mark.parametrize("text", [
    "plain words", "[[A]] and ![[p.png|200]] #t #a#b _#x_\nnext [[B#h|c]]", "[[a]b]]", "a]] b",
    "doi:10.1000/abc#x and [[A]]", "line one  \n  #t two",
    # a `[` that no `](` follows opens no markdown link (no references defined): text
    "[ ] task [[A]] #t", "[x] done", "see [1] and [[B]]", "![ ] [[A]]", "[[[a]]", "a ] b [",
    "[a][b] [[A]]",
    # code spans: nothing in them is read; backticks that no run of as many follows are text
    "`[[code]]` [[A]]", "`x`#t #u`y`", "``a ` b`` #t", "` unclosed [[A]] #t", "`` x ` [[A]]",
    "`a\nb` [[A]]", "[[a `b]] c`", "`a [[b` c]]", "#t`x` `#u`", "`[t](x)` [a]", "a ```\n[[A]]",
    "a ``` b ``` [[C]]",
    # the simple markdown links and images: text without brackets or code, a destination
    # without spaces or parentheses, maybe a title; brackets no `(` follows are text
    "[t](x) [[A]]", "![i](p.png)", "[ ] then [t](x)", "`x` [t](x)", "[t](Note%20name.md#h)",
    "[#a #b#c\n#d](x) #e", "[](x) [t]() [t]( ) ![]()", "[t](x \"y\") [u]( y\n'z' ) [v](z (w))",
    "[a][b](c) [x]", "[t](x)#t [u](https://e.org/10.1000/abc) [10.1000/x](y)", "[t](x)^id",
    "![#a](p.png) #b", "[a](b)[c](d)", "[t](x)](y)", "[a]\n(b)", "- [ ] [t](x)", "[t](\"x\")", "[t](x\"a\")",
    "[t](\nx)", "[t](\n x \"y\"\n) #t", "[a\nb](\tx\t'y'\t)", "[t](x'a')",
    # math, HTML tags and `&` that opens no entity: nothing in a span is read, the rest is
    "$[[m]]$ #t", "$x$ and $$y [[A]]$$ #t", "5$x$ #t", "$ x$ #t", "$x $ #t", "$x$5 #t", "$$$$ #t",
    "$$a$ b$$ #t", "#t $x", "$x$ $", "a$", "1 $x$ 2", "$x$\n#t", "$a\n[[b]]$ [[c]]", "[[a$b]]$ #t",
    "$[[A]]$ 5", "a $$$$[[A]]$$", "$a [[A]] $ b", "a $[[A]]$5", "a $$[[A]]$ $$", "$ [[A]]$",
    "a $\u00a0[[A]]$", "a $[[A]]\u3000$", "a $$$[[A]]$$",
    "<b>[[A]]</b>", '<span class="a">[[A]]</span> #t', "<br> <br/> </b >#t", "a < b > c #t",
    "<3 [[A]]", "<a\nhref='x'>t</a> #t", '<a title="`">` x', "A & B [[A]] &", "<b [[A]]",
    "x <b>", "<", "<b title='[[A]]'> #t", "[t](x) <i>y</i>", "`<b>` <b>`</b>`",
    # URL autolinks: their text (percent-escapes decoded, as markdown-it makes it) is read
    # for identifiers, placed at the `<`
    "<https://e.org> [[A]]", "<https://e.org/a%20b> #t", "a <mailto:x@y.z> b", "x\n<https://e.org>",
    "<https://xn--e1afmkfd.xn--p1ai/10.1000/abc> [[A]]", "<https://e.org>10.1000/abc",
    "<http://a.b><https://c.d/?q=1;x=2>", "[[A]]<https://e.org/[[B]]>#t", "<HTTPS://E.ORG/%E2%82%AC>",
    "<https://doi.org/10.1000/xyz> said", "<https://e.org <b> [[A]]", "#t<ab:c>", "<a+b.c-d:>",
    "<https://e.org/[[a> x",  # (no would-be link in it: unclosed-link looks at plain text)
])
def test_plain_inline_text_is_scanned_and_read_as_markdown_it_reads_it(text):
    from vaultgraph.syntax.scan import scan_inline

    assert scan_inline(text) is not None
    assert parse_text("n.md", text) == parse_text("n.md", text, scan=False)


@pytest.mark.parametrize("text", [
    # a `[[` opening no wikilink is a markdown link's turn: `[[ ]](x)` is one
    "[[ ]](x)", "[[a\nb]](x.md)", "![[ ]](p.png)", "[[a [[b]] c](x)",
    "\\[[A]]", "&#35;t [[A]]", "&amp; [[A]]", "&x [[A]]", "<a@b.c> #t", "<x:y> [[A]]",
    "<!-- c --> [[A]]", "<?x?> [[A]]", "<!DOCTYPE x> #t", "<a href='x:y'>#t", "a \\$b$ #t",
    # markdown links but the simplest: a space, parentheses or `<` in the destination,
    # brackets or code in the text, a title not closed, an escape or an entity
    "[t](a b)", "[t](a(b))", "[t](<a b>)", "[a [b]](x)", "[`a`](x)", "[t](x \"y)", "[t](x 'y)",
    "[t](x \"a\" b)", "[t](x\\)y)", "[t](x&amp;y)", "[t]( x", "![i](p .png)",
    "[t](x)(y) [a [b](c)", "[t](x \"a\nb\")", "[ ] then [t](x y)", "[t](x(t))", "[t](x (a(b)))",
    "[t](x (a]b))", "[t](x \"a\" \"b\")",
])
def test_other_inline_syntax_is_left_to_markdown_it(text):
    from vaultgraph.syntax.scan import scan_inline

    assert scan_inline(text) is None
    assert parse_text("n.md", text) == parse_text("n.md", text, scan=False)


@pytest.mark.parametrize("text", [
    "[r]: /u\n\n[r] and [[A]]", "[r]: /u\n\n[x][r] #t", "- [ ] [r]\n\n[r]: /u\n",
])
def test_a_note_defining_references_leaves_brackets_to_markdown_it(text):
    from vaultgraph.syntax.scan import scan_inline

    assert scan_inline("[r] and [[A]]", references=True) is None
    assert parse_text("n.md", text) == parse_text("n.md", text, scan=False)
    assert [link.path for link in parse_text("n.md", text).links if link.kind == "markdown"] == ["/u"]


@pytest.mark.parametrize("text", [
    "`doi:10.1000/abc`doi:10.1000/abc", "[x](u/10.1000/abc)10.1000/abc",
    "$10.1000/abc$ 10.1000/abc", '<b title="10.1000/abc">10.1000/abc',
    "<https://e.org/10.1000/abc>10.1000/abc", "![10.1000/abc](p.png)10.1000/abc",
])
def test_an_identifier_after_code_math_html_or_a_link_is_placed_after_it(text):
    # the same words inside the code span, math, tag or link before it are not the citation
    for scan in (True, False):
        citations = [(c.value, c.column) for c in parse_text("n.md", text, scan=scan).citations]
        assert citations[-1] == ("10.1000/abc", len(text) - len("10.1000/abc") + 1)


@pytest.mark.parametrize("text", [
    "- item\n\tlazy [[X]]\n",  # a tab reaches markdown-it as spaces: the link is one column on
    "- item\n\t\tlazy [[X]] and [[Y]]\n",
    "1. item\n\tlazy [[X]]\n",
    "- a\n  - b\n\tlazy [[X]]\n",
    "> quote\n\tlazy [[X]]\n",
    "para\n\t  [[X]] lazy\n",
])
def test_a_link_on_a_lazy_line_indented_with_a_tab_is_where_it_is_written(text):
    from vaultgraph.parse import parse_text

    lines = text.split("\n")
    found = [(link.line, link.column) for link in parse_text("a.md", text).links]
    written = [(number, index + 1) for number, line in enumerate(lines, 1)
               for index in range(len(line)) if line.startswith("[[", index)]
    assert found == written


_VERBS_OF_SAYING = _SAYS.strip("(?:)").split("|")


@pytest.mark.parametrize("verb", _VERBS_OF_SAYING + ["words"])
def test_every_verb_of_saying_attributes_a_quote(verb):
    # find_quotes skips text holding no verb of saying: each one still finds its quote
    from vaultgraph.syntax.citations import find_quotes

    forms = ([f"In Ann Smith's {verb}, \"it works well\"."] if verb == "words" else
             [f'Ann Smith {verb} "it works well".', f'"It works well," Ann Smith {verb}.',
              f'"It works well," {verb} Ann Smith.'])
    for text in forms:
        assert [person for person, _, _ in find_quotes(text)] == ["Ann Smith"], text


def test_the_scanners_math_spaces_are_markdown_its_whitespace():
    from markdown_it.common.utils import isWhiteSpace

    from vaultgraph.syntax.scan import _MATH_SPACE

    assert {chr(code) for code in range(0x3100) if isWhiteSpace(code)} == _MATH_SPACE
