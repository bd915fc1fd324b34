"""vaultgraph check: codes, severities, suggestions and filters on small vaults."""

from __future__ import annotations

import os
import random

import pytest

from vaultgraph import load
from vaultgraph.findings import check_vault, vault_findings
from vaultgraph.provenance import ProvenanceConfig
from vaultgraph.resolve import Resolver
from vaultgraph.suggest import FEW_QUERIES, Suggester


def diagnostics(root, **options):
    return [(d.path, d.line, d.column, d.severity, d.code, d.target, d.suggestions)
            for d in check_vault(load(root), **options).diagnostics]


@pytest.fixture
def vault(make_vault):
    return make_vault({
        "Neurotransmitter.md": "# Neurotransmitter\n## Release\n",
        "Neuron.md": "---\naliases: [Nerve cell]\n---\n# Neuron\n## Axon\nText ^fact-1\n",
        "src.md": (
            "[[Nuerotransmitter]]\n"
            "[[Neuron#Axons]]\n"
            "[[Neuron#^fact-2]]\n"
            "![[missing-figure.png]]\n"
            "[[Nerve cell]]\n"
            "[[Neuron#Neuron#Axon]] [[Neuron#^fact-1]] [[#Own]] [[#Nope]]\n"
            "# Own\n"
            "![[paper.pdf#page=3]] ![[figure.png#outline|100]]\n"
        ),
        "paper.pdf": b"%PDF-1.4",
        "figure.png": b"\x89PNG",
    })


def test_codes_positions_targets_and_suggestions(vault):
    assert diagnostics(vault) == [
        ("src.md", 1, 1, "error", "unresolved-link", "Nuerotransmitter", ["Neurotransmitter"]),
        ("src.md", 2, 1, "error", "missing-heading", "Neuron#Axons", ["Axon"]),
        ("src.md", 3, 1, "error", "missing-block", "Neuron#^fact-2", ["^fact-1"]),
        ("src.md", 4, 1, "error", "missing-attachment", "missing-figure.png", []),
        ("src.md", 5, 1, "error", "unresolved-link", "Nerve cell", []),
        ("src.md", 6, 52, "error", "missing-heading", "#Nope", []),
    ]


def test_messages_read_like_the_spec(vault):
    result = check_vault(load(vault))
    messages = [d.message for d in result.diagnostics]
    assert messages[0] == '[[Nuerotransmitter]] -- did you mean "Neurotransmitter"?'
    assert "alias" in messages[4] and "[[Neuron|Nerve cell]]" in messages[4]
    assert result.summary() == {"notes": 3, "errors": 6, "warnings": 0}


def test_unresolved_severity_and_code_filters(vault):
    as_warning = diagnostics(vault, unresolved="warning")
    assert {d[3] for d in as_warning if d[4] == "unresolved-link"} == {"warning"}
    assert all(d[4] != "unresolved-link" for d in diagnostics(vault, unresolved="ignore"))
    assert {d[4] for d in diagnostics(vault, select=["missing-block"])} == {"missing-block"}
    assert "missing-heading" not in {d[4] for d in diagnostics(vault, ignore=["missing-heading"])}


def test_ambiguous_link_is_a_warning_listing_candidates(make_vault):
    root = make_vault({"aa/Tie.md": "", "bb/Tie.md": "", "src.md": "[[Tie]]"})
    result = check_vault(load(root))
    (d,) = result.diagnostics
    assert (d.code, d.severity) == ("ambiguous-link", "warning")
    assert "aa/Tie.md" in d.message and "bb/Tie.md" in d.message


def test_excluded_files_resolve_but_are_not_reported(make_vault):
    root = make_vault(
        {"Templates/Daily.md": "[[{{date}}]]", "src.md": "[[Templates/Daily]] [[Daily]]"},
        obsidian={"userIgnoreFilters": ["Templates/"]},
    )
    vault = load(root)
    assert check_vault(vault).diagnostics == []
    assert [e.target for e in vault.outgoing("src.md")] == ["Templates/Daily.md"] * 2
    codes = [d.code for d in check_vault(vault, include_excluded=True).diagnostics]
    assert codes == ["unresolved-link"]


def test_relative_link_has_no_name_fallback(make_vault):
    root = make_vault({"a/src.md": "[[./Other]]", "b/Other.md": ""})
    (d,) = check_vault(load(root)).diagnostics
    assert d.code == "unresolved-link" and "relative" in d.message


