"""The benchmark generator's ground truth agrees with vaultgraph (so benchmarks measure
a correct run), on a small generated vault."""

from __future__ import annotations

import sys
from collections import Counter

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate  # noqa: E402

import vaultgraph  # noqa: E402


def test_generated_vault_matches_its_ground_truth(tmp_path):
    truth = generate(300, 7, tmp_path / "vault")
    vault = vaultgraph.load(tmp_path / "vault")
    key = lambda pair: (pair[0], pair[1] or "")  # noqa: E731
    found = sorted(((e.source, e.target) for e in vault.edges), key=key)
    expected = sorted((tuple(pair) for pair in truth["links"]), key=key)
    assert found == expected
    assert sum(not e.resolved for e in vault.edges) == truth["broken"] > 0
    for path, tags in truth["tags"].items():
        assert sorted({t.name for t in vault.notes[path].tags}) == tags
    hub, count = Counter(t for s, t in truth["links"] if t and t != s).most_common(1)[0]
    assert len(vault.backlinks(hub)) == count


def test_did_you_mean_benchmark_scores_what_check_scores(tmp_path):
    """benchmarks/did_you_mean.py scores what a cold check scores: the broken names are
    those of check's unresolved links, and scored against its names they give check's
    own suggestions."""
    import json

    from click.testing import CliRunner
    from did_you_mean import names_and_queries

    from vaultgraph.cli import cli
    from vaultgraph.resolve import fold
    from vaultgraph.suggest import Suggester

    generate(300, 7, tmp_path / "vault")
    notes = sorted((tmp_path / "vault").rglob("*.md"))[:40:4]
    (tmp_path / "vault" / "Typos.md").write_text(  # (misspelt names: suggestions to give)
        " ".join(f"[[{n.stem[:3]}{n.stem[4:]}]]" for n in notes)
        + " [[some/folder/Nowhere note]] ![[missing.png]]", encoding="utf-8")
    keys, queries = names_and_queries(tmp_path / "vault", tmp_path / "bench")
    result = CliRunner().invoke(cli, ["--vault", str(tmp_path / "vault"), "--cache-dir",
                                      str(tmp_path / "cache"), "check", "--format", "json"])
    unresolved = [d for d in json.loads(result.output)["diagnostics"]
                  if d["code"] == "unresolved-link"]
    named = {d["target"]: fold(d["target"].rsplit("/", 1)[-1]) for d in unresolved}
    assert queries == sorted(set(named.values())) and len(queries) > 20
    scored = Suggester.scores(queries, keys, 3, by_owner=True)
    assert sum(map(len, scored.values())) >= len(notes)
    for d in unresolved:  # (a suggestion is the note's name, or Name|alias)
        assert [fold(s.split("|")[0]) for s in d["suggestions"]] == \
            [key.rpartition("/")[2] for _, key in scored[named[d["target"]]]]
