"""Claim provenance: roles, every evidence form, verdicts, cycles, opposes, dependents."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import example, given
from hypothesis import strategies as st

import vaultgraph
from vaultgraph.findings import check_vault
from vaultgraph.cli import cli
from vaultgraph.provenance import Provenance, ProvenanceConfig, Verdict

from .conftest import NOTES

SOURCE = "---\ntype: source\n---\n"
CLAIM = "---\ntype: claim\n---\n"


def evidence_of(files: dict[str, str], make_vault, claim: str = "C.md"):
    vault = vaultgraph.load(make_vault({"S.md": SOURCE, **files}))
    provenance = Provenance(vault)
    return [(e.kind, e.target, e.identifier, e.locator) for e in provenance.rests_on[claim]]


@pytest.mark.parametrize(
    "body, expected",
    [
        ("Text [[S]].\n\n## References\n- [[S]], p. 115\n",
         [("reference", "S.md", None, "p. 115")]),
        ("# Bibliography\n[[S]] (EPub p. 115)\n# Next\n[[S]]\n",
         [("reference", "S.md", None, "EPub p. 115")]),
        ("###### sources\n- [[S]]\n", [("reference", "S.md", None, None)]),
        ("source:: [[S]] pp. 3-4\n", [("field:source", "S.md", None, "pp. 3-4")]),
        ("A claim [evidence:: [[S]]].\n", [("field:evidence", "S.md", None, None)]),
        ("A claim.[^1]\n\n[^1]: [[S]], p. 9\n", [("footnote", "S.md", None, "p. 9")]),
        ("See doi:10.1038/s41380-024-02625-2.\n",
         [("doi", None, "10.1038/s41380-024-02625-2", None)]),
        ("[paper](https://doi.org/10.1000/xyz)\n", [("doi", None, "10.1000/xyz", None)]),
        ("From https://example.com/article, p. 4\n",
         [("url", None, "https://example.com/article", "p. 4")]),
        ("ISBN 978-0-307-45241-2\n", [("isbn", None, "9780307452412", None)]),
        ("As shown [see @whitaker2010, p. 115; @hyman1996].\n",
         [("pandoc", None, "whitaker2010", "p. 115"), ("pandoc", None, "hyman1996", None)]),
        ('Thompson says the data are "not what we expected".\n',
         [("quote", None, "Thompson", None)]),
        ('"It works," said Eric Jones.\n', [("quote", None, "Eric Jones", None)]),
        ('> "Brains adapt."\n> -- Steven Hyman, NIMH\n', [("quote", None, "Steven Hyman", None)]),
        ("Just a mention of [[S]] and @someone, a@b.c and `10.1000/code`.\n", []),
    ],
)
def test_evidence_forms_in_the_body(make_vault, body, expected):
    assert evidence_of({"C.md": CLAIM + body}, make_vault) == expected


@pytest.mark.parametrize(
    "front, kind",
    [("source: \"[[S]]\"", "property:source"), ("sources: [\"[[S]]\"]", "property:sources"),
     ("evidence:\n  - \"[[S]]\"", "property:evidence"), ("derived_from: \"[[S]]\"", "property:derived_from"),
     ("cites: \"[[S]]\"", "property:cites")],
)
def test_evidence_properties(make_vault, front, kind):
    files = {"C.md": f"---\ntype: claim\n{front}\n---\n"}
    assert evidence_of(files, make_vault) == [(kind, "S.md", None, None)]


def test_supports_and_opposes_are_written_in_the_evidence_note(make_vault):
    root = make_vault({
        "C.md": CLAIM, "S.md": SOURCE + "supports:: [[C]]\n",
        "E.md": "---\ntype: evidence\nopposes: \"[[C]]\"\n---\n",
    })
    provenance = Provenance(vaultgraph.load(root))
    assert [(e.kind, e.target) for e in provenance.rests_on["C.md"]] == [("supports", "S.md")]
    assert [(e.kind, e.target) for e in provenance.opposed_by["C.md"]] == [("opposes", "E.md")]
    verdict = provenance.verdict("C.md")
    assert verdict == Verdict("contested", "directly", 1, True)


def test_opposes_never_counts_as_support(make_vault):
    root = make_vault({"C.md": CLAIM, "S.md": SOURCE + "opposes:: [[C]]\n"})
    assert Provenance(vaultgraph.load(root)).verdict("C.md").sourced == "no"


@pytest.mark.parametrize(
    "front, tags, path, role",
    [
        ("type: Claim", "", "x.md", "claim"),
        ("type: topic", "#🔴", "x.md", "claim"),
        ("", "", "Sources/x.md", "source"),  # via --role Sources/=source
        ("doi: 10.1/x", "", "x.md", "source"),
        ("author: A\nyear: 2020", "", "x.md", "source"),
        ("author: A", "", "x.md", "note"),
        ("", "#q", "x.md", "question"),  # via --role '#q=question'
    ],
)
def test_roles(make_vault, front, tags, path, role):
    root = make_vault({path: f"---\n{front}\n---\n{tags}\n"})
    config = ProvenanceConfig.from_specs(["Sources/=source", "#q=question"])
    assert Provenance(vaultgraph.load(root), config).roles[path] == role


def test_bad_role_spec_is_refused():
    with pytest.raises(ValueError):
        ProvenanceConfig.from_specs(["#x=king"])


def test_indirect_sourcing_depth_and_cycles(make_vault):
    root = make_vault({
        "A.md": CLAIM + "derived_from:: [[B]]\n",
        "B.md": CLAIM + "derived_from:: [[C]]\nderived_from:: [[A]]\n",
        "C.md": CLAIM + "source:: [[S]]\n",
        "S.md": SOURCE,
        "X.md": CLAIM + "derived_from:: [[Y]]\n",
        "Y.md": CLAIM + "derived_from:: [[X]]\n",
    })
    provenance = Provenance(vaultgraph.load(root))
    assert provenance.verdict("A.md").verdict == "sourced-indirectly"
    assert provenance.verdict("A.md").depth == 3
    assert provenance.verdict("X.md").verdict == "unsourced"
    tree = provenance.tree("X.md")
    (y,) = tree.rests_on
    (x_again,) = y.rests_on
    assert x_again.node.note == "X.md" and x_again.cycle and x_again.rests_on == []
    limited = provenance.tree("A.md", depth=1)
    assert limited.rests_on[0].rests_on == []


def test_dependents_follow_chains_but_not_opposes(make_vault):
    root = make_vault({
        "S.md": "---\ntype: source\ndoi: https://doi.org/10.1000/ABC\n---\n",
        "C1.md": CLAIM + "source:: [[S]]\n",
        "C2.md": CLAIM + "derived_from:: [[C1]]\n",
        "C3.md": CLAIM + "Inline: https://doi.org/10.1000/ABC\n",
        "E.md": "---\ntype: evidence\nopposes: \"[[C1]]\"\n---\nsource:: [[S]]\n",
        "C4.md": CLAIM + "derived_from:: [[E]]\n",
        "Other.md": CLAIM + "derived_from:: [[Unrelated]]\n",
    })
    provenance = Provenance(vaultgraph.load(root))
    notes, external = provenance.find_source("doi:10.1000/abc")
    rows = provenance.dependents(notes, external)
    assert notes == ["S.md"]
    assert [(r.node.note, r.depth) for r in rows] == [
        ("C1.md", 1), ("C3.md", 1), ("C2.md", 2), ("C4.md", 2)]
    assert (rows[2].next, rows[2].chain) == ("C1.md", None)
    assert provenance.dependents(notes, external, chains=True)[2].chain == [
        "C2.md", "C1.md", "S.md"]


def test_check_reports_unsourced_claims_and_dangling_citations(make_vault):
    root = make_vault({
        "C.md": CLAIM + "## References\n- [[Never written 2020]]\n",
        "Ok.md": CLAIM + "source:: [[S]]\n", "S.md": SOURCE,
    })
    found = {(d.path, d.code, d.line) for d in check_vault(vaultgraph.load(root)).diagnostics}
    assert ("C.md", "dangling-citation", 5) in found
    assert ("C.md", "unsourced-claim", 1) in found
    assert not any(path == "Ok.md" for path, _, _ in found)


@pytest.mark.skipif(not NOTES.is_dir(), reason="sample vault missing")
def test_sample_vault_brain_adapts_claim():
    result = CliRunner().invoke(cli, ["--vault", str(NOTES), "provenance",
                                      "The brain adapts to psychotropic drugs", "--json"])
    assert result.exit_code == 0, result.output
    tree = json.loads(result.stdout)
    assert tree["verdict"] == "sourced-directly"
    (whitaker,) = [n for n in tree["rests_on"] if n["note"] and "Whitaker 2010" in n["note"]]
    assert whitaker["locator"] == "EPub p. 115" and whitaker["role"] == "source"
    assert any("Hyman and Nestler 1996" in (n["note"] or "") for n in whitaker["rests_on"])
    text = CliRunner().invoke(cli, ["--vault", str(NOTES), "provenance",
                                    "The brain adapts to psychotropic drugs"]).stdout
    assert "Whitaker 2010" in text and "EPub p. 115" in text and "Hyman and Nestler 1996" in text


@pytest.mark.skipif(not NOTES.is_dir(), reason="sample vault missing")
def test_sample_vault_dependents_of_the_page_2024_doi():
    result = CliRunner().invoke(cli, ["--vault", str(NOTES), "provenance", "--dependents",
                                      "10.1038/s41380-024-02625-2", "--json"])
    assert result.exit_code == 0
    claims = {row["title"] for row in json.loads(result.stdout)["dependents"]}
    assert "SSRIs may work by promoting neuroplasticity rather than correcting a serotonin deficit" in claims
    assert "Depression involves brain regions that fail to communicate normally" in claims
    vault = vaultgraph.load(NOTES)
    provenance = Provenance(vault)
    assert all(provenance.roles[vault.note_path(title)] == "claim" for title in claims)


def test_provenance_cli_usage_errors(make_vault):
    root = make_vault({"C.md": CLAIM})
    both = CliRunner().invoke(cli, ["--vault", str(root), "provenance", "C", "--dependents", "x"])
    assert both.exit_code == 2
    neither = CliRunner().invoke(cli, ["--vault", str(root), "provenance"])
    assert neither.exit_code == 2
    missing = CliRunner().invoke(cli, ["--vault", str(root), "provenance", "--dependents", "Nope"])
    assert missing.exit_code == 1
    bad_role = CliRunner().invoke(cli, ["--vault", str(root), "check", "--role", "x"])
    assert bad_role.exit_code == 2


def test_dependents_of_a_url(make_vault):
    root = make_vault({
        "Web.md": "---\ntype: source\nurl: https://example.org/article\n---\n",
        "C1.md": CLAIM + "source:: [[Web]]\n",
        "C2.md": CLAIM + "As reported at https://example.org/article, p. 3.\n",
        "C3.md": CLAIM + "Elsewhere: https://example.org/other\n",
    })
    result = CliRunner().invoke(cli, ["--vault", str(root), "provenance", "--dependents",
                                      "https://example.org/article", "--json"])
    data = json.loads(result.stdout)
    assert data["notes"] == ["Web.md"]
    assert [(r["note"], r["depth"]) for r in data["dependents"]] == [("C1.md", 1), ("C2.md", 1)]


EVIDENCE_BY_LINE = """---
type: claim
sources: "[[Gone P]]"
---
Body [[Gone A]] and source:: [[Gone B]] then [[Gone C]].[^1]

