"""Rules a review found no test pinned (issue 15, "Behaviour that must not change"): each
mutation of them passed the whole suite.  Each rule is pinned at its unit and end to end
through the CLI, with the index (cache) and without it (``--no-cache``):

- an exact vault path tries ``path.md`` before ``path`` (as do the name rules);
- an evidence note that ``supports`` a claim makes the claim sourced in ``check`` -- over the
  loaded vault and over the index's kept findings -- as in ``provenance``;
- a heading chain ``[[N#A#B]]`` needs B strictly deeper than A (and later);
- among files differing only by case, none spelled as the link is: which one each rule chooses;
- the tie order of did-you-mean suggestions (best score first, then folded name order).
"""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

import vaultgraph
from vaultgraph.findings import check_vault
from vaultgraph.suggest import FEW_QUERIES, Suggester
from vaultgraph.cli import cli
from vaultgraph.index import SuggestionStore, index_file
from vaultgraph.model import Heading
from vaultgraph.provenance import Provenance
from vaultgraph.resolve import Resolver, find_heading
from vaultgraph.suggest import FEW_QUERIES, Suggester

CACHE = [pytest.param(False, id="no-cache"), pytest.param(True, id="cache")]


def run(root, *args, cache: bool, code: int | None = 0):
    """The CLI's JSON answer to ``args`` (run twice with the cache: the run that builds or
    updates the index and the one that reads it must agree)."""
    where = [] if cache else ["--no-cache"]
    outputs = []
    for _ in range(2 if cache else 1):
        result = CliRunner().invoke(cli, ["--vault", str(root), *where, *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            result.output
        if code is not None:
            assert result.exit_code == code, result.output
        outputs.append(result.stdout)
    assert all(output == outputs[0] for output in outputs)
    return json.loads(outputs[0])


def findings(root, cache: bool, *options) -> list[tuple]:
    answer = run(root, "check", "--format", "json", *options, cache=cache, code=None)
    return [(d["path"], d["line"], d["code"], d["target"], d["suggestions"])
            for d in answer["diagnostics"]]


def targets(root, note: str, cache: bool) -> dict[str, str | None]:
    """The note's links, raw text -> target, as `links --json` answers (by SQL from the
    index with the cache)."""
    return {link["raw"]: link["target"] for link in run(root, "links", note, "--json",
                                                         cache=cache)["outgoing"]}


def explained(root, where: str, cache: bool, code: int = 0) -> list[dict]:
    return run(root, "explain", where, "--json", cache=cache, code=code)["links"]


def resolve_both_orders(files: list[str], linkpath: str, source: str):
    """The resolution, which must not depend on the order the files were listed in."""
    forward = Resolver(files).resolve(linkpath, source)
    assert Resolver(list(reversed(files))).resolve(linkpath, source) == forward
    return forward


# -- (a) path.md before path ---------------------------------------------------------------
# Catches: `_exact` trying (key, key + ".md"); `_suffix_matches` trying the bare name first;
# `_exact` not falling back to the name as written.
MD_FIRST_FILES = ["data.csv", "data.csv.md", "Maps/plan.pdf", "Maps/plan.pdf.md",
                  "scans/scan.png", "deep/er/scan.png.md", "report.pdf", "Sub/src.md"]


@pytest.mark.parametrize("linkpath, source, target, rule", [
    ("data.csv", "src.md", "data.csv.md", "exact"),
    ("Maps/plan.pdf", "src.md", "Maps/plan.pdf.md", "exact"),
    ("/Maps/plan.pdf", "Sub/src.md", "Maps/plan.pdf.md", "exact"),
    ("../data.csv", "Sub/src.md", "data.csv.md", "relative"),
    ("report.pdf", "src.md", "report.pdf", "exact"),  # no .md form: the name as written
    # the name rules too: the .md form, even on a longer path, before any file without it
    ("plan.pdf", "src.md", "Maps/plan.pdf.md", "shortest"),
    ("scan.png", "src.md", "deep/er/scan.png.md", "shortest"),
])
def test_the_md_form_of_a_path_is_tried_first(linkpath, source, target, rule):
    result = resolve_both_orders(MD_FIRST_FILES, linkpath, source)
    assert (result.target, result.rule) == (target, rule)


@pytest.mark.parametrize("cache", CACHE)
def test_the_md_form_is_tried_first_end_to_end(make_vault, cache):
    root = make_vault({
        "data.csv": "a,b\n", "data.csv.md": "About the data.\n",
        "Maps/plan.pdf": b"%PDF-1.4", "Maps/plan.pdf.md": "About the plan.\n",
        "report.pdf": b"%PDF-1.4",
        "Sub/src.md": "[[data.csv]] ![[Maps/plan.pdf]] [[../data.csv]]\n[[report.pdf]]\n",
    })
    assert targets(root, "Sub/src", cache) == {
        "data.csv": "data.csv.md", "Maps/plan.pdf": "Maps/plan.pdf.md",
        "../data.csv": "data.csv.md", "report.pdf": "report.pdf"}
    first = explained(root, "Sub/src:1", cache)
    assert [(item["target"], item["rule"]) for item in first] == [
        ("data.csv.md", "exact"), ("Maps/plan.pdf.md", "exact"), ("data.csv.md", "relative")]
    assert findings(root, cache) == []


# -- (b) supports makes the claim sourced, in check as in provenance -------------------------
# Catches: `holder_and_target` not turning a `supports` link around (check, both paths);
# `Provenance._add_link` filing the evidence under the evidence note (provenance);
# findings._unsourced leaving out the evidence links kept in the index (cache, run 3).
SOURCE = "---\ntype: source\n---\n"
CLAIM = "---\ntype: claim\n---\n"
EVIDENCE = "---\ntype: evidence\n---\n"


def unsourced(root, cache: bool) -> list[str]:
    return [path for path, _, code, _, _ in findings(root, cache) if code == "unsourced-claim"]


def verdicts(root) -> dict[str, str]:
    provenance = Provenance(vaultgraph.load(root))
    return {path: provenance.verdict(path).verdict
            for path, role in provenance.roles.items() if role == "claim"}


@pytest.mark.parametrize("cache", CACHE)
def test_supports_makes_the_claim_sourced_in_check_as_in_provenance(make_vault, tmp_path,
                                                                     cache):
    root = make_vault({
        "Direct.md": CLAIM + "Claimed.\n",
        "Through.md": CLAIM + "Claimed.\n",
        "Bare.md": CLAIM + "Claimed, but only mentioned by [[Paper]].\n",
        "Paper.md": SOURCE + "supports:: [[Direct]]\n",
        "Finding.md": '---\ntype: evidence\nsupports: "[[Through]]"\nsources: "[[Paper]]"\n---\n',
        "Weak.md": EVIDENCE + "supports:: [[Bare]]\n",  # evidence resting on nothing
    })
    assert verdicts(root) == {"Direct.md": "sourced-directly",
                              "Through.md": "sourced-indirectly", "Bare.md": "unsourced"}
    expected = [path for path, verdict in verdicts(root).items() if verdict == "unsourced"]
    assert unsourced(root, cache) == expected == ["Bare.md"]
    loaded = check_vault(vaultgraph.load(root, cache=cache, cache_dir=tmp_path / "cache"))
    assert [d.path for d in loaded.diagnostics if d.code == "unsourced-claim"] == ["Bare.md"]
    answer = run(root, "provenance", "Direct", "--json", cache=cache)
    assert (answer["verdict"], [(e["note"], e["via"]) for e in answer["rests_on"]]) == \
        ("sourced-directly", [("Paper.md", "supports")])


def test_supports_added_and_kept_in_the_index(make_vault):
    """The index's path: a `supports` link in a note checked in this run (run 2), then
    kept in the index while another note is checked again (run 3), then removed."""
    root = make_vault({"Claim.md": CLAIM + "Claimed.\n", "Paper.md": SOURCE + "A paper.\n",
                       "Other.md": "x\n"})
    tick = 1_000_000_000_000_000_000

    def write(path: str, text: str) -> None:
        nonlocal tick
        tick += 10_000_000_000
        (root / path).write_text(text, encoding="utf-8")
        os.utime(root / path, ns=(tick, tick))

    for path in ("Claim.md", "Paper.md", "Other.md"):
        write(path, (root / path).read_text(encoding="utf-8"))
    assert unsourced(root, cache=True) == unsourced(root, cache=False) == ["Claim.md"]
    write("Paper.md", SOURCE + "supports:: [[Claim]]\n")
    assert unsourced(root, cache=True) == unsourced(root, cache=False) == []
    write("Other.md", "y\n")
    assert unsourced(root, cache=True) == []
    write("Paper.md", SOURCE + "A paper.\n")
    assert unsourced(root, cache=True) == unsourced(root, cache=False) == ["Claim.md"]


# -- (c) a heading chain walks strictly deeper headings ----------------------------------------
# Catches: `heading.level > level` in find_heading made `>=` (same level) or dropped
# (shallower), and the search not starting after the last match.
@pytest.mark.parametrize("outline, parts, line", [
    ("# A|## B", "A#B", 2),
    ("# A|### B", "A#B", 2),  # deeper by more than one level
    ("# A|## X|## B", "A#B", 3),  # a sibling between them does not matter
    ("## A|## B|### B", "A#B", 3),  # the B at A's level is skipped for the deeper one
    ("# A|## B|### C", "A#B#C", 3),
    ("# A|# B", "A#B", None),  # the same level
    ("## A|# B", "A#B", None),  # shallower
    ("# A|## B|## C", "A#B#C", None),  # C at B's level
    ("## B|# A", "A#B", None),  # B before A
])
def test_a_heading_chain_needs_each_part_strictly_deeper(outline, parts, line):
    headings = [Heading(text.split(" ", 1)[1], text.count("#"), number)
                for number, text in enumerate(outline.split("|"), 1)]
    found = find_heading(headings, parts.split("#"))
    assert (found.line if found else None) == line


@pytest.mark.parametrize("cache", CACHE)
def test_a_heading_chain_in_check_and_explain(make_vault, cache):
    root = make_vault({
        "N.md": "# Top\n## Child\n# Sibling\n## Top\n",
        "src.md": "[[N#Top#Child]]\n[[N#Top#Sibling]]\n[[N#Child#Top]]\n[[N#Child#Sibling]]\n",
    })
    assert [(line, code, target) for _, line, code, target, _ in findings(root, cache)] == [
        (2, "missing-heading", "N#Top#Sibling"),  # the same level
        (3, "missing-heading", "N#Child#Top"),  # "## Top" is at Child's level
        (4, "missing-heading", "N#Child#Sibling"),  # shallower
    ]
    (good,) = explained(root, "src:1", cache)
    assert (good["heading"]["line"], good["problems"]) == (2, [])
    for line, parts in ((2, "Top#Sibling"), (3, "Child#Top"), (4, "Child#Sibling")):
        (bad,) = explained(root, f"src:{line}", cache, code=1)
        assert bad["heading"]["line"] is None
        (problem,) = bad["problems"]  # check's message, did-you-mean included (broken.py)
        assert problem.startswith(f'"N" has no heading "{parts}" at deeper levels in this order')


# -- (d) files differing only by case, none spelled as the link ------------------------------
# Catches: `_exact`'s `min(found)` made `found[0]` (file order) or `max(found)`; the same
# folder's `local[0]` made `local[-1]`; the shortest rule's `best[0]` made `best[-1]` or
# taken before sorting.  The rule: the first in code point order (upper case first).
CASE_FILES = ["Note.md", "note.md", "Dir/File.md", "dir/file.md", "n/Case.md", "n/case.md",
              "x/ONLY.md", "deep/er/only.md", "y/Twin.md", "Y/twin.md"]


@pytest.mark.parametrize("linkpath, source, target, rule", [
    ("NOTE", "src.md", "Note.md", "exact"),
    ("nOTE", "n/src.md", "Note.md", "exact"),
    ("DIR/FILE", "src.md", "Dir/File.md", "exact"),
    ("dir/File", "src.md", "Dir/File.md", "exact"),
    ("CASE", "n/src.md", "n/Case.md", "same-folder"),
    ("cASE", "n/deeper/src.md", "n/Case.md", "tie"),  # parent folders count for nothing
    ("CASE", "src.md", "n/Case.md", "tie"),  # the same length: a tie, reported as ambiguous
    ("TWIN", "src.md", "Y/twin.md", "tie"),
    ("Only", "src.md", "x/ONLY.md", "shortest"),  # shortest, whatever its case
])
def test_case_variants_none_spelled_as_written(linkpath, source, target, rule):
    result = resolve_both_orders(CASE_FILES, linkpath, source)
    assert (result.target, result.rule, result.spelled) == (target, rule, None)


@pytest.mark.parametrize("cache", CACHE)
def test_case_variants_none_spelled_as_written_end_to_end(make_vault, cache):
    root = make_vault({**{path: "x\n" for path in CASE_FILES[:6]},
                       "n/src.md": "[[NOTE]] [[DIR/FILE]] [[CASE]]\n",
                       "src.md": "[[CASE]]\n"})
    assert targets(root, "n/src", cache) == {
        "NOTE": "Note.md", "DIR/FILE": "Dir/File.md", "CASE": "n/Case.md"}
    assert [(item["target"], item["rule"]) for item in explained(root, "n/src:1", cache)] == [
        ("Note.md", "exact"), ("Dir/File.md", "exact"), ("n/Case.md", "same-folder")]
    assert targets(root, "src", cache) == {"CASE": "n/Case.md"}
    links = [(path, code) for path, _, code, _, _ in findings(root, cache)
             if code != "duplicate-name"]  # the case variants' own warnings
    assert links == [("src.md", "ambiguous-link")]
    (ambiguous,) = run(root, "check", "--format", "json", "--select", "ambiguous-link",
                       cache=cache)["diagnostics"]
    assert 'vaultgraph uses "n/Case.md" (also "n/case.md")' in ambiguous["message"]


# -- (e) the tie order of did-you-mean ---------------------------------------------------------
# Catches: the sort key `(-score, name)` in Suggester.scores (one query at a time, and by
# cdist) and in SuggestionStore's merge of new names made `-score` alone (the names' own
# order), `(-score, written name)` or `name` alone.  Names are listed in an order unlike
# the answer's: reversed, written with upper case where the folded order differs.
NAMES = {"neuronz": "Neuronz", "aneurons": "Aneurons", "neurony": "neuronY",
         "neuronx": "Neuronx", "far": "Far"}
EXPECTED = [(92, "neuronx"), (92, "neurony"), (92, "neuronz")]


def test_suggestions_best_score_first_then_folded_name():
    assert Suggester(NAMES)("Neuron") == ["Neuronx", "neuronY", "Neuronz"]
    assert Suggester(NAMES)("Neuron", limit=4) == ["Neuronx", "neuronY", "Neuronz", "Aneurons"]
    keys = list(NAMES)
    few = Suggester.scores(["neuron"], keys, 3)
    many = Suggester.scores(["neuron", *(f"query {n}" for n in range(FEW_QUERIES))], keys, 3)
    assert few["neuron"] == many["neuron"] == EXPECTED  # one by one, and by cdist


def test_stored_suggestions_merge_new_names_in_the_same_order(tmp_path):
    root = tmp_path / "vault"
    root.mkdir()
    vaultgraph.load(root, cache=True, cache_dir=tmp_path)  # creates the index
    store = SuggestionStore(index_file(root, tmp_path))
    first = store.answers(["neuron"], lambda: ["neuronz", "aneurons"], 3, Suggester.scores)
    assert first == {"neuron": [(92, "neuronz"), (86, "aneurons")]}
    grown = store.answers(["neuron"], lambda: ["neuronz", "aneurons", "neuronx"], 3,
                          Suggester.scores)
    assert grown == {"neuron": [(92, "neuronx"), (92, "neuronz"), (86, "aneurons")]}


@pytest.mark.parametrize("cache", CACHE)
def test_suggestion_tie_order_end_to_end(make_vault, cache):
    # Path order (a/, b/, ...) is unlike the folded name order of the answer.
    root = make_vault({"a/Neuronz.md": "x\n", "b/Aneurons.md": "x\n", "c/neuronY.md": "x\n",
                       "N.md": "# Axonz\n# Axony\n",
                       "src.md": "[[Neuron]] [[N#Axon]]\n"})
    expected = [("src.md", 1, "unresolved-link", "Neuron", ["neuronY", "Neuronz", "Aneurons"]),
                ("src.md", 1, "missing-heading", "N#Axon", ["Axony", "Axonz"])]
    assert findings(root, cache) == expected
    (root / "d").mkdir()
    (root / "d" / "Neuronx.md").write_text("x\n", encoding="utf-8")  # a new name: merged
    expected[0] = ("src.md", 1, "unresolved-link", "Neuron", ["Neuronx", "neuronY", "Neuronz"])
    assert findings(root, cache) == expected
