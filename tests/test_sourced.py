"""One rule says whether a claim is sourced (provenance.evidence_link for which end of an
evidence link rests on which, provenance.source_depths for what reaches a source):
`provenance CLAIM` and `check`'s unsourced-claim -- over the loaded vault, over the index as
it first checks and from the findings it keeps -- agree for every evidence form."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from vaultgraph.cli import cli

CLAIM = "---\ntype: claim\n{front}---\n# C\n{body}\n"
SOURCE = "---\ntype: source\n---\n# S\n"


def claim(body: str = "", front: str = "") -> str:
    return CLAIM.format(front=front, body=body)


# (case, the vault's files besides C.md's, C.md, verdict, sourced, depth)
CASES = [
    ("plain link is no evidence", {"S.md": SOURCE}, claim("See [[S]] in passing."),
     "unsourced", "no", None),
    ("references section", {"S.md": SOURCE}, claim("Text.\n## References\n- [[S]]"),
     "sourced-directly", "directly", 1),
    ("sources property", {"S.md": SOURCE}, claim(front='sources: "[[S]]"\n'),
     "sourced-directly", "directly", 1),
    ("cites property", {"S.md": SOURCE}, claim(front='cites: ["[[S]]"]\n'),
     "sourced-directly", "directly", 1),
    ("source field", {"S.md": SOURCE}, claim("source:: [[S]]"),
     "sourced-directly", "directly", 1),
    ("footnote", {"S.md": SOURCE}, claim("Text.[^1]\n\n[^1]: [[S]], p. 3"),
     "sourced-directly", "directly", 1),
    ("DOI in text", {}, claim("As shown (doi:10.1038/nature12345)."),
     "sourced-directly", "directly", 1),
    ("URL in text", {}, claim("As shown at https://example.org/paper."),
     "sourced-directly", "directly", 1),
    # a quote is evidence only when its paragraph cites something too (issue 18)
    ("bare quote with attribution", {}, claim('Feynman said "nature cannot be fooled".'),
     "unsourced", "no", None),
    ("quote with attribution and a citation", {},
     claim('Feynman said "nature cannot be fooled" (https://example.org/talk).'),
     "sourced-directly", "directly", 1),
    ("source by front matter keys", {"S.md": "---\ndoi: 10.1/x\n---\n"},
     claim("## Sources\n- [[S]]"), "sourced-directly", "directly", 1),
    ("reference to no note", {}, claim("## References\n- [[Missing]]"),
     "unsourced", "no", None),
    ("supports evidence note",
     {"E.md": '---\nsupports: "[[C]]"\n---\nSee doi:10.1038/nature12345.\n'},
     claim(), "sourced-indirectly", "indirectly", 2),
    ("supports field", {"E.md": "supports:: [[C]]\n\nSee doi:10.1038/nature12345.\n"},
     claim(), "sourced-indirectly", "indirectly", 2),
    ("supports from a source", {"S.md": '---\ntype: source\nsupports: "[[C]]"\n---\n'},
     claim(), "sourced-directly", "directly", 1),
    ("opposes evidence note",
     {"E.md": '---\nopposes: "[[C]]"\n---\nSee doi:10.1038/nature12345.\n'},
     claim(), "contested", "no", None),
    ("chain through a claim",
     {"C2.md": claim(front='sources: "[[S]]"\n'), "S.md": SOURCE},
     claim(front='sources: "[[C2]]"\n'), "sourced-indirectly", "indirectly", 2),
    ("cycle", {"C2.md": claim(front='sources: "[[C]]"\n')},
     claim(front='sources: "[[C2]]"\n'), "unsourced", "no", None),
    ("cycle with a way out",
     {"C2.md": claim(front='sources: ["[[C]]", "[[C3]]"]\n'),
      "C3.md": claim("doi:10.1038/nature12345")},
     claim(front='sources: "[[C2]]"\n'), "sourced-indirectly", "indirectly", 3),
    ("self reference", {}, claim("## References\n- [[C]]"), "unsourced", "no", None),
]


def _run(root, *args):
    result = CliRunner().invoke(cli, ["--vault", str(root), *args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


@pytest.mark.parametrize("case, files, text, verdict, sourced, depth", CASES,
                         ids=[c[0] for c in CASES])
def test_provenance_and_check_agree(make_vault, tmp_path, case, files, text, verdict,
                                    sourced, depth):
    root = make_vault({"C.md": text, **files})
    tree = _run(root, "--no-cache", "provenance", "C", "--json")
    assert (tree["verdict"], tree["sourced"], tree["depth"]) == (verdict, sourced, depth)
    cache = ["--cache-dir", str(tmp_path / "cache")]
    for way in (["--no-cache"], cache, cache):  # loaded, indexed, kept
        rows = _run(root, *way, "check", "--format", "json")["diagnostics"]
        flagged = {r["path"] for r in rows if r["code"] == "unsourced-claim"}
        assert ("C.md" in flagged) == (sourced == "no"), (way, rows)


def test_only_a_citation_to_nothing_dangles(make_vault):
    """A reference to no note is a dangling citation; a supports or opposes link to no
    note attaches to nothing and is not (provenance.is_dangling, by evidence_link)."""
    root = make_vault({"C.md": claim("## References\n- [[Missing]]"),
                       "E.md": 'supports:: [[Nothing]]\nopposes:: [[None either]]\n'})
    rows = _run(root, "--no-cache", "check", "--format", "json")["diagnostics"]
    assert {(r["path"], r["code"]) for r in rows if r["code"] != "unresolved-link"} == {
        ("C.md", "dangling-citation"), ("C.md", "unsourced-claim")}
