"""Integration over the real vaults in ../shared/corpora (skipped when absent)."""

from __future__ import annotations

import io
import json
import posixpath
import re
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from vaultgraph import load
from vaultgraph.broken import is_attachment_link
from vaultgraph.findings import check_vault
from vaultgraph.cli import cli

from .conftest import CORPORA, needs_corpora

pytestmark = pytest.mark.slow  # whole real vaults, through the CLI

VAULTS = sorted(p.name for p in CORPORA.iterdir() if p.is_dir()) if CORPORA.is_dir() else []


def exercise(root, budget: float = 120.0) -> None:
    """What a user runs first on a vault, through the CLI: exit 0 or 1, valid output,
    counts that match an independent count, within a time budget CI can afford."""
    import time

    import networkx as nx

    from vaultgraph.escape import xml_chars
    from vaultgraph.files import MAX_FOLDER_DEPTH

    started = time.monotonic()
    vault = load(root)
    on_disk = [p for p in root.rglob("*.md")
               if not any(part.startswith(".") for part in p.relative_to(root).parts)
               and not p.is_symlink() and p.is_file()
               and len(p.relative_to(root).parts) <= MAX_FOLDER_DEPTH + 1]  # (folders + name)
    assert len(vault.notes) == len(on_disk)

    def run(*args):
        result = CliRunner().invoke(cli, ["--vault", str(root), *args])
        assert result.exit_code in (0, 1), (args, result.output[-800:])
        assert "Traceback" not in result.output
        return result.stdout

    check = json.loads(run("check", "--format", "json"))
    visible = [p for p in vault.notes if not vault.is_excluded(p)]
    assert check["summary"]["notes"] == len(visible)
    tags = json.loads(run("tags", "--json"))
    assert sum(row["count"] for row in tags["tags"]) == sum(
        len({t.name.lower() for t in vault.notes[p].tags}) for p in visible)
    if vault.notes:
        hub = max(vault.notes, key=lambda p: (len(vault.backlinks(p)), p))
        backlinks = json.loads(run("backlinks", hub, "--json"))["backlinks"]
        assert len(backlinks) == len(vault.backlinks(hub))
    report = json.loads(run("report", "backlinks", "--format", "json"))
    assert report["summary"]["notes"] == len(visible)
    graph = nx.read_graphml(io.BytesIO(run("export", "--format", "graphml").encode()),
                            force_multigraph=True)
    excluded = {p for p in vault.files if vault.is_excluded(p)}
    expected_nodes = set(vault.graph.nodes) - excluded
    assert set(graph.nodes) == {xml_chars(node) for node in expected_nodes}  # (XML 1.0's characters)
    assert time.monotonic() - started < budget


@needs_corpora
@pytest.mark.parametrize("name", VAULTS)
def test_every_corpus_through_the_cli(name):
    exercise(CORPORA / name)


def test_hostile_vault_through_the_cli(tmp_path):
    from . import hostile

    exercise(hostile.build(tmp_path / "hostile"))


@needs_corpora
def test_vaultofknowledge_reports_its_real_broken_links():
    vault = load(CORPORA / "vaultofknowledge")
    result = check_vault(vault)
    codes = {d.code for d in result.diagnostics}
    assert len(vault.notes) > 2700
    # Images were stripped from this copy: their embeds are missing attachments.
    assert "missing-attachment" in codes and "unresolved-link" in codes
    missing = [d for d in result.diagnostics if d.code == "missing-attachment"]
    assert all(re.search(r"\.(png|jpe?g|gif|svg|webp|avif|pdf)$", d.target, re.I) for d in missing)
    # Links into .trash/ or .obsidian/ never resolve: dot folders are not in the vault.
    assert all(not e.target or not e.target.startswith(".") for e in vault.edges)
    # Most links to notes resolve; the broken ones are a small minority.
    note_links = [e for e in vault.edges if not is_attachment_link(e.link)]
    assert sum(e.resolved for e in note_links) / len(note_links) > 0.9


@needs_corpora
@pytest.mark.parametrize("suite", ["main-samples", "same-filename-different-directories",
                                   "non-ascii"])
def test_resolution_agrees_with_obsidian_export_expected_output(suite):
    """obsidian-export rewrites each resolved [[link]] as [text](path); ours must agree."""
    base = CORPORA / "fixtures-obsidian-export"
    vault = load(base / "input" / suite)
    compared = 0
    for path in vault.notes:
        expected_file = base / "expected" / suite / path
        if not expected_file.is_file():
            continue
        expected = {
            posixpath.normpath(unquote(m.split("#")[0]))
            for m in re.findall(r"\]\(([^)\s]+)\)", expected_file.read_text(encoding="utf-8"))
        }
        for edge in vault.outgoing(path):
            if edge.link.kind != "link" or not edge.link.path:
                continue
            if edge.target is None:
                continue
            here = posixpath.dirname(path)
            relative = posixpath.relpath(edge.target, here or ".")
            assert edge.target in expected or relative in expected, (path, edge.link.raw)
            compared += 1
    assert compared > 0