def test_file_problems_are_diagnostics_not_crashes(make_vault):
    root = make_vault({
        "bad.md": b"ok\n\xff\xfe [[Target]]\n",
        "binary.md": b"\x00\x01\x02\xff\xfe\x00",
        "Target.md": "",
        "yaml.md": "---\na: [\n---\n",
    })
    found = {(d[0], d[4]) for d in diagnostics(root)}
    assert found == {("bad.md", "encoding"), ("binary.md", "binary-file"),
                     ("yaml.md", "invalid-frontmatter")}


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(make_vault):
    root = make_vault({"locked.md": "x"})
    (root / "locked.md").chmod(0)
    try:
        assert [d[4] for d in diagnostics(root)] == ["unreadable-file"]
    finally:
        (root / "locked.md").chmod(0o644)


def test_a_few_queries_score_as_many_do():
    """Did-you-mean scores a few queries one by one and many with cdist: the same
    answers, ratios rounded half up (82.5 -> 83) and ties in name order."""
    rng = random.Random(7)
    names = ["".join(rng.choice("abcde ") for _ in range(rng.randint(3, 12))) for _ in range(2000)]
    long = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
    names += [long[:33] + "1234567", long[:33] + "7654321"]  # ratio 82.5 to `long`, a tie
    keys = sorted(set(names))
    queries = [long] + ["".join(rng.choice("abcde ") for _ in range(rng.randint(3, 12)))
                              for _ in range(3 * FEW_QUERIES)]
    suggester = Suggester({k: k for k in keys})
    many = suggester.scores(queries, keys, 3)
    few = {}
    for start in range(0, len(queries), FEW_QUERIES):
        few.update(suggester.scores(queries[start:start + FEW_QUERIES], keys, 3))
    assert few == many
    assert many[long] == [(83, long[:33] + "1234567"), (83, long[:33] + "7654321")]
    assert sum(bool(hits) for hits in many.values()) > len(queries) // 2


def _every_hit(queries, keys, by_owner=False):
    """Did-you-mean without any shortcut: rapidfuzz's ratio of every query and every key."""
    from rapidfuzz import fuzz

    from vaultgraph.suggest import SUGGESTION_CUTOFF, best, scored_text

    found = {}
    for query in queries:
        hits = [(int(score + 0.5), key) for key in keys
                if (score := fuzz.ratio(query, scored_text(key) if by_owner else key))
                >= SUGGESTION_CUTOFF]
        found[query] = best(hits, 10_000, by_owner)
    return found


def test_names_too_long_or_short_to_score_are_the_only_ones_skipped():
    """Many queries are scored by length (a name much longer or shorter than the query
    cannot reach the cutoff, and is not scored): the names at the very edge of what can
    still score are found -- the query's first letters (ratio exactly 75 and above) and
    the query with letters added (down to 75) -- for queries of every length from 1
    to 60, non-ASCII ones too; for note names, an alias is measured without its owner."""
    from vaultgraph.suggest import alias_key, length_window

    queries = [("éabcdefghijklmnopqrstuvwxyzàbcdefghijklmnopqrstuvwxyzâbcdefgh"[:n])
               for n in range(1, 61)]
    keys = sorted({q[:cut] for q in queries for cut in range(1, len(q) + 1)}
                  | {q + "z" * more for q in queries for more in range(1, len(q) + 2)})
    many = Suggester.scores(queries, keys, 10_000)
    assert many == _every_hit(queries, keys)
    edges = {n: length_window(n) for n in (4, 12, 40)}
    assert edges == {4: (3, 6), 12: (8, 20), 40: (24, 66)}
    found = {len(key) for _, key in many[queries[39]]}  # 40 letters: 24 to 66 score 75+
    assert {24, 66} <= found and not found & {23, 67}
    owners = sorted({alias_key(key, f"owner of {key} " + "o" * 90) for key in keys})
    assert Suggester.scores(queries, owners, 10_000, by_owner=True) == \
        _every_hit(queries, owners, by_owner=True)


def test_queries_longer_than_a_table_byte_score_as_every_pair_does():
    """A count of characters in common over 255 (a query of 256 characters and more)
    does not fit the one-byte table short queries are scored into: such queries are
    scored into a wider one, with the same answers as rapidfuzz's ratio of every pair."""
    rng = random.Random(3)
    base = "".join(rng.choice("abcdefgh ") for _ in range(300))
    queries = [base[:n] for n in range(250, 300, 2)]
    keys = sorted({q[:cut] for q in queries[::5] for cut in range(150, len(q), 7)}
                  | {q + "xyz" * more for q in queries[::7] for more in range(1, 30, 4)})
    assert len(queries) > FEW_QUERIES
    many = Suggester.scores(queries, keys, 10_000)
    assert many == _every_hit(queries, keys)
    assert all(many[q] for q in queries)


