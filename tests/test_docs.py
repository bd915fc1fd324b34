"""docs/cli.md cannot drift: its examples are made by running them (cog, docs/cogcli.py),
and this test fails when one differs from what vaultgraph prints now."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import NOTES

DOCS = Path(__file__).resolve().parent.parent / "docs"
GENERATED = ["cli.md"]  # the pages whose examples cog writes (`make docs`)


@pytest.mark.skipif(not NOTES.is_dir(), reason="sample vault missing")
@pytest.mark.parametrize("page", GENERATED)
def test_documented_examples_are_what_vaultgraph_prints(page, capsys):
    from cogapp import Cog

    status = Cog().main(["cog", "--check", "--diff", "--check-fail-msg=run `make docs`",
                         "-I", str(DOCS), str(DOCS / page)])
    assert status == 0, capsys.readouterr().out


@pytest.mark.parametrize("page", GENERATED)
def test_every_example_of_a_command_is_generated(page):
    """A ```console block showing a run is written by cog, never by hand."""
    text = (DOCS / page).read_text(encoding="utf-8")
    generated = "".join(re.findall(r"\]\]\] -->\n(.*?)<!-- \[\[\[end\]\]\] -->", text, re.S))
    by_hand = [block for block in re.findall(r"```console\n.*?```", text, re.S)
               if block not in generated]
    assert by_hand == []