@needs_corpora
def test_dispatching_tokenizer_gives_markdown_its_own_tokens_on_every_corpus_note():
    """syntax/dispatch.py only skips rules that cannot match: every note of every corpus
    tokenizes exactly as with markdown-it's own loop."""
    from vaultgraph.parse import _normalise, read_text
    from vaultgraph.syntax import markdown_parser

    fast, reference = markdown_parser(), markdown_parser(False)
    compared = 0
    for path in sorted(CORPORA.rglob("*.md")):
        text, _ = read_text(path.parent, path.name)
        if text is None or len(text) > 2_000_000:
            continue
        text = _normalise(text)
        ours, theirs = fast.parse(text), reference.parse(text)
        assert [(t.type, t.map, t.content) for t in ours] == \
            [(t.type, t.map, t.content) for t in theirs], path
        assert [(c.type, c.content, c.meta, c.attrs) for t in ours for c in t.children or ()] == \
            [(c.type, c.content, c.meta, c.attrs) for t in theirs for c in t.children or ()], path
        compared += 1
    assert compared > 1000


@needs_corpora
def test_scanned_inline_text_reads_as_markdown_it_reads_it_on_every_corpus_note():
    """syntax/scan.py reads plain inline text without tokens: every note of every corpus
    reads the same (links, tags, citations, quotes, block ids, positions) both ways."""
    from vaultgraph.parse import parse_text, read_text

    compared = 0
    for path in sorted(CORPORA.rglob("*.md")):
        text, _ = read_text(path.parent, path.name)
        if text is None or len(text) > 2_000_000:
            continue
        assert parse_text(path.name, text) == parse_text(path.name, text, scan=False), path
        compared += 1
    assert compared > 1000


@needs_corpora
def test_mentions_skip_only_notes_that_cannot_mention_the_name():
    """`mentions` parses a note only when its text could mention the name (a match, an
    entity or an escape): the same mentions as parsing every note, for names of the
    corpora's notes and common words."""
    from vaultgraph.parse import plain_text

    paths = sorted(CORPORA.rglob("*.md"))[:1500]
    names = sorted({p.stem for p in paths[::40]} | {"a b", "x_y", "and", "the"})
    patterns = [re.compile(r"(?<!\w)(" + re.escape(n) + r")(?!\w)", re.IGNORECASE)
                for n in names]
    for path in paths:
        runs = list(plain_text(path.parent, path.name))
        for pattern in patterns:
            every = [place(m.start()) for text, place in runs for m in pattern.finditer(text)]
            skipping = [place(m.start())
                        for text, place in plain_text(path.parent, path.name, pattern)
                        for m in pattern.finditer(text)]
            assert skipping == every, (path, pattern.pattern)


@needs_corpora
@pytest.mark.parametrize("name", VAULTS)
def test_index_answers_on_every_corpus_equal_a_fresh_parse(name, tmp_path):
    """Every link's resolved target, every note's contents and the tag index, as the
    index keeps them, against a fresh parse of the real vault."""
    import sqlite3

    from vaultgraph.answers import tag_index
    from vaultgraph.index import index_file, update_index

    from .test_index import parsed_contents, stored_contents

    root = CORPORA / name
    update_index(root, tmp_path)
    fresh = load(root)
    with sqlite3.connect(index_file(root, tmp_path)) as db:
        edges = db.execute("SELECT source, seq, target, raw, line, col FROM edges "
                           "ORDER BY source, seq").fetchall()
        tags = tag_index(db, lambda path: True)
    assert edges == [(e.source, seq, e.target, e.link.raw, e.link.line, e.link.column)
                     for path in sorted([*fresh.notes, *fresh.canvases])
                     for seq, e in enumerate(fresh.outgoing(path))]
    assert stored_contents(root, tmp_path) == parsed_contents(fresh)
    assert tags == fresh.tags(include_excluded=True)


@needs_corpora
@pytest.mark.parametrize("name, source, target", [
    ("fixtures-obsidiantools/vault-stub", "Crazy wall.canvas", "Isolated note.md"),
    ("fixtures-obsidiantools/vault-stub", "Crazy wall.canvas", "Crazy wall 2.canvas"),
    ("fixtures-obsidiantools/vault-stub", "Crazy wall.canvas", "Sussudio.md"),
    ("tasks-demo", "Manual Testing/Frontmatter/Frontmatter code.canvas",
     "Manual Testing/Frontmatter/Tags in Frontmatter.md"),
])
def test_real_canvases_are_read(name, source, target):
    vault = load(CORPORA / name)
    assert source in vault.canvases
    assert target in {e.target for e in vault.outgoing(source)}
    assert source in {e.source for e in vault.backlinks(target)}
    assert not [d for d in vault.canvases[source].diagnostics]


@needs_corpora
def test_evidence_kinds_and_reference_headings_read_every_corpus_note_as_one_by_one():
    """check's evidence links line by line (provenance.evidence_kinds) and its reference
    headings by their words (is_reference_heading) read every note of every corpus as
    evidence_kind link by link and the words of every heading do."""
    from vaultgraph.parse import parse_text, read_text
    from vaultgraph.provenance import (Sections, _names_references, evidence_kind,
                                       evidence_kinds, is_reference_heading)
    from vaultgraph.resolve import fold

    compared = 0
    for path in sorted(CORPORA.rglob("*.md")):
        text, _ = read_text(path.parent, path.name)
        if text is None or len(text) > 2_000_000:
            continue
        note = parse_text(path.name, text)
        sections = Sections(note)
        assert evidence_kinds(note.links, sections) == \
            [evidence_kind(link, sections) for link in note.links], path
        for heading in note.headings:
            assert is_reference_heading(heading.text) == _names_references(fold(heading.text))
        compared += 1
    assert compared > 1000