[^1]: [[Gone D]] in a footnote
    continued [[Gone E]]

Inline ^[see [[Gone F]]] and [[Gone G]] after.

## References
- [[Gone H]] and [[Gone I]]
- note:: [[Gone J]] [[Gone K]]

## More
[[Gone L]] [^x]
"""


def test_evidence_kinds_of_links_sharing_lines_through_check(make_vault):
    """check reads a note's evidence links line by line (provenance.evidence_kinds): links
    on one line with a field, in a footnote, an inline footnote or a reference section
    are each the evidence evidence_kind says, the others none."""
    import re

    root = make_vault({"Claim.md": EVIDENCE_BY_LINE})
    result = CliRunner().invoke(cli, ["--vault", str(root), "--no-cache", "check", "--format",
                                      "json"])
    dangling = [(d["line"], d["target"], re.search(r"\((\S+)\), which", d["message"]).group(1))
                for d in json.loads(result.output)["diagnostics"]
                if d["code"] == "dangling-citation"]
    assert dangling == [(3, "Gone P", "property:sources"), (5, "Gone B", "field:source"),
                        (5, "Gone C", "field:source"), (7, "Gone D", "footnote"),
                        (8, "Gone E", "footnote"), (10, "Gone F", "footnote"),
                        (13, "Gone H", "reference"), (13, "Gone I", "reference"),
                        (14, "Gone J", "reference"), (14, "Gone K", "reference")]


def evidence_kinds_agree(note) -> None:
    from vaultgraph.provenance import Sections, evidence_kind, evidence_kinds

    sections = Sections(note)
    assert evidence_kinds(note.links, sections) == \
        [evidence_kind(link, sections) for link in note.links], note.path


@pytest.mark.parametrize("text", [
    EVIDENCE_BY_LINE,
    "# References\n[[A]] [[B]]\n## Sub\n[[C]] x:: [[D]]\n# Other\n[[E]] [^1]\n\n[^1]: [[F]]\n",
    "[[A]] ^[[[B]]] [[C]]\n[[D]] [^n] [[E]]\n\n[^n]: x\n## Sources\n[[F]]\n",
])
def test_evidence_kinds_read_each_link_as_evidence_kind_does(text):
    from vaultgraph.parse import parse_text

    evidence_kinds_agree(parse_text("N.md", text))


@given(st.lists(st.sampled_from([
    "[[A]]", " ", "\n", "source:: ", "x:: ", "^[", "]", "[^1]", "[^1]: ", "\n\n", "## References\n",
    "# Notes\n", "### Sources\n", "    ", "[b](B.md)", "![[C]]", "related: ", "---\n"]),
    max_size=40).map("".join))
def test_evidence_kinds_agree_with_evidence_kind_on_any_text(text):
    from vaultgraph.parse import parse_text

    evidence_kinds_agree(parse_text("N.md", "---\nsources: \"[[P]]\"\n---\n" + text))


@given(st.lists(st.sampled_from([
    "References", "reference", "SOURCES", "source", "Bibliography", "Works", "cited",
    "Further", "reading", "literature", "Citations", " ", "  ", "-", "_", "&", "and", "3.",
    "📚", "#", ":", "İ", "ß", "x", "ﬁ", "\u0301", "\ufe0f", "Ref", "erences"]),
    max_size=8).map("".join))
@example('Further reading')
@example('3. Works_cited')
@example('📚 SOURCES & more')
@example('Ref-erences')
@example('further-reading')
@example('Literature and notes')
def test_reference_headings_are_found_by_their_words_alone(text):
    """is_reference_heading rejects a heading holding no reference word before reading
    its words: the same answer as reading them."""
    from vaultgraph.provenance import _names_references, is_reference_heading
    from vaultgraph.resolve import fold

    assert is_reference_heading.__wrapped__(text) == _names_references(fold(text))


_KEYS = st.sampled_from(["type", "Type", "TYPE", "categories", "Category", "bibliography",
                         "Bibliography", "doi", "URL", "author", "Year", "tags", 1, True,
                         "İsbn", "ﬁle"])
_VALUES = st.sampled_from(["claim", "[[Claims]]", "Source", "x.bib", " ", None, 3,
                           ["[[Claim]]", "y.bib"], ["note", "z.bib "]])


@given(st.dictionaries(_KEYS, _VALUES, max_size=6))
def test_front_matter_facts_read_the_same_from_folded_names(front):
    """check folds a note's property names once (folded_names) for its role, source keys
    and bibliographies: the same answers as each folding them itself, and the first
    property named bibliography (in any case) is the one read."""
    from vaultgraph.model import Note
    from vaultgraph.provenance import (declared_bibliographies, declared_role, folded_names,
                                       has_source_keys)
    from vaultgraph.resolve import fold

    note = Note("N.md", frontmatter=front)
    names = folded_names(note)
    assert declared_role(note, names) == declared_role(note)
    assert has_source_keys(note, names) == has_source_keys(note)
    first = next((value for key, value in front.items() if fold(str(key)) == "bibliography"),
                 None)
    expected = [] if first is None else [
        str(v).strip() for v in (first if isinstance(first, list) else [first])
        if isinstance(v, str) and v.strip()]
    assert declared_bibliographies(note, names) == declared_bibliographies(note) == expected


@pytest.mark.parametrize("front, role", [
    ({"Type": "claim"}, "claim"), ({"categories": ["x", "[[Sources]]"]}, "source"),
    ({"CATEGORY": "[[Evidence]]"}, "evidence"), ({"tags": "claim", 2: "claim"}, None),
    ({"type": "note", "category": "question"}, "question")])
def test_declared_role_from_any_spelling_of_its_properties(front, role):
    from vaultgraph.model import Note
    from vaultgraph.provenance import declared_role, folded_names

    note = Note("N.md", frontmatter=front)
    assert declared_role(note, folded_names(note)) == declared_role(note) == role
