"""Integration over the real vaults in ../shared/corpora (skipped when absent)."""

from __future__ import annotations

import json
import posixpath
import re
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from vaultgraph import load
from vaultgraph.check import check_vault, is_attachment_link
from vaultgraph.cli import cli

from .conftest import CORPORA, needs_corpora

VAULTS = sorted(p.name for p in CORPORA.iterdir() if p.is_dir()) if CORPORA.is_dir() else []


@needs_corpora
@pytest.mark.parametrize("name", VAULTS)
def test_every_corpus_loads_and_checks_without_traceback(name):
    root = CORPORA / name
    vault = load(root)
    on_disk = [p for p in root.rglob("*.md")
               if not any(part.startswith(".") for part in p.relative_to(root).parts)]
    assert len(vault.notes) == len(on_disk)
    for command in (["check", "--format", "json"], ["tags", "--json"]):
        result = CliRunner().invoke(cli, ["--vault", str(root), *command])
        assert result.exit_code in (0, 1), result.output
        json.loads(result.stdout)
    hub = max(vault.notes, key=lambda p: len(vault.backlinks(p)))
    result = CliRunner().invoke(cli, ["--vault", str(root), "backlinks", hub, "--json"])
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["backlinks"]) == len(vault.backlinks(hub))


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
    note_links = [e for e in vault.edges if not is_attachment_link(e.link.path, e.link.embed)]
    assert sum(e.resolved for e in note_links) / len(note_links) > 0.9


@needs_corpora
@pytest.mark.parametrize("suite", ["main-samples", "same-filename-different-directories",
                                   "non-ascii"])
def test_resolution_agrees_with_obsidian_export_expected_output(suite):
    """obsidian-export rewrites each resolved [[link]] as [text](path); ours must agree."""
    base = CORPORA / "fixtures-obsidian-export"
    vault = load(base / "input" / suite)
    compared = 0
    for path, note in vault.notes.items():
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
