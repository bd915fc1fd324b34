from __future__ import annotations

from pathlib import Path

import os

import pytest
from hypothesis import HealthCheck, settings

# `make test` runs the short profile; `make fuzz` the long one.
settings.register_profile("default", max_examples=150, deadline=None)
settings.register_profile("fuzz", max_examples=20_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
NOTES = ROOT / "notes"

needs_corpora = pytest.mark.skipif(
    not CORPORA.is_dir(), reason="../shared/corpora is not beside this checkout"
)


@pytest.fixture(scope="session", autouse=True)
def test_cache_dir(tmp_path_factory):
    """The CLI keeps its index in a cache folder: never the user's own during tests
    (a folder pytest removes with its other temporary folders)."""
    if "VAULTGRAPH_CACHE_DIR" not in os.environ:
        os.environ["VAULTGRAPH_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def make_vault(tmp_path):
    """Write {vault path: text or bytes} under a fresh folder and return it."""

    def make(files: dict[str, str | bytes], obsidian: dict | None = None) -> Path:
        root = tmp_path / "vault"
        root.mkdir(exist_ok=True)
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        if obsidian is not None:
            import json

            (root / ".obsidian").mkdir(exist_ok=True)
            (root / ".obsidian" / "app.json").write_text(json.dumps(obsidian))
        return root

    return make
