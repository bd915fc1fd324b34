"""`backlinks` answered from the index in one pass (answers.backlinks, views.BacklinksAnswer,
render.backlinks): through the CLI, its JSON and its text are what the generic writers
make of the same links read from the notes themselves -- contexts of short, long and
very long lines (a line too long for a row is read apart), canvas nodes, property links,
hostile text -- byte for byte."""

from __future__ import annotations

import io
import json

from click.testing import CliRunner
from rich.console import Console

from vaultgraph.cli import cli
from vaultgraph.vault import load

WORDS = " ".join(f"word{i}" for i in range(60))  # 479 characters


def _vault(root):
    (root / ".obsidian").mkdir(parents=True)
    (root / "Target.md").write_text("# Target\n\n[[Target]] links itself\n", encoding="utf-8")
    (root / "hostile.md").write_text(
        'a "quote" \\ back\tslash [[Target]] \x1b]52;c;eA==\x07 \u2028 \u202e é 🔴\n'
        "::error file=x.md:: [[Target|::alias]]\n"
        "##[warning] [[Target#Target]]\n"
        "\x0b\x0c vertical [[Target]] \r\n", encoding="utf-8")
    (root / "long.md").write_text(
        f"[[Target]] {WORDS} [[Target|middle]] {WORDS} ![[Target]]\n\n   [[Target]]   \n",
        encoding="utf-8")
    # a line of about 6,000 characters with 40 links to Target: read apart, once
    very_long = " ".join(f"{WORDS[:140]} [[Target|{i}]]" for i in range(40))
    (root / "very long.md").write_text(f"start\n{very_long}\n", encoding="utf-8")
    (root / "property.md").write_text('---\nup: "[[Target]]"\n---\nbody\n', encoding="utf-8")
    (root / "board.canvas").write_text(json.dumps({"nodes": [
        {"id": "f1", "type": "file", "file": "Target.md", "x": 0, "y": 0, "width": 1, "height": 1},
        {"id": "t\x1b1", "type": "text", "text": "see [[Target]]\tthere", "x": 0, "y": 0,
         "width": 1, "height": 1}], "edges": []}), encoding="utf-8")
    return root


def _expected(root):
    """The documented JSON built from the notes' own links (decoded from the index, each
    context from its LineText), not from answers.backlinks' rows."""
    vault = load(root)
    try:
        rows = []
        for edge in vault.backlinks("Target.md"):
            link = edge.link
            row = {"source": edge.source, "line": link.line, "column": link.column,
                   "kind": link.kind, "context": link.context}
            if link.kind == "canvas":
                row["node"] = link.node
            rows.append(row)
        return {"note": "Target.md", "backlinks": rows}
    finally:
        vault.close()


def _rich_text(data) -> str:
    """The text view as rich prints each line's parts (render._line: one print each)."""
    from vaultgraph.render import _line

    out = io.StringIO()
    console = Console(file=out, highlight=False, soft_wrap=True, width=1_000_000)
    _line(console, (data["note"], "bold"))
    rows = data["backlinks"]
    sources = len({r["source"] for r in rows})
    _line(console, ("Backlinks", "bold cyan"),
          f" ({len(rows)} from {sources} note{'' if sources == 1 else 's'})")
    last = None
    for row in rows:
        if row["source"] != last:
            _line(console, "  ", (row["source"], "green"))
            last = row["source"]
        kind = "" if row["kind"] == "link" else f" [{row['kind']}]"
        _line(console, "    ", (f"{row['line']:>4}:{row['column']:<3}", "dim"), " ",
              row["context"], (kind, "dim"))
    return out.getvalue()


def test_backlinks_json_and_text_are_the_generic_writers_byte_for_byte(tmp_path):
    root = _vault(tmp_path / "v")
    expected = _expected(root)
    contexts = [row["context"] for row in expected["backlinks"]]
    assert len(expected["backlinks"]) >= 50 and any(c.startswith("...") for c in contexts)
    assert {row["kind"] for row in expected["backlinks"]} >= {"link", "embed", "canvas", "property:up"}
    runner = CliRunner()
    for args in (["backlinks", "Target", "--json"], ["--no-cache", "backlinks", "Target", "--json"]):
        result = runner.invoke(cli, ["--vault", str(root), *args])
        assert result.exit_code == 0, result.output
        assert result.stdout == json.dumps(expected, ensure_ascii=False) + "\n", args
    result = runner.invoke(cli, ["--vault", str(root), "backlinks", "Target"])
    assert result.exit_code == 0, result.output
    assert result.stdout == _rich_text(expected)
    assert "\\x1b]52;c;eA==\\x07" in result.stdout and "\\x3a:error" in result.stdout
    # `links` shows the same backlinks through the same renderer
    links = runner.invoke(cli, ["--vault", str(root), "links", "Target"])
    assert links.stdout.endswith(result.stdout.split("\n", 1)[1])


def test_json_text_falls_back_to_json_for_a_value_no_index_row_has():
    from vaultgraph.answers import Backlink
    from vaultgraph.views import BacklinksAnswer

    odd = BacklinksAnswer("N.md", [Backlink("N.md", "a.md", 0, "7", 1.5, "canvas", "x", 3),
                                   Backlink("N.md", "b.md", 0, 1, 2, "link", "y\u2028", None)])
    for indent in (None, 2):
        assert odd.json_text(indent) == json.dumps(odd.as_dict(), ensure_ascii=False,
                                                   indent=indent, default=str)
