"""Warnings a careful user wants: a link whose target was chosen without regard to case
while a file spelled exactly like it exists (case-mismatch); findings on links inside
%%comments%% (warning by default); headings inside HTML comments are no headings."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from vaultgraph import load
from vaultgraph.findings import check_vault
from vaultgraph.cli import cli
from vaultgraph.parse import parse_text
from vaultgraph.resolve import Resolver

FILES = ["Themes/Doctorfree.md", "People/doctorfree.md", "Log.md", "deep/a/log.md",
         "x/Only.md", "y/z/only.md", "Same/Tie.md", "Other/tie.md", "Twin/Tie.md",
         "Café.md", "far/away/café.md", "Exact/Name.md", "Sub/exact/name.md"]


@pytest.mark.parametrize("linkpath, source, target, rule, spelled", [
    # same folder wins without regard to case; the file spelled exactly is elsewhere
    ("doctorfree", "Themes/src.md", "Themes/Doctorfree.md", "same-folder", "People/doctorfree.md"),
    ("doctorfree", "Themes/Doctorfree.md", "Themes/Doctorfree.md", "same-folder",
     "People/doctorfree.md"),  # a self-link, as in the real vault
    ("Doctorfree", "People/src.md", "People/doctorfree.md", "same-folder", "Themes/Doctorfree.md"),
    ("doctorfree", "People/src.md", "People/doctorfree.md", "same-folder", None),
    # the exact path ignoring case
    ("log", "src.md", "Log.md", "exact", "deep/a/log.md"),
    ("Log", "src.md", "Log.md", "exact", None),
    ("exact/name", "src.md", "Exact/Name.md", "exact", "Sub/exact/name.md"),
    ("Exact/Name", "src.md", "Exact/Name.md", "exact", None),
    # the shortest path
    ("only", "src.md", "x/Only.md", "shortest", "y/z/only.md"),
    ("Only", "src.md", "x/Only.md", "shortest", None),
    # ties are ambiguous-link's, relative links have no alternative
    ("tie", "src.md", "Same/Tie.md", "tie", None),
    ("./only", "y/z/src.md", "y/z/only.md", "relative", None),
    # Unicode forms look the same: not a case difference
    ("Cafe\u0301", "src.md", "Café.md", "exact", None),
    ("café", "src.md", "Café.md", "exact", "far/away/café.md"),
    ("cafe\u0301", "src.md", "Café.md", "exact", "far/away/café.md"),
    ("CAFÉ", "src.md", "Café.md", "exact", None),  # spelled like neither
    ("missing", "src.md", None, "unresolved", None),
])
def test_case_mismatch_is_decided_by_resolution(linkpath, source, target, rule, spelled):
    for files in (FILES, list(reversed(FILES))):
        result = Resolver(files).resolve(linkpath, source)
        assert (result.target, result.rule, result.spelled) == (target, rule, spelled)


def test_names_differing_only_by_case_in_the_same_folder_prefer_the_exact_spelling():
    resolver = Resolver(["n/Case.md", "n/case.md"])
    assert resolver.resolve("case", "n/src.md").target == "n/case.md"
    assert resolver.resolve("Case", "n/src.md").target == "n/Case.md"
    assert resolver.resolve("CASE", "n/src.md").spelled is None


def _check(root, *args, cache=False):
    where = ["--no-cache"] if not cache else []
    result = CliRunner().invoke(cli, ["--vault", str(root), *where, "check", "--format", "json",
                                      *args])
    return result.exit_code, [(d["path"], d["severity"], d["code"], d["message"])
                              for d in json.loads(result.output)["diagnostics"]]


@pytest.fixture
def cases(make_vault):
    return make_vault({
        "Themes/Doctorfree.md": "See [[doctorfree]].\n",
        "People/doctorfree.md": "[[doctorfree]] [[People/doctorfree]]\n",
    })


@pytest.mark.parametrize("cache", [False, True])
def test_case_mismatch_through_check_and_explain(cases, cache):
    code, found = _check(cases, cache=cache)
    assert code == 0
    assert found == [("Themes/Doctorfree.md", "warning", "case-mismatch",
                      '[[doctorfree]] -- resolves to "Themes/Doctorfree.md" (it is in the note\'s '
                      "own folder; Obsidian compares names without case), not to "
                      '"People/doctorfree.md", which is spelled exactly like the link -- write '
                      "the folder to pick one")]
    assert _check(cases, "--ignore", "case-mismatch", cache=cache)[1] == []
    assert len(_check(cases, "--select", "case-mismatch", cache=cache)[1]) == 1
    explained = CliRunner().invoke(cli, ["--vault", str(cases), "explain", "Themes/Doctorfree:1",
                                         "--json"])
    (item,) = json.loads(explained.output)["links"]
    assert item["rule"] == "same-folder" and "spelled exactly" in item["problems"][0]


def test_adding_or_removing_the_exactly_spelled_file_checks_the_note_again(make_vault, tmp_path,
                                                                         monkeypatch):
    from vaultgraph import check

    root = make_vault({"Themes/Doctorfree.md": "See [[doctorfree]].\n", "Else.md": "x\n"})
    cache = tmp_path / "cache"
    tick = 1_000_000_000_000_000_000
    for path in root.rglob("*.md"):
        os.utime(path, ns=(tick, tick))
    checked: list[list[str]] = []
    real = check.check_notes
    monkeypatch.setattr(check, "check_notes", lambda vault, paths, *rest:
                        checked.append(sorted(paths)) or real(vault, paths, *rest))

    def run():
        checked.clear()
        kept = CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache),
                                        "check", "--format", "json"])
        (again,) = checked
        fresh = CliRunner().invoke(cli, ["--vault", str(root), "--no-cache", "check",
                                         "--format", "json"])
        assert kept.output == fresh.output
        return [d["code"] for d in json.loads(kept.output)["diagnostics"]], again

    assert run() == ([], ["Else.md", "Themes/Doctorfree.md"])
    assert run() == ([], [])
    (root / "People").mkdir()
    (root / "People" / "doctorfree.md").write_text("x\n")
    os.utime(root / "People" / "doctorfree.md", ns=(tick, tick))
    assert run() == (["case-mismatch"], ["People/doctorfree.md", "Themes/Doctorfree.md"])
    (root / "People" / "doctorfree.md").rename(root / "People" / "DoctorFree.md")
    assert run() == ([], ["People/DoctorFree.md", "Themes/Doctorfree.md"])


@pytest.mark.parametrize("text, commented", [
    ("%%[[A]]%% [[B]]", ["A"]),
    ("[[A]] %% [[B]] %% [[C]]", ["B"]),
    ("%%\n[[A]]\n\n## H\n[[B]]\n%%\n[[C]]", ["A", "B"]),  # a block comment spans blocks
    ("`%%` [[A]] `%%`", []),  # in inline code, %% is text
    ("`` %% ` `` [[A]] %%[[B]]%%", ["B"]),  # a code span closes at a run as long
    ("` %% [[A]] %%", ["A"]),  # a backtick opening no span is text
    ("```\n%%\n```\n[[A]]\n```\n%%\n```", []),  # in fenced code too
    ("$$\n%%\n$$\n[[A]]", []),
    ("<div>\n%%\n</div>\n\n[[A]]", []),
    ("text %% [[A]]\n\n[[B]]", ["A", "B"]),  # never closed: the rest of the note
    ("%%%%[[A]]", []),  # %%%% opens and closes an empty comment
    ("---\nup: \"[[P]]\"\nx: '%%'\n---\n[[A]]", []),  # front matter is not read for %%
    ("%%[[A]]%%%%[[B]]%%", ["A", "B"]),
    ("[[A]]%%", []),
])
def test_links_inside_comments_are_marked(text, commented):
    links = parse_text("n.md", text).links
    assert [l.raw for l in links if l.commented] == commented


@pytest.fixture
def placeholders(make_vault):
    return make_vault({
        "N.md": "# Top\n%% TODO [[Later]] and [[Target#Gone]] %%\n[[Broken]] [[Target#Top]]\n",
        "Target.md": "# Top\n",
    })


@pytest.mark.parametrize("cache", [False, True])
@pytest.mark.parametrize("args, expected", [
    ((), [("error", "unresolved-link", "Broken"), ("warning", "unresolved-link", "Later"),
          ("warning", "missing-heading", "Target#Gone")]),
    (("--unresolved", "error"), [("error", "unresolved-link", "Broken"),
                                 ("warning", "unresolved-link", "Later"),
                                 ("warning", "missing-heading", "Target#Gone")]),
    (("--unresolved", "warning"), [("warning", "unresolved-link", "Broken"),
                                   ("warning", "unresolved-link", "Later"),
                                   ("warning", "missing-heading", "Target#Gone")]),
    (("--unresolved", "ignore"), [("warning", "missing-heading", "Target#Gone")]),
    (("--commented", "error"), [("error", "unresolved-link", "Broken"),
                                ("error", "unresolved-link", "Later"),
                                ("error", "missing-heading", "Target#Gone")]),
    (("--commented", "error", "--unresolved", "warning"),
     [("warning", "unresolved-link", "Broken"), ("warning", "unresolved-link", "Later"),
      ("error", "missing-heading", "Target#Gone")]),
    (("--commented", "ignore"), [("error", "unresolved-link", "Broken")]),
    (("--select", "missing-heading"), [("warning", "missing-heading", "Target#Gone")]),
])
def test_findings_on_commented_links_are_warnings_by_default(placeholders, cache, args, expected):
    result = CliRunner().invoke(cli, ["--vault", str(placeholders),
                                      *([] if cache else ["--no-cache"]),
                                      "check", "--format", "json", *args])
    rows = json.loads(result.output)["diagnostics"]
    assert [(d["severity"], d["code"], d["target"]) for d in rows] == sorted(
        expected, key=lambda e: ["Later", "Target#Gone", "Broken"].index(e[2]))
    for d in rows:
        assert d["message"].endswith("(inside a %%comment%%)") == (d["target"] != "Broken")
    assert result.exit_code == (1 if any(d["severity"] == "error" for d in rows) else 0)


def test_check_vault_takes_the_same_option(placeholders):
    result = check_vault(load(placeholders), commented="error")
    assert result.errors == 3


@pytest.mark.parametrize("text", [
    "<!--\n## Hidden\n-->\n# Real\n",
    "<!--\n\n## Hidden\n\n-->\n# Real\n",  # blank lines do not end an HTML comment block
    "<!-- ## Hidden -->\n# Real\n",
    "- item\n\n  <!--\n  ## Hidden\n  -->\n\n# Real\n",
    "> <!--\n> ## Hidden\n> -->\n\n# Real\n",
    "<!-- a\n## Hidden\nb -->\n# Real\n",
])
def test_a_heading_inside_an_html_comment_is_no_heading(text, make_vault):
    assert [h.text for h in parse_text("n.md", text).headings] == ["Real"]
    root = make_vault({"Note.md": text, "Embeds.md": "![[Note#Hidden]] ![[Note#Real]]\n"})
    code, found = _check(root)
    assert [(p, c) for p, _, c, _ in found] == [("Embeds.md", "missing-heading")]


@pytest.fixture
def dropped_in_comments(make_vault):
    return make_vault({
        "N.md": ("%% TODO [[Later %%\n%% [t](My Note.md) %%\n%%\n[[cut\nin two]]\n%%\n"
                 "[[Open\n"),
        "My Note.md": "", "cut in two.md": "",
    })


@pytest.mark.parametrize("cache", [False, True])
@pytest.mark.parametrize("args, expected", [
    ((), [(1, "unclosed-link", True), (2, "space-in-link", True), (4, "cut-link", True),
          (7, "unclosed-link", False)]),
    (("--commented", "error"), [(1, "unclosed-link", True), (2, "space-in-link", True),
                                (4, "cut-link", True), (7, "unclosed-link", False)]),
    (("--commented", "ignore"), [(7, "unclosed-link", False)]),
])
def test_would_be_links_inside_comments_follow_commented(dropped_in_comments, cache, args,
                                                         expected):
    """A would-be link (cut-link, unclosed-link, space-in-link) inside a %%comment%% is a
    finding on a commented link: --commented ignore hides it, its message says so."""
    result = CliRunner().invoke(cli, ["--vault", str(dropped_in_comments),
                                      *([] if cache else ["--no-cache"]),
                                      "check", "--format", "json", *args])
    rows = json.loads(result.output)["diagnostics"]
    assert [(d["line"], d["code"], d["message"].endswith("(inside a %%comment%%)"))
            for d in rows] == expected
    assert all(d["severity"] == "warning" for d in rows)
