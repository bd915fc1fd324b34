"""The public Python API: docs/api.md's example runs as written, and the package root
exports exactly what the page documents, lazily."""

from __future__ import annotations

import doctest
import re
import subprocess
import sys
from pathlib import Path

import vaultgraph

API_DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"


def test_the_documented_example_runs_with_its_output():
    failures, tried = doctest.testfile(str(API_DOC), module_relative=False,
                                       optionflags=doctest.ELLIPSIS)
    assert tried > 20 and failures == 0


def test_the_root_exports_what_the_page_documents():
    documented = set(re.findall(r"^\*\*`(\w+)`\*\*", API_DOC.read_text(encoding="utf-8"), re.M))
    documented |= {"load", "Vault", "check_vault", "CheckResult", "VaultError",
                   "CacheInsideVault", "NoteLookupError"}
    assert set(vaultgraph.__all__) == documented | {"__version__"}
    for name in vaultgraph.__all__:
        assert getattr(vaultgraph, name) is not None


def test_import_vaultgraph_imports_nothing_else():
    code = "import sys, vaultgraph\nprint(sorted(m for m in sys.modules if m.startswith('vaultgraph')))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "['vaultgraph']"


def test_plumbing_is_not_public(tmp_path):
    (tmp_path / "a.md").write_text("x\n", encoding="utf-8")
    vault = vaultgraph.load(tmp_path)
    for name in ("finder", "index_stats", "fingerprint", "listing"):
        assert not hasattr(vault, name)
