"""Typed records between the layers: a link's kind with its property name, a note's role
and an evidence kind are enums read from the documented text, one way each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import vaultgraph
from vaultgraph.model import LinkKind, property_kind, split_kind
from vaultgraph.provenance import (EvidenceKind, Provenance, ProvenanceConfig, Role, role_of,
                                   split_evidence)

SRC = Path(__file__).resolve().parent.parent / "src" / "vaultgraph"

NOTE = ("---\nrelated: \"[[Target]]\"\nsources:\n  - \"![[Target#Part]]\"\n---\n"
        "Text [[Target]], ![[Target]] and [t](Target.md).\n")
CANVAS = '{"nodes": [{"id": "n1", "type": "file", "file": "Target.md"}]}'


@pytest.mark.parametrize("cache", [False, True], ids=["parsed", "from-the-index"])
def test_a_links_kind_and_property_name_from_a_real_note(make_vault, tmp_path, cache):
    root = make_vault({"Note.md": NOTE, "Target.md": "# Part\n", "Board.canvas": CANVAS})
    vault = vaultgraph.load(root, cache=cache, cache_dir=tmp_path / "cache")
    if cache:  # a second load reads the notes back from the index
        vault = vaultgraph.load(root, cache=True, cache_dir=tmp_path / "cache")
    links = [(link.kind, link.link_kind, link.property_name) for link in vault.notes["Note.md"].links]
    assert links == [
        ("property:related", LinkKind.PROPERTY, "related"),
        ("property:sources", LinkKind.PROPERTY, "sources"),
        ("link", LinkKind.LINK, None), ("embed", LinkKind.EMBED, None),
        ("markdown", LinkKind.MARKDOWN, None),
    ]
    assert all(type(kind) is LinkKind for _, kind, _ in links)
    canvas = vault.canvases["Board.canvas"].links[0]
    assert (canvas.link_kind, canvas.property_name) == (LinkKind.CANVAS, None)


def test_a_kind_text_splits_into_its_parts():
    assert split_kind(property_kind("up:down")) == (LinkKind.PROPERTY, "up:down")
    assert split_kind("property:") == (LinkKind.PROPERTY, "")
    assert split_kind("canvas") == (LinkKind.CANVAS, None)
    assert LinkKind.MARKDOWN == "markdown" and f"{LinkKind.EMBED}" == "embed"
    with pytest.raises(ValueError):
        split_kind("wikilink")


def test_link_kinds_are_read_only_through_the_model():
    """``property:`` is spelled, split and tested in model.py alone (split_kind,
    property_kind, Link.link_kind, Link.property_name)."""
    spelled = [f"{path.relative_to(SRC)}:{number}"
               for path in SRC.rglob("*.py") if path.name != "model.py"
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if re.search(r"""["']property:|kind\.split\(|kind\.startswith\(""", line)]
    assert spelled == []


def test_no_module_re_exports_another_modules_names():
    """Every importer names the module that owns a name (the package root's lazy
    public names aside)."""
    found = [f"{path.relative_to(SRC)}:{number}"
             for path in SRC.rglob("*.py") if path != SRC / "__init__.py"
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if "noqa: F401" in line]
    assert found == []


@pytest.mark.parametrize(
    "front, tags, path, role",
    [("type: Claim", "", "x.md", Role.CLAIM), ("type: topic", "#🔴", "x.md", Role.CLAIM),
     ("", "", "Sources/x.md", Role.SOURCE), ("doi: 10.1/x", "", "x.md", Role.SOURCE),
     ("author: A", "", "x.md", Role.NOTE), ("", "#q", "x.md", Role.QUESTION)],
)
def test_a_notes_role_is_a_role(make_vault, front, tags, path, role):
    root = make_vault({path: f"---\n{front}\n---\n{tags}\n"})
    config = ProvenanceConfig.from_specs(["Sources/=source", "#q=question"])
    found = Provenance(vaultgraph.load(root), config).roles[path]
    assert found is role and found == role.value


def test_roles_given_as_text_come_back_as_roles():
    config = ProvenanceConfig(role_tags={"c": "claim"}, role_folders={"S/": "source"})
    assert role_of("a.md", "evidence", [], False, config) is Role.EVIDENCE  # (as the index keeps it)
    assert role_of("a.md", None, ["c"], False, config) is Role.CLAIM
    assert role_of("S/a.md", None, [], False, config) is Role.SOURCE
    assert ProvenanceConfig.from_specs(["#x=concept"]).role_tags["x"] is Role.CONCEPT
    with pytest.raises(ValueError, match="ROLE one of claim, evidence, concept, source, question"):
        ProvenanceConfig.from_specs(["#x=note"])


def test_evidence_kinds_of_every_form(make_vault):
    claim = ("---\ntype: claim\nsources: \"[[S]]\"\n---\nsource:: [[S]]\nA.[^1]\n\n"
             "[^1]: [[S]]\n\nSee doi:10.1038/s41380-024-02625-2 and https://e.com/a, ISBN 978-0-307-45241-2 "
             "[@key]. Thompson says \"it is\".\n\n## References\n- [[S]]\n")
    root = make_vault({"C.md": claim, "S.md": "---\ntype: source\n---\nsupports:: [[C]]\n",
                       "E.md": "---\nopposes: \"[[C]]\"\n---\n"})
    provenance = Provenance(vaultgraph.load(root))
    kinds = {split_evidence(e.kind) for e in provenance.rests_on["C.md"]}
    assert kinds == {(EvidenceKind.PROPERTY, "sources"), (EvidenceKind.FIELD, "source"),
                     (EvidenceKind.FOOTNOTE, None), (EvidenceKind.REFERENCE, None),
                     (EvidenceKind.DOI, None), (EvidenceKind.URL, None),
                     (EvidenceKind.ISBN, None), (EvidenceKind.PANDOC, None),
                     (EvidenceKind.QUOTE, None), (EvidenceKind.SUPPORTS, None)}
    assert [e.kind for e in provenance.rests_on["C.md"]][:2] == ["property:sources", "field:source"]
    assert [e.kind for e in provenance.opposed_by["C.md"]] == [EvidenceKind.OPPOSES]
    assert provenance.opposed_by["C.md"][0].counter
    with pytest.raises(ValueError):
        split_evidence("cites:x")
