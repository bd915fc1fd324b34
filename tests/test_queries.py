"""Graph queries on a fixture whose answers are known by construction, and on notes/."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import vaultgraph
from vaultgraph import queries
from vaultgraph.cli import cli

from .conftest import NOTES

FILES = {
    "Hub.md": "---\ntags: [t/a]\n---\n# Hub\nLinks [[Amygdala]] [[B]] [[C]] and [[Ghost]] [[Ghost]].\n",
    "Amygdala.md": "---\naliases: [Alpha note]\ntags: [t/a]\n---\nBack to [[Hub]]. See [[B]].\n",
    "B.md": "Only a link to [[Hub#Hub]] and [[Ghost]].\n",
    "C.md": "# C\nIt talks about alpha note and the amygdala. `Alpha note` in code.\n"
            "A [[Amygdala|link]] is not a mention, [Alpha note](Amygdala.md) neither.\n",
    "D.md": "---\ntags: [t/a]\n---\nLinks [[B]] only. Mentions Alpha Note twice: alpha note!\n",
    "Lonely.md": "Nothing here, only [[Lonely]] itself and [[Nowhere]] and ![[pic.png]].\n",
    "pic.png": b"\x89PNG",
    "Templates/T.md": "[[Ghost]] [[Lonely]]",
    "Island1.md": "[[Island2]]", "Island2.md": "",
    "x/Tie.md": "", "y/Tie.md": "", "Weird #1.md": "",
    "Links.md": "[[Tie]] [[Weird #1]] [[Alpha note]] [[Hub#Nope]] [[Amygdala#^gone]] [[./Sub/C]]\n",
}


@pytest.fixture
def vault(make_vault):
    return vaultgraph.load(make_vault(FILES, obsidian={"userIgnoreFilters": ["Templates/"]}))


def test_mentions_read_text_through_escapes_and_entities(make_vault):
    lines = ["Say Alpha&#32;note, alpha\\_note, AT&amp;T and alpha note.",
             "[alpha note](x) `alpha note` Alpha&nbsp;note &amp; *alpha note*"]
    root = make_vault({"Alpha note.md": "", "E.md": "\n".join(lines) + "\n", "F.md": "none\n"})
    found = [(r.line, r.column, r.text, r.context)
             for r in queries.mentions(vaultgraph.load(root), "Alpha note.md")]
    assert found == [
        (1, lines[0].index("Alpha&") + 1, "Alpha note", lines[0]),  # &#32; is a space
        (1, lines[0].index("alpha note") + 1, "alpha note", lines[0]),  # after an entity
        (2, lines[1].index("*alpha") + 2, "alpha note", lines[1]),  # not in the link or code
    ]


def test_orphans_and_deadends(vault, tmp_path):
    ends = vault.link_ends()
    assert queries.orphans(ends) == ["Lonely.md", "Weird #1.md", "y/Tie.md"]
    assert queries.deadends(ends) == ["Island2.md", "Lonely.md", "Weird #1.md", "x/Tie.md",
                                      "y/Tie.md"]
    # Excluded notes count once they are included: the template links to Lonely.
    assert "Lonely.md" not in queries.orphans(vault.link_ends(include_excluded=True))


def test_wanted_ranks_by_linking_notes(vault, tmp_path):
    rows = queries.wanted(vault.broken_links())
    assert (rows[0].name, rows[0].notes, len(rows[0].links)) == ("Ghost", 2, 3)
    names = [r.name for r in rows]
    assert "Alpha note" in names and "Nowhere" in names
    assert "pic.png" not in names  # attachments are not wanted notes


def test_neighbors_by_depth_and_direction(vault):
    out1 = queries.neighbors(vault, "B.md", 1, "out")
    assert [(r.note, r.distance) for r in out1] == [("Hub.md", 1)]
    both2 = {r.note: r for r in queries.neighbors(vault, "B.md", 2, "both")}
    assert both2["Hub.md"].direction == "both" and both2["Hub.md"].distance == 1
    assert both2["D.md"].direction == "in"
    assert both2["C.md"].distance == 2 and both2["C.md"].via == "Amygdala.md"
    assert "Island1.md" not in both2
    assert [r.note for r in queries.neighbors(vault, "Island2.md", 1, "out")] == []


def test_shortest_path_shows_each_hop(vault):
    hops = queries.shortest_path(vault, "C.md", "D.md")
    assert len(hops) == 3 and hops[0].start == "C.md" and hops[-1].end == "D.md"
    for h in hops:  # every hop names the line that makes it
        assert h.link.source in (h.start, h.end) and "[[" in h.link.context
    assert hops[-1].direction == "in"  # D links to B, not the other way
    assert queries.shortest_path(vault, "C.md", "D.md", directed=True) is None
    assert queries.shortest_path(vault, "Island1.md", "Hub.md") is None


def test_hubs_rank_by_pagerank_with_degrees(vault):
    rows = queries.hubs(vault, top=20)
    by_note = {r.note: r for r in rows}
    assert by_note["Hub.md"].in_degree == 3  # Amygdala, B, Links; no self or excluded links
    assert by_note["Island2.md"].in_degree == 1
    ranks = [r.pagerank for r in rows]
    assert ranks == sorted(ranks, reverse=True)
    assert by_note["y/Tie.md"].pagerank == min(ranks)
    assert len(queries.hubs(vault, top=2)) == 2


def test_related_explains_shared_links_and_tags(vault):
    rows = queries.related(vault, "Amygdala.md")
    assert rows[0].note == "D.md"
    assert rows[0].shared == {"links-to": ["B.md"], "tag": ["t/a"]}
    assert rows[0].score == pytest.approx(2 / 6, abs=1e-4)
    assert all(r.note not in ("Hub.md", "B.md", "C.md") for r in rows)  # already linked


def test_mentions_find_name_and_aliases_outside_code_and_links(vault):
    found = [(r.source, r.line, r.column, r.text)
             for r in queries.mentions(vault, "Amygdala.md")]
    c_line = FILES["C.md"].split("\n")[1]
    d_line = FILES["D.md"].split("\n")[3]
    assert found == [
        ("C.md", 2, c_line.index("alpha note") + 1, "alpha note"),
        ("C.md", 2, c_line.index("amygdala") + 1, "amygdala"),
        ("D.md", 4, d_line.index("Alpha Note") + 1, "Alpha Note"),
        ("D.md", 4, d_line.index("alpha note") + 1, "alpha note"),
    ]


def test_stats(vault):
    data = queries.stats(vault)
    assert (data.notes, data.excluded, data.attachments) == (12, 1, 1)
    assert data.orphans == 3 and data.tags == 1
    assert data.links_by_kind == {"embed": 1, "link": 20, "markdown": 1}
    assert data.components == 5  # main cluster, the islands, Lonely, y/Tie, Weird #1
    assert data.diagnostics["unresolved-link"] == 7  # Ghost x3, Nowhere, 3 in Links


@pytest.mark.parametrize(
    "index, rule, problem",
    [
        (0, "tie", "picks one unpredictably"),
        (1, "unresolved", 'contains "#"'),
        (2, "unresolved", "alias"),
        (3, "exact", 'no heading "Nope"'),
        (4, "exact", "no block ^gone"),
        (5, "unresolved", "relative"),
    ],
)
def test_explain_says_which_rule_and_why(vault, index, rule, problem):
    item = queries.explain(vault, vault.outgoing("Links.md")[index])
    assert item.rule == rule
    assert any(problem in p for p in item.problems), item.problems


def test_explain_cli_forms(make_vault):
    root = make_vault(FILES)
    by_line = CliRunner().invoke(cli, ["--vault", str(root), "explain", "Links:1", "--json"])
    assert by_line.exit_code == 1  # some links there are broken
    assert len(json.loads(by_line.stdout)["links"]) == 6
    typed = CliRunner().invoke(cli, ["--vault", str(root), "explain", "Hub#Hub", "--from", "B"])
    assert typed.exit_code == 0 and "found on line 4" in typed.stdout


@pytest.mark.parametrize("args", [
    ["orphans"], ["deadends"], ["wanted"], ["neighbors", "Hub", "--depth", "2"],
    ["path", "C", "D"], ["hubs", "--top", "2"], ["related", "Amygdala"], ["mentions", "Amygdala"], ["stats"],
])
def test_every_query_command_has_json_and_text(make_vault, args):
    root = make_vault(FILES)
    as_json = CliRunner().invoke(cli, ["--vault", str(root), *args, "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)
    text = CliRunner().invoke(cli, ["--vault", str(root), *args])
    assert text.exit_code == 0 and text.stdout.strip()


@pytest.mark.skipif(not NOTES.is_dir(), reason="sample vault missing")
def test_queries_on_the_sample_vault():
    vault = vaultgraph.load(NOTES)
    assert queries.orphans(vault.link_ends()) == []
    assert [r.name for r in queries.wanted(vault.broken_links())][0] == "PTSD"
    assert queries.hubs(vault, 1)[0].note == "Concepts/Neurotransmitter.md"
    hops = queries.shortest_path(vault, vault.note_path("CBT"), vault.note_path("Ketamine"))
    assert len(hops) == 2


def test_stats_text_keeps_its_counts_in_one_column_with_long_property_names(make_vault):
    name = "link-in-frontmatter-to-heading"
    root = make_vault({"A.md": f'---\n{name}: "[[B]]"\n---\n[[B]]\n', "B.md": "b\n"})
    result = CliRunner().invoke(cli, ["--vault", str(root), "--no-cache", "stats"])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.split()[-1].isdigit()]
    assert f"property:{name}" in result.output
    assert len({len(line) for line in rows}) == 1, result.output  # right-aligned together
