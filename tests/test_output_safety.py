"""Units of issue 17's output rules: escaping for the terminal, Markdown and XML; where
vaultgraph may write. The CLI end to end: tests/test_hostile.py."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ElementTree

import pytest

import vaultgraph
from vaultgraph.escape import terminal, visible, xml_chars
from vaultgraph.index import CacheInsideVault, index_file
from vaultgraph.places import default_cache_dir, is_inside
from vaultgraph.report.md import _code, _headings, _link, _text


@pytest.mark.parametrize("text, shown", [
    ("plain – ✓ 日本 \\n\t", "plain – ✓ 日本 \\n\t"),  # unchanged: text, a backslash, a tab
    ("a\nb\rc", "a\\nb\\rc"),
    ("\x1b]52;c;eA==\x07", "\\x1b]52;c;eA==\\x07"),
    ("\x1b[2J\x1bc", "\\x1b[2J\\x1bc"),
    ("\x9b2J \x7f \x00", "\\x9b2J \\x7f \\x00"),
    ("\u202eevil\u2066 \u2028", "\\u202eevil\\u2066 \\u2028"),
])
def test_visible_shows_what_moves_the_terminal(text, shown):
    assert visible(text) == shown == terminal(text)


@pytest.mark.parametrize("text, shown", [
    ("::error file=x::y", "\\x3a:error file=x::y"),
    ("  ::warning::y", "  \\x3a:warning::y"),
    ("x ##[error]y", "x ##\\x5berror]y"),
    ("source:: [[X]] and std::vector", "source:: [[X]] and std::vector"),  # only at the start
    ("\n::error::x", "\\n::error::x"),  # a line break is shown: no line starts there
])
def test_terminal_text_starts_no_workflow_command(text, shown):
    assert terminal(text) == shown


def test_xml_chars_keep_what_xml_allows_and_show_the_rest():
    text = "a\x01b\x0bc\ud800d\ufffe\tok\n<&>\u202e"
    cleaned = xml_chars(text)
    assert cleaned == "a\\x01b\\x0bc\\ud800d\\ufffe\tok\n<&>\u202e"
    element = ElementTree.Element("n", title=cleaned)
    element.text = cleaned
    back = ElementTree.fromstring(ElementTree.tostring(element, encoding="unicode"))
    assert back.text == cleaned and back.get("title").replace("\n", " ") == cleaned.replace("\n", " ")


def test_markdown_contexts():
    assert _text("<b>*x*</b> [[y]] #t `z` a|b $m$ %%c%% ==h== ^id &amp;") == (
        "\\<b\\>\\*x\\*\\</b\\> \\[\\[y\\]\\] \\#t \\`z\\` a\\|b \\$m\\$ \\%\\%c\\%\\% \\=\\=h\\=\\= "
        "\\^id \\&amp;")
    assert _text("a\nb") == "a\\\\nb"  # (shown as a\nb)
    assert _code("a`b") == "``a`b``" and _code("`x") == "`` `x ``" and _code(" x ") == "`  x  `"
    assert _code("plain") == "`plain`" and _code("") == "` `"
    assert _link("Folder/Note.md") == "[[Folder/Note|Note]]" and _link("Note.md") == "[[Note]]"
    assert _link("<img src=x>.md") == "[\\<img src\\=x\\>](%3Cimg%20src%3Dx%3E.md)"
    assert _link("C# basics.md") == "C\\# basics" and _link("a\nb.md") == "a\\\\nb"
    entries = [{"title": '"><img src=x onerror=alert(1)>', "path": "x.md"},
               {"title": "a_b *c* `d`\n# e", "path": "y.md"}]
    assert _headings(entries) == ['" img src x onerror alert(1)', "a b c d e"]


def test_is_inside_follows_links_and_dot_dot(tmp_path):
    vault = tmp_path / "vault"
    (vault / "sub").mkdir(parents=True)
    (tmp_path / "out").mkdir()
    assert is_inside(vault / "sub" / "new" / "x.md", vault)  # need not exist
    assert is_inside(vault, vault)
    assert is_inside(tmp_path / "out" / ".." / "vault" / "x", vault)
    assert not is_inside(tmp_path / "out" / "x.md", vault)
    assert not is_inside(tmp_path / "vault2" / "x.md", vault)  # a prefix is not a parent
    (tmp_path / "link").symlink_to(vault / "sub")
    assert is_inside(tmp_path / "link" / "x.md", vault)
    (tmp_path / "out" / "x.md").symlink_to(vault / "sub" / "n.md")  # dangling, into the vault
    assert is_inside(tmp_path / "out" / "x.md", vault)
    assert not is_inside(tmp_path / "out", tmp_path / "missing")


def test_index_location_rules(tmp_path, monkeypatch):
    vault = tmp_path / "vault"
    vault.mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for value in ("", "relative/cache", "."):
        monkeypatch.setenv("XDG_CACHE_HOME", value)
        assert default_cache_dir() == tmp_path / "home" / ".cache" / "vaultgraph"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "vaultgraph"
    monkeypatch.chdir(tmp_path)
    assert index_file(vault, "rel").is_absolute()
    with pytest.raises(CacheInsideVault):
        index_file(vault, vault / ".cache")
    monkeypatch.chdir(vault)
    with pytest.raises(CacheInsideVault):
        index_file(vault, "rel")  # relative to the current folder: the vault
    with pytest.raises(CacheInsideVault):
        vaultgraph.load(vault, cache=True, cache_dir=vault / "c")
    assert not os.listdir(vault)
