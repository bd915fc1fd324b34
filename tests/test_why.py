"""One rule says why a link is broken (broken.why_broken): `check` -- over the loaded
vault, over the index as it first checks, and from the findings it keeps -- and
`explain` give the same code and the same message for every kind of broken link."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from vaultgraph.cli import cli

CANVAS = ('{"nodes": [\n{"id": "f2", "type": "file", "file": "Gone.md", '
          '"x": 0, "y": 0, "width": 10, "height": 10}\n]}')

# (case, the note or canvas holding the one link, its text, the code, part of the message)
CASES = [
    ("missing note", "c/missing.md", "[[Nope]]", "unresolved-link", 'no note named "Nope"'),
    ("misspelt note", "c/misspelt.md", "[[Reel]]", "unresolved-link", 'did you mean "Real"?'),
    ("alias only", "c/alias.md", "[[Nick]]", "unresolved-link",
     '"Nick" is an alias of "Real"; Obsidian does not resolve links through aliases'),
    ("alias after a folder", "c/alias-folder.md", "[[f/Nick]]", "unresolved-link",
     '"Nick" is an alias of "Real"'),
    ("relative link missing", "c/sub/relative.md", "[[../x.md]]", "unresolved-link",
     "no file at this relative path (relative links never fall back to a name match)"),
    ("link with a folder", "c/folder.md", "[[f/Nope]]", "unresolved-link",
     'no note at "f/Nope" nor at any path ending with it'),
    ("folder, note elsewhere", "c/elsewhere.md", "[[f/Real]]", "unresolved-link",
     'no note at "f/Real" nor at any path ending with it; did you mean "Real"?'),
    ("URL in brackets", "c/url.md", "[[https://example.org]]", "unresolved-link",
     "a URL inside [[ ]] is a note name to Obsidian"),
    ("URL in parentheses", "c/url-markdown.md", "[v](<(https://example.org)>)", "unresolved-link",
     '"(https://example.org)" is a path in the vault to Obsidian, not a URL'),
    ("unlinkable file", "c/unlinkable.md", "[[A#B]]", "unresolved-link",
     '"A#B.md" exists, but its name contains "#"'),
    ("heading missing", "c/heading.md", "[[Real#Nope]]", "missing-heading",
     '"Real" has no heading "Nope"'),
    ("heading chain", "c/chain.md", "[[Real#Sub#Top]]", "missing-heading",
     '"Real" has no heading "Sub#Top" at deeper levels in this order'),
    ("heading in a callout", "c/nested.md", "[[Real#Hidden]]", "missing-heading",
     "(the one on line 8 is inside a callout: Obsidian links only to headings outside"),
    ("block missing", "c/block.md", "[[Real#^gone]]", "missing-block",
     '"Real" has no block ^gone; did you mean "^gon"?'),
    ("case mismatch", "c/case.md", "[[word]]", "case-mismatch",
     'resolves to "a/Word.md" (it has the shortest path; Obsidian compares names without '
     'case), not to "bb/word.md"'),
    ("ambiguous", "c/ambiguous.md", "[[Tie]]", "ambiguous-link",
     '2 files match; Obsidian picks one unpredictably -- vaultgraph uses "x/Tie.md" '
     '(also "y/Tie.md")'),
    ("attachment missing", "c/attachment.md", "![[pie.png]]", "missing-attachment",
     'no file named "pie.png"; did you mean "pic.png"?'),
    ("commented", "c/commented.md", "%%[[Nope]]%%", "unresolved-link",
     'no note named "Nope" (inside a %%comment%%)'),
    ("canvas node", "c/board.canvas", CANVAS, "unresolved-link",
     'no note named "Gone.md" (canvas node f2)'),
]


@pytest.fixture(scope="module")
def vault(tmp_path_factory):
    root = tmp_path_factory.mktemp("why") / "vault"
    files = {
        "Real.md": "---\naliases: [Nick]\n---\n# Top\n## Sub\n\n> [!note]\n> ## Hidden\n\nText ^gon\n",
        "x/Tie.md": "", "y/Tie.md": "", "a/Word.md": "", "bb/word.md": "",
        "A#B.md": "", "pics/pic.png": "",
        **{path: text for _, path, text, _, _ in CASES},
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def _run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


@pytest.fixture(scope="module")
def checked(vault, tmp_path_factory):
    """`check`'s (code, message) per note, over the loaded vault, the index as it first
    checks every note, and the findings it keeps."""
    cache = tmp_path_factory.mktemp("why-cache")
    ways = {"loaded": ["--no-cache"], "indexed": ["--cache-dir", str(cache)],
            "kept": ["--cache-dir", str(cache)]}
    found = {}
    for way, options in ways.items():
        rows = _run("--vault", str(vault), *options, "check", "--format", "json")["diagnostics"]
        found[way] = {}
        for row in rows:
            found[way].setdefault(row["path"], []).append((row["code"], row["message"]))
    return found


@pytest.mark.parametrize("case, path, text, code, message", CASES, ids=[c[0] for c in CASES])
def test_check_and_explain_say_the_same(vault, checked, case, path, text, code, message):
    line = 1 if not path.endswith(".canvas") else 2
    explained = _run("--vault", str(vault), "--no-cache", "explain", f"{path}:{line}", "--json")
    (item,) = explained["links"]
    said = [(f["code"], f["message"]) for f in item["findings"]]
    assert item["problems"] == [m.split(" -- ", 1)[1] for _, m in said]
    for way, found in checked.items():
        assert found.get(path) == said, way
    assert [c for c, _ in said][-1] == code
    assert any(message in m for _, m in said), said


def test_a_file_named_with_link_syntax_coming_changes_the_kept_findings(make_vault, tmp_path):
    """The findings kept for a broken link are checked again when a file it may mean,
    whose name holds link syntax, comes or goes (findings._near_changed_names)."""
    root = make_vault({"n.md": "[[C#D]]\n", "Other.md": ""})
    cache = ["--cache-dir", str(tmp_path / "cache")]

    def messages(*options):
        rows = _run("--vault", str(root), *options, "check", "--format", "json")["diagnostics"]
        return [r["message"] for r in rows if r["path"] == "n.md"]

    assert messages(*cache) == ['[[C#D]] -- no note named "C"']
    (root / "C#D.md").write_text("", encoding="utf-8")
    said = ['[[C#D]] -- "C#D.md" exists, but its name contains "#", which Obsidian reads as '
            "link syntax; such a file cannot be linked -- rename it"]
    assert messages(*cache) == said == messages("--no-cache")
    (root / "C#D.md").unlink()
    assert messages(*cache) == ['[[C#D]] -- no note named "C"']


@pytest.mark.parametrize("cache", [True, False])
def test_link_syntax_in_a_folder_of_the_link_is_not_blamed_on_a_file_name(make_vault, tmp_path,
                                                                           cache):
    """[[pa#th/path/x]] is note "pa", heading "th/path/x": the file x.md elsewhere has no
    "#" in its name (tasks-demo's Test Data/link_in_task_wikilink.md)."""
    root = make_vault({"n.md": "[[pa#th/path/x]] and [[f/a|b/x]]\n", "Test Data/x.md": ""})
    where = ["--cache-dir", str(tmp_path / "c")] if cache else ["--no-cache"]
    rows = _run("--vault", str(root), *where, "check", "--format", "json")["diagnostics"]
    assert [r["message"] for r in rows] == [
        '[[pa#th/path/x]] -- no note named "pa"',
        '[[f/a]] -- no note at "f/a" nor at any path ending with it']
    explained = _run("--vault", str(root), *where, "explain", "n.md:1", "--json")
    assert [item["problems"] for item in explained["links"]] == [
        ['no note named "pa"'], ['no note at "f/a" nor at any path ending with it']]
