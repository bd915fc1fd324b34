"""docs/cli.md and README.md cannot drift: their examples are made by running them (cog,
docs/cogcli.py), and this test fails when one differs from what vaultgraph prints now; the
README's Python example is run too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import NOTES

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GENERATED = ["docs/cli.md", "README.md"]  # the pages whose examples cog writes (`make docs`)


@pytest.mark.skipif(not NOTES.is_dir(), reason="sample vault missing")
@pytest.mark.parametrize("page", GENERATED)
def test_documented_examples_are_what_vaultgraph_prints(page, capsys):
    from cogapp import Cog

    status = Cog().main(["cog", "--check", "--diff", "--check-fail-msg=run `make docs`",
                         "-I", str(DOCS), str(ROOT / page)])
    assert status == 0, capsys.readouterr().out


@pytest.mark.parametrize("page", GENERATED)
def test_every_example_of_a_command_is_generated(page):
    """A ```console block showing a run is written by cog, never by hand."""
    text = (ROOT / page).read_text(encoding="utf-8")
    generated = "".join(re.findall(r"\]\]\] -->\n(.*?)<!-- \[\[\[end\]\]\] -->", text, re.S))
    by_hand = [block for block in re.findall(r"```console\n.*?```", text, re.S)
               if block not in generated]
    assert by_hand == []


@pytest.mark.skipif(not NOTES.is_dir(), reason="sample vault missing")
def test_the_readme_python_example_runs(monkeypatch, tmp_path, capsys):
    """The README's ```python block runs as written, from the repository's root, and
    prints what it says it prints: a backlink per line."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert blocks
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("VAULTGRAPH_CACHE_DIR", str(tmp_path))
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.endswith(".md") is False and " " in line for line in lines)
