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
