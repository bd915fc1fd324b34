"""views.py: each typed record an app function returns -> its documented JSON shape
(docs/cli.md), keys in their order; the app functions return records, not dicts."""

from __future__ import annotations

import json

from click.testing import CliRunner

from vaultgraph import app, views
from vaultgraph.app import IndexFigures, PathFound, Session
from vaultgraph.cli import cli
from vaultgraph.model import LinkPlace
from vaultgraph.provenance import ClaimTree, EvidenceStep, NodeInfo, Verdict
from vaultgraph.queries import (Candidate, Explained, Explanation, Finding, Hop, SubpathTarget,
                                Wanted, WouldBeLink)

PLACE = LinkPlace("A.md", "B.md", 3, 5, "link", "see [[B]]")


def test_a_link_place_is_one_shape_for_a_hop_and_a_wanted_link():
    assert views.link_place_json(PLACE) == {"source": "A.md", "target": "B.md", "line": 3,
                                            "column": 5, "kind": "link", "context": "see [[B]]"}
    hop = views.hop_json(Hop("B.md", "A.md", "in", PLACE))
    assert list(hop) == ["from", "to", "direction", "source", "target", "line", "column",
                         "kind", "context"]
    assert (hop["from"], hop["to"], hop["direction"]) == ("B.md", "A.md", "in")
    broken = LinkPlace("A.md", None, 4, 1, "link", "[[Ghost]]")
    assert views.wanted_json(Wanted("Ghost", 1, [broken])) == {
        "name": "Ghost", "notes": 1, "links": [views.link_place_json(broken)]}


def test_no_path_is_null_hops():
    assert views.path_view(PathFound("A.md", "B.md", True, None)) == {
        "from": "A.md", "to": "B.md", "directed": True, "hops": None}
    assert views.path_view(PathFound("A.md", "B.md", False, []))["hops"] == []


def test_counter_evidence_has_no_cycle_or_rests_on_and_a_quote_only_when_there_is_one():
    source = NodeInfo("S.md", "S", "source", {"doi": "10.1/x"})
    against = EvidenceStep(NodeInfo("E.md", "E", "evidence", {}), "opposes", "E.md", 2, None)
    quoted = EvidenceStep(NodeInfo(None, "Ann", "person", {}), "quote", "C.md", 4, None,
                          quote="all of it", cycle=False, rests_on=[])
    cited = EvidenceStep(source, "property:source", "C.md", 1, "p. 3", cycle=False, rests_on=[])
    tree = ClaimTree(NodeInfo("C.md", "C", "claim", {}), Verdict("contested", "directly", 1, True),
                     [against], [cited, quoted])
    data = views.provenance_view(tree)
    assert list(data) == ["note", "title", "role", "identifiers", "verdict", "sourced", "depth",
                          "contested", "opposed_by", "rests_on"]
    assert data["opposed_by"] == [{"note": "E.md", "title": "E", "role": "evidence",
                                   "identifiers": {}, "via": "opposes", "written_in": "E.md",
                                   "line": 2, "locator": None}]
    assert data["rests_on"][0] == {
        "note": "S.md", "title": "S", "role": "source", "identifiers": {"doi": "10.1/x"},
        "via": "property:source", "written_in": "C.md", "line": 1, "locator": "p. 3",
        "cycle": False, "rests_on": []}
    assert list(data["rests_on"][1])[-3:] == ["quote", "cycle", "rests_on"]


def test_explained_keys_only_when_they_apply():
    item = Explained("A.md", None, None, "link", "[[B#^x]]", "B", "^x", "exact", "B.md",
                     [Candidate("B.md", 4, True)], [], [], excluded=True,
                     block=SubpathTarget("x", None, ["y"]))
    data = views.explained_json(item)
    assert list(data)[-2:] == ["excluded", "block"]
    assert data["block"] == {"id": "x", "line": None, "available": ["y"]}
    assert data["candidates"] == [{"path": "B.md", "length": 4, "same_folder": True}]
    plain = views.explained_json(Explained(
        "A.md", 2, 1, "link", "[[C]]", "C", None, "unresolved", None, [],
        ["no note named \"C\""], [Finding("unresolved-link", "error", "no C", ["B"])]))
    assert "excluded" not in plain and "block" not in plain and "heading" not in plain
    assert plain["findings"] == [{"code": "unresolved-link", "severity": "error",
                                  "message": "no C", "suggestions": ["B"]}]
    cut = WouldBeLink(None, None, "cut-link", "warning", "cut by |")
    assert views.explain_view(Explanation([], [cut])) == {"links": [], "would_be_links": [
        {"line": None, "column": None, "code": "cut-link", "severity": "warning",
         "message": "cut by |"}]}


def test_index_figures_keep_docs_cli_md_order():
    figures = IndexFigures(3, 1, 5, 2, 1, 0, False, True, "/cache/x/index.sqlite")
    assert views.index_view(figures) == {"notes": 3, "canvases": 1, "files": 5, "parsed": 2,
                                         "reused": 1, "removed": 0, "rebuilt": False,
                                         "written": True, "location": "/cache/x/index.sqlite"}


def test_app_functions_return_records_and_the_cli_prints_their_view(make_vault):
    root = make_vault({"A.md": "[[B]] [[Ghost]]\n", "B.md": "[[A]] A here\n"})
    session = Session(str(root), ".obsidian", None, use_cache=False)
    found = app.shortest_path(session, "A", "B", False, False)
    assert isinstance(found, PathFound) and isinstance(found.hops[0], Hop)
    wanted = app.wanted(session, False)
    assert [type(row) for row in wanted] == [Wanted]
    for args, view in [(["path", "A", "B"], views.path_view(found)),
                       (["wanted"], views.wanted_view(wanted)),
                       (["mentions", "A"], views.mentions_view(app.mentions(session, "A", False))),
                       (["stats"], views.stats_view(app.stats(session, False)))]:
        result = CliRunner().invoke(cli, ["--vault", str(root), "--no-cache", *args, "--json"])
        assert json.loads(result.stdout) == view, args