def test_names_scored_in_parts_score_as_every_pair_does(monkeypatch):
    """Many names are scored in parts (a cdist table has at most TABLE_CELLS cells) and
    many queries in blocks (QUERY_BLOCK): cut small, the parts' edges fall inside runs of
    names of one length, and the answers are still rapidfuzz's ratio of every pair, the
    progress counting up to every query once."""
    from vaultgraph import suggest

    rng = random.Random(11)
    keys = sorted({"".join(rng.choice("abcd ") for _ in range(rng.randint(2, 14)))
                   for _ in range(600)})
    queries = sorted({"".join(rng.choice("abcd ") for _ in range(rng.randint(2, 14)))
                      for _ in range(80)})
    monkeypatch.setattr(suggest, "TABLE_CELLS", 7 * 5)
    monkeypatch.setattr(suggest, "QUERY_BLOCK", 5)
    calls = []
    many = Suggester.scores(queries, keys, 10_000, progress=lambda *call: calls.append(call))
    assert many == _every_hit(queries, keys)
    assert sum(len(hits) for hits in many.values()) > 100
    assert [done for done, _, _ in calls] == sorted(done for done, _, _ in calls)
    assert calls[-1][:2] == (len(queries), len(queries))


def test_did_you_mean_tables_are_read_as_numpy_reads_them():
    """The scored tables are read 8 cells at a time: the same cells as numpy.nonzero,
    in its order, whatever the shape (a size not a multiple of 8, a single cell) and
    however many cells scored (none, a few, all)."""
    import numpy as np

    from vaultgraph.suggest import _nonzero

    rng = np.random.default_rng(5)
    for shape in [(1, 1), (3, 5), (7, 9), (200, 128), (13, 3), (1000, 17), (2, 4)]:
        for density in (0, 0.01, 0.5, 1):
            table = (rng.random(shape) < density) * rng.integers(1, 255, shape)
            table = table.astype(np.uint8)
            assert [a.tolist() for a in _nonzero(table)] == \
                [a.tolist() for a in np.nonzero(table)], (shape, density)


def test_notes_checked_while_names_are_scored_lose_no_finding(make_vault):
    """check scores did-you-mean names in a thread while it checks the notes without a
    broken link: every note's findings are reported, in order, the misspelt links
    with their suggestions (more of them than are scored one by one), the others with
    theirs (a missing heading, with its own suggestion; an ambiguous link)."""
    import json

    from click.testing import CliRunner

    from vaultgraph.cli import cli

    files = {f"Topic {i:02} notes.md": f"# Topic {i:02} notes\n## Method\n" for i in range(40)}
    files.update({"a/Twin.md": "", "b/Twin.md": ""})
    for i in range(40):
        body = (f"[[Topic {i:02} ntoes]]" if i % 2 else f"[[Topic {i:02} notes#Methods]] [[Twin]]")
        files[f"Writer {i:02}.md"] = f"Text.\n{body}\n"
    root = make_vault(files)
    result = CliRunner().invoke(cli, ["--vault", str(root), "check", "--format", "json"])
    found = [(d["path"], d["code"], d["suggestions"][:1])  # (the best one)
             for d in json.loads(result.output)["diagnostics"]]
    expected = []
    for i in range(40):
        if i % 2:
            expected.append((f"Writer {i:02}.md", "unresolved-link", [f"Topic {i:02} notes"]))
        else:
            expected += [(f"Writer {i:02}.md", "missing-heading", ["Method"]),
                         (f"Writer {i:02}.md", "ambiguous-link", [])]
    assert found == expected
    assert len(expected) - 40 > FEW_QUERIES


def test_checking_many_notes_reports_its_progress(make_vault):
    root = make_vault({f"Note {i}.md": f"[[Note {i + 1}]] [[Nowhere {i}]]" for i in range(40)})
    calls = []
    found, _ = vault_findings(load(root), False, ProvenanceConfig(),
                              progress=lambda *call: calls.append(call))
    assert sum(d.code == "unresolved-link" for d in found) == 41
    phases = {what: (done, total) for done, total, what in calls}  # the last call of each
    assert phases == {"Finding did-you-mean names": (41, 41), "Checking notes": (40, 40)}


def _many_notes_vault(make_vault):
    """A vault of 1,200 notes (past answers.IN_MEMORY_RESOLVER: a cold run's check reads
    the links as the index's writer resolved them) with links of every outcome."""
    files = {f"f{i % 7}/N{i}.md": (f"# N{i}\n## Part {i}\nText ^b{i}\n\n"
                                   f"[[N{(i * 7) % 1200}]] [[N{i + 1}#Part {i + i % 2}]] "
                                   f"[[N{i}#^b{i + 1}]] [[Missing {i % 50}]] [[n{i % 3}]]\n"
                                   f"[[Twin]] [[./N{i}]] [[../f{i % 7}/N{i}]] ![[pic{i % 4}.png]]\n")
             for i in range(1200)}
    files.update({"a/Twin.md": "x\n", "b/Twin.md": "y\n", "N0.md": "case\n", "pic1.png": b"\x89PNG"})
    return make_vault(files)


