"""`check` as a linter people wire into CI (issue 19, "Reporting" and "Scope and
configuration"): statistics, grouping, paths, SARIF, --exit-zero, PATH scoping,
--exclude, the configuration file, inline suppression, the baseline, the pre-commit
hook -- each end to end through the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from vaultgraph.cli import cli
from vaultgraph.codes import CODES, HELP
from vaultgraph.lint import CHECK_KEYS, OVERRIDE_KEYS

ROOT = Path(__file__).resolve().parent.parent
DOCS = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--vault", str(root), "check", *args],
                              catch_exceptions=False)


def lines_of(result) -> list[str]:
    return result.stdout.splitlines()


# -- Reporting ---------------------------------------------------------------------------
def test_statistics_one_line_per_code_and_summary_counts_codes(make_vault):
    root = make_vault({"A.md": "[[Gone]] [[Away]] [[A#Nowhere]]\n",
                       "B.md": "[[Gone]]\n[[bad\n"})
    stats = run(root, "--statistics")
    assert stats.exit_code == 1
    assert lines_of(stats) == [
        "3  unresolved-link  error",
        "1  missing-heading  error",
        "1  unclosed-link    warning",
        "2 notes checked: 4 errors (3 unresolved-link, 1 missing-heading), "
        "1 warning (1 unclosed-link)",
    ]
    as_json = json.loads(run(root, "--statistics", "--json").stdout)
    assert as_json["statistics"][0] == {"code": "unresolved-link", "severity": "error", "count": 3}
    assert as_json["summary"] == {"notes": 2, "errors": 4, "warnings": 1}
    one = make_vault({"A.md": "[[Gone]]\n", "B.md": "", "C.md": "[[bad\n"})
    assert lines_of(run(one, "--select", "unclosed-link"))[-1] == (
        "3 notes checked: 0 errors, 1 warning (1 unclosed-link)")
    assert run(root, "--statistics", "--format", "sarif").exit_code == 2


def test_a_repeated_cause_is_grouped_in_text_only(make_vault):
    notes = {f"N{i}.md": "x [[Hub#Nowhere]]\n" for i in range(7)}
    notes["Hub.md"] = "# Hub\n"
    notes["Other.md"] = "[[Gone]]\n"
    root = make_vault(notes)
    text = lines_of(run(root))
    missing = [line for line in text if "error[missing-heading]" in line]
    assert len(missing) == 3 and missing[0].startswith("N0.md:1:3: ")
    assert "  … and 4 more in 4 notes (--no-group lists them)" in text
    assert any(line.startswith("Other.md:1:1: error[unresolved-link]") for line in text)
    assert text[-1].startswith("9 notes checked: 8 errors (7 missing-heading, 1 unresolved-link)")
    every = lines_of(run(root, "--no-group"))
    assert len([line for line in every if "error[missing-heading]" in line]) == 7
    assert not any("more in" in line for line in every)
    assert len(json.loads(run(root, "--json").stdout)["diagnostics"]) == 8
    github = lines_of(run(root, "--format", "github"))
    assert len([line for line in github if "title=missing-heading" in line]) == 7
    # Four of a cause are all shown: grouping would hide only one.
    four = make_vault({f"F{i}.md": "[[Nope]]\n" for i in range(4)})
    assert len([line for line in lines_of(run(four)) if "[[Nope]] --" in line]) == 4


def test_text_paths_from_the_current_folder_inside_the_vault_else_vault_relative(
        make_vault, monkeypatch, tmp_path):
    root = make_vault({"Deep/Sub/A.md": "[[Gone]]\n", "B.md": "[[Away]]\n"})
    monkeypatch.chdir(root / "Deep")
    inside = lines_of(run(root))
    assert inside[0].startswith("../B.md:1:1: ") and inside[1].startswith("Sub/A.md:1:1: ")
    monkeypatch.chdir(tmp_path)  # the vault's parent: outside the vault
    outside = lines_of(run(root))
    assert outside[0].startswith("B.md:1:1: ") and outside[1].startswith("Deep/Sub/A.md:1:1: ")
    # GitHub wants paths from the checkout (the current folder), whatever the vault is.
    github = run(root, "--format", "github").stdout
    assert "file=vault/B.md," in github


def test_sarif_is_valid_sarif_2_1_0_with_rules_and_locations(make_vault, monkeypatch):
    jsonschema = pytest.importorskip("jsonschema")
    root = make_vault({"Sub/Ünï code.md": "é [[Gone]]\n", "B.md": "[[B#Nowhere]]\n"})
    monkeypatch.chdir(root.parent)
    result = run(root, "--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    schema = json.loads((ROOT / "tests" / "sarif" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
                               ).validate(log)
    assert log["version"] == "2.1.0"
    (sarif_run,) = log["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == list(CODES)
    by_id = {rule["id"]: rule for rule in rules}
    assert by_id["missing-heading"]["help"]["markdown"] == HELP["missing-heading"]
    assert by_id["case-mismatch"]["defaultConfiguration"]["level"] == "warning"
    assert sarif_run["columnKind"] == "unicodeCodePoints"
    found = {r["ruleId"]: r for r in sarif_run["results"]}
    gone = found["unresolved-link"]
    assert rules[gone["ruleIndex"]]["id"] == "unresolved-link" and gone["level"] == "error"
    where = gone["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "vault/Sub/%C3%9Cn%C3%AF%20code.md"
    assert where["region"] == {"startLine": 1, "startColumn": 3}  # characters, 1-based
    assert sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")


def test_exit_zero_reports_and_exits_0(make_vault):
    root = make_vault({"A.md": "[[Gone]]\n"})
    result = run(root, "--exit-zero")
    assert result.exit_code == 0 and "error[unresolved-link]" in result.stdout
    assert run(root).exit_code == 1


# -- Scope -------------------------------------------------------------------------------
def test_paths_scope_the_report_but_links_resolve_against_the_whole_vault(
        make_vault, monkeypatch):
    root = make_vault({"In/A.md": "[[Out]] [[Gone]]\n", "In/Deeper/C.md": "[[Nope]]\n",
                       "Out.md": "[[Missing]]\n", "Other/D.md": "[[Lost]]\n"})
    scoped = run(root, str(root / "In"))
    text = lines_of(scoped)
    assert [line.split(":")[0] for line in text[:-1]] == ["In/A.md", "In/Deeper/C.md"]
    assert "[[Out]]" not in scoped.stdout  # resolved: Out.md is in the vault
    assert text[-1].startswith("2 notes checked: 2 errors")
    one = json.loads(run(root, "--json", str(root / "Out.md"), str(root / "Other/D.md")).stdout)
    assert [d["path"] for d in one["diagnostics"]] == ["Other/D.md", "Out.md"]
    assert one["summary"]["notes"] == 2
    monkeypatch.chdir(root / "In")  # pre-commit passes paths from the current folder
    assert lines_of(run(root, "A.md"))[0].startswith("A.md:1:9: error[unresolved-link] [[Gone]]")
    assert run(root, ".").stdout.count("error[") == 2
    monkeypatch.chdir(root)
    whole = run(root, ".")
    assert whole.stdout.count("error[") == 4 and "4 notes checked" in whole.stdout
    missing = run(root, "Nowhere.md")
    assert missing.exit_code == 2 and "Nowhere.md: no such file or folder" in missing.stderr
    outside = run(root, str(root.parent))
    assert outside.exit_code == 2 and "is not inside the vault" in outside.stderr


def test_exclude_globs_are_repeatable_and_gitignore_shaped(make_vault):
    root = make_vault({"Templates/Daily.md": "[[{{date}}]]\n", "Notes/A.md": "[[Gone]]\n",
                       "Notes/Drafts/B.md": "[[Gone]]\n", "C.excalidraw.md": "[[Gone]]\n",
                       "Top.md": "[[Gone]]\n"})

    def paths(*args: str) -> list[str]:
        return [d["path"] for d in json.loads(run(root, "--json", *args).stdout)["diagnostics"]]

    assert len(paths()) == 5
    assert paths("--exclude", "Templates/") == [
        "C.excalidraw.md", "Notes/A.md", "Notes/Drafts/B.md", "Top.md"]
    assert paths("--exclude", "Templates", "--exclude", "*.excalidraw.md",
                 "--exclude", "Drafts") == ["Notes/A.md", "Top.md"]
    assert paths("--exclude", "Notes/**") == ["C.excalidraw.md", "Templates/Daily.md", "Top.md"]
    assert paths("--exclude", "/Top.md", "--exclude", "Notes/*.md") == [
        "C.excalidraw.md", "Notes/Drafts/B.md", "Templates/Daily.md"]
    summary = json.loads(run(root, "--json", "--exclude", "Notes/").stdout)["summary"]
    assert summary["notes"] == 3


# -- Configuration -----------------------------------------------------------------------
def test_the_vault_config_file_sets_checks_options(make_vault, tmp_path):
    root = make_vault({
        "Templates/Daily.md": "[[{{date}}]]\n", "A.md": "[[Gone]] [[A#Nowhere]]\n",
        "Claims/C.md": "#claim A bold claim.\n", "Inbox/I.md": "[[Later]]\n",
        "refs.bib": "@article{smith2020, title={T}, year={2020}}\n",
        ".vaultgraph.toml": (
            "# vaultgraph's settings\n[check]\nunresolved = \"warning\"\n"
            "exclude = [\"Templates/\"]\nrole = [\"#claim=claim\"]\n"
            "bibliography = [\"refs.bib\"]\n\n"
            "[[check.overrides]]\npaths = [\"Inbox/**\"]\nignore = [\"unresolved-link\"]\n"),
    })
    data = json.loads(run(root, "--json").stdout)
    found = {(d["path"], d["code"], d["severity"]) for d in data["diagnostics"]}
    assert found == {("A.md", "unresolved-link", "warning"), ("A.md", "missing-heading", "error"),
                     ("Claims/C.md", "unsourced-claim", "warning")}
    # An option given replaces the file's setting (ruff's rule).
    assert run(root, "--unresolved", "error", "--json").stdout.count('"error"') == 2
    assert "Templates/Daily.md" in run(root, "--exclude", "Nothing", "--json").stdout
    isolated = json.loads(run(root, "--isolated", "--json").stdout)
    assert {d["path"] for d in isolated["diagnostics"]} == {"A.md", "Templates/Daily.md",
                                                            "Inbox/I.md"}
    other = tmp_path / "strict.toml"
    other.write_text("[check]\nselect = \"missing-heading\"\nformat = \"json\"\n")
    named = json.loads(run(root, "--config", str(other)).stdout)
    assert [d["code"] for d in named["diagnostics"]] == ["missing-heading"]
    both = run(root, "--config", str(other), "--isolated")
    assert both.exit_code == 2 and "--isolated" in both.stderr


@pytest.mark.parametrize("text, line, words", [
    ("[check]\nunresolved = \"warn\"\n", 2, "unresolved must be one of error, warning, ignore"),
    ("[check]\n\nselct = [\"unresolved-link\"]\n", 3, "unknown key 'selct' in [check] (did you mean 'select'?)"),
    ("[check]\nignore = [\"no-such-code\"]\n", 2, "ignore: unknown code(s): no-such-code"),
    ("[check]\nselect = [\"missing-heding\"]\n", 2, 'select: unknown code(s): missing-heding (did you mean "missing-heading"?)'),
    ("[check]\nexclude = \"a\"\nunresolved = \n", 3, "not TOML: invalid value"),
    ("[check]\nrole = [\"#x=boss\"]\n", 2, "role: "),
    ("[check]\ninclude-excluded = \"yes\"\n", 2, "include-excluded must be true or false"),
    ("[lint]\nselect = []\n", 1, "unknown table or key 'lint'"),
    ("[check]\n[[check.overrides]]\npaths = [\"a\"]\nignore = [\"x\"]\n", 4, "ignore: unknown code(s): x"),
    ("[check]\n[[check.overrides]]\npaths = [\"a\"]\n", 2, "[[check.overrides]] needs 'ignore'"),
])
def test_a_bad_config_is_one_line_with_file_and_line_and_exit_2(make_vault, text, line, words):
    root = make_vault({"A.md": "[[Gone]]\n", ".vaultgraph.toml": text})
    result = run(root)
    assert result.exit_code == 2 and result.stdout == ""
    (said,) = result.stderr.splitlines()
    assert said.startswith(f"vaultgraph: {root / '.vaultgraph.toml'}:{line}: ") and words in said


def test_every_config_key_is_documented():
    section = DOCS.split("### Configuration file", 1)[1].split("\n### ", 1)[0]
    for key in (*CHECK_KEYS, *OVERRIDE_KEYS):
        assert f"`{key}`" in section, key


# -- Inline suppression ------------------------------------------------------------------
def test_inline_suppression_line_block_and_unused(make_vault):
    root = make_vault({"A.md": (
        "# A\n"
        "[[Gone]] %% vaultgraph: ignore[unresolved-link] %%\n"      # 2: this line
        "[[Away]]\n"                                                # 3: reported
        "\n"
        "%% vaultgraph: ignore[unresolved-link, missing-heading] %%\n"  # 5: the block below
        "[[Lost]] and [[A#Nowhere]]\n"
        "[[Far]]\n"
        "\n"
        "[[Beyond]]\n"                                              # 9: past the block
        "[[A]] %% vaultgraph: ignore[missing-block, no-such] %%\n"  # 10: unused, unknown
        "plain %% vaultgraph: ignore %%\n"                          # 11: silences nothing
        "`%% vaultgraph: ignore %%` [[Code]]\n"                     # 12: code: not one
    )})
    data = json.loads(run(root, "--json").stdout)
    found = [(d["line"], d["code"], d["message"]) for d in data["diagnostics"]]
    assert found == [
        (3, "unresolved-link", '[[Away]] -- no note named "Away"'),
        (9, "unresolved-link", '[[Beyond]] -- no note named "Beyond"'),
        (10, "unused-suppression", "unused suppression (unused: missing-block; unknown: no-such)"),
        (11, "unused-suppression", "unused suppression silences nothing"),
        (12, "unresolved-link", '[[Code]] -- no note named "Code"'),
    ]
    assert data["diagnostics"][2]["column"] == 7
    quiet = json.loads(run(root, "--json", "--ignore", "unused-suppression").stdout)
    assert {d["code"] for d in quiet["diagnostics"]} == {"unresolved-link"}
    # Judged by what it silences, not by what a run reports: with unresolved-link
    # ignored, the suppressions of lines 2 and 5 are still used.
    only = json.loads(run(root, "--json", "--ignore", "unresolved-link").stdout)
    assert [d["line"] for d in only["diagnostics"]] == [10, 11]


def test_an_unused_suppression_says_little_of_hostile_text(make_vault):
    names = ",".join(["\x1b[2J" + "x" * 100, "a", "b", "c", "d", "e", "f"])
    root = make_vault({"A.md": f"text %% vaultgraph: ignore[{names}] %%\n"})
    (line,) = [line for line in lines_of(run(root)) if "warning[unused-suppression]" in line]
    assert "\x1b" not in line and "\\x1b[2J" + "x" * 35 + "…, a, b, c, d, and 2 more)" in line
    assert len(line) < 200


def test_the_python_api_honours_inline_suppressions(make_vault):
    import vaultgraph

    root = make_vault({"A.md": "[[Gone]] %% vaultgraph: ignore[unresolved-link] %%\n[[Away]]\n"
                               "x %% vaultgraph: ignore[missing-block] %%\n"})
    vault = vaultgraph.load(root)
    try:
        result = vaultgraph.check_vault(vault)
    finally:
        vault.close()
    assert [(d.line, d.code) for d in result.diagnostics] == [
        (2, "unresolved-link"), (3, "unused-suppression")]


def test_a_suppression_added_later_is_seen_by_the_kept_index(make_vault):
    root = make_vault({"A.md": "[[Gone]]\n", "B.md": "[[Also gone]]\n"})
    assert run(root).exit_code == 1
    (root / "A.md").write_text("[[Gone]] %% vaultgraph: ignore[unresolved-link] %%\n")
    again = run(root)
    assert "A.md" not in again.stdout and "B.md:1:1" in again.stdout
    (root / "B.md").write_text("%% vaultgraph: ignore %%\n[[Also gone]]\n")
    assert run(root).exit_code == 0


# -- Baseline ----------------------------------------------------------------------------
def test_baseline_reports_only_new_findings_and_survives_line_shifts(make_vault, tmp_path):
    root = make_vault({"A.md": "[[Gone]]\n[[Gone]]\n", "B.md": "# B\n[[B#Nowhere]]\n"})
    baseline = tmp_path / "baseline.json"
    written = run(root, "--write-baseline", str(baseline))
    assert written.exit_code == 0 and written.stdout == ""
    recorded = json.loads(baseline.read_text())
    assert recorded["vaultgraph-baseline"] == 1
    assert {"path": "A.md", "code": "unresolved-link", "target": "Gone", "text": "[[Gone]]",
            "count": 2} in recorded["findings"]
    assert run(root, "--baseline", str(baseline)).exit_code == 0
    (root / "A.md").write_text("new first line\n\n[[Gone]]\nmore\n[[Gone]]\n")  # shifted
    (root / "B.md").write_text("intro\n# B\n[[B#Nowhere]]\n")
    quiet = run(root, "--baseline", str(baseline))
    assert quiet.exit_code == 0 and quiet.stdout.splitlines() == ["2 notes checked: 0 errors, 0 warnings"]
    (root / "A.md").write_text("[[Gone]]\n[[Gone]]\n[[Gone]]\n[[Fresh]]\n")
    new = json.loads(run(root, "--baseline", str(baseline), "--json").stdout)["diagnostics"]
    assert [(d["line"], d["target"]) for d in new] == [(3, "Gone"), (4, "Fresh")]
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    refused = run(root, "--baseline", str(bad))
    assert refused.exit_code == 2 and "not a baseline file" in refused.stderr
    note = run(root, "--write-baseline", str(root / "Baseline.md"))
    assert note.exit_code == 2 and not (root / "Baseline.md").exists()


def test_the_baseline_can_be_named_in_the_config_file(make_vault):
    root = make_vault({"A.md": "[[Gone]]\n",
                       ".vaultgraph.toml": "[check]\nbaseline = \".vaultgraph-baseline.json\"\n"})
    assert run(root, "--write-baseline", str(root / ".vaultgraph-baseline.json")).exit_code == 0
    assert run(root).exit_code == 0
    (root / "A.md").write_text("[[Gone]]\n[[New]]\n")
    assert "[[New]]" in run(root).stdout


# -- CI ----------------------------------------------------------------------------------
def test_pre_commit_hooks_run_check():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    by_id = {hook["id"]: hook for hook in hooks}
    assert by_id["vaultgraph-check"]["entry"] == "vaultgraph check"
    assert by_id["vaultgraph-check"]["types"] == ["markdown"]
    assert by_id["vaultgraph-check-vault"]["pass_filenames"] is False
    for hook in hooks:
        assert hook["language"] == "python" and {"id", "name", "entry"} <= set(hook)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "vaultgraph-check" in readme and "--statistics" in readme and ".vaultgraph.toml" in readme
    assert "actions/cache" in DOCS and "upload-sarif" in DOCS


def test_the_hook_as_pre_commit_runs_it_for_a_vault_in_a_folder(make_vault, monkeypatch):
    # `entry` + `args: [--vault, notes]` + the changed files, from the repository's root.
    root = make_vault({"A.md": "[[Gone]]\n", "B.md": "[[Away]]\n"})
    monkeypatch.chdir(root.parent)
    hook = CliRunner().invoke(cli, ["check", "--vault", root.name, f"{root.name}/B.md"])
    assert hook.exit_code == 1
    assert lines_of(hook) == ['B.md:1:1: error[unresolved-link] [[Away]] -- no note named "Away"',
                              "1 note checked: 1 error (1 unresolved-link), 0 warnings"]


def test_the_code_help_is_the_documented_table():
    table = DOCS.split("### Diagnostic codes", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (?:error|warning) \| (.*) \|$", table, re.M))
    assert rows == HELP