@pytest.mark.parametrize("notes_kept", [True, False])
def test_a_cold_check_reads_the_links_as_resolving_them_again_does(make_vault, monkeypatch,
                                                                  notes_kept):
    """A cold run's check takes each note's Resolutions from the index's writer (resolved
    once: resolve.Resolver.resolve_links); its findings are those of a check that
    resolves every link itself (the findings the index keeps forgotten, a new run) --
    with the notes parsed kept for it, or read back from their rows (index.NOTES_KEPT)."""
    import json
    import sqlite3

    from click.testing import CliRunner

    from vaultgraph.cli import cli

    if not notes_kept:
        monkeypatch.setattr("vaultgraph.index.NOTES_KEPT", 0)
    root = _many_notes_vault(make_vault)
    cache = root.parent / "cache"
    run = lambda: CliRunner().invoke(cli, ["--cache-dir", str(cache), "--vault", str(root),
                                           "check", "--format", "json"])
    cold = run()
    (index,) = cache.rglob("index.sqlite")
    with sqlite3.connect(index) as connection:
        connection.execute("DELETE FROM checked")
    again = run()
    assert cold.exit_code == again.exit_code == 1
    assert cold.output == again.output
    codes = {d["code"] for d in json.loads(cold.output)["diagnostics"]}
    assert {"unresolved-link", "missing-heading", "missing-block", "ambiguous-link",
            "missing-attachment"} <= codes


def test_a_cold_check_holds_few_notes_at_once_and_resolves_each_link_once(make_vault,
                                                                          monkeypatch):
    """A cold run's index that parses more than NOTES_KEPT notes keeps no Note for check
    (index.Written: at 100k notes, the Notes kept were most of the peak memory); check
    decodes each note as it checks it and lets it go (Vault.release), yet resolves no
    link again, and its findings are those of a check of the notes all loaded (test
    above)."""
    from vaultgraph import check as check_module

    monkeypatch.setattr("vaultgraph.index.NOTES_KEPT", 1000)
    root = _many_notes_vault(make_vault)
    vault = load(root, cache=True, cache_dir=root.parent / "cache")
    assert not vault.notes.loaded and len(vault.notes.tokens) == len(vault.notes) == 1203
    held, resolved = [], []
    check_note, resolve_all = check_module.check_note, Resolver.resolve_all
    monkeypatch.setattr(check_module, "check_note", lambda *args: (
        held.append(len(vault.notes.loaded)), check_note(*args))[1])
    monkeypatch.setattr(Resolver, "resolve_all", lambda self, paths, source: (
        resolved.append(source) if paths else None, resolve_all(self, paths, source))[1])
    found = check_vault(vault).diagnostics
    assert {"unresolved-link", "missing-heading", "missing-block"} <= {d.code for d in found}
    assert len(held) == 1203 and max(held) <= 300  # (read 256 at a time)
    assert not vault.notes.loaded and resolved == []
    vault.close()


def test_kept_resolutions_are_taken_once_and_only_for_the_same_links():
    from vaultgraph.model import Link

    resolver = Resolver(["a/N.md", "b/N.md", "M.md"])
    links = [Link("link", p, p, None, None, 1, 1) for p in ("N", "M", "X")]
    first = resolver.resolve_links(links, "a/S.md", keep=True)
    assert [r.target for r in first] == ["a/N.md", "M.md", None]
    # Another list of links (another note read at that path), even with the same paths,
    # is resolved for itself; the kept answer goes to the very list it was made for.
    other = [Link("link", p, p, None, None, 1, 1) for p in ("M", "N")]
    assert [r.target for r in resolver.resolve_links(other, "a/S.md")] == ["M.md", "a/N.md"]
    resolver.resolve_links(links, "a/S.md", keep=True)
    assert resolver.resolve_links(links, "a/S.md") == first
    assert resolver._kept == {}


def test_kept_findings_read_back_as_written():
    """The findings kept in the index (findings._findings_json: orjson's text, json's for
    what orjson refuses) read back as the fields they were made of."""
    import json

    from vaultgraph.codec import fields_of
    from vaultgraph.findings import _diagnostics, _findings_json
    from vaultgraph.model import Diagnostic

    found = [Diagnostic("a/Ünï.md", 3, 7, "error", "unresolved-link", 'no note "€ 💡"', "€ 💡",
                        ["A|b", "c"], True),
             Diagnostic("a.md", 1, 1, "warning", "case-mismatch", "x", None)]
    for extra in ([], [Diagnostic("a.md", 2**70, 1, "warning", "case-mismatch", "\udc80", None)]):
        rows = [fields_of(d) for d in found + extra]
        text = _findings_json(rows)
        assert json.loads(text) == json.loads(json.dumps(rows, ensure_ascii=False))
        assert _diagnostics(f"[{text}]", lambda path: True) == found + extra
