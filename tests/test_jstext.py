"""UTF-16 escapes in front matter and canvases (``\\ud83d\\ude00``, a lone ``\\ud800``):
joined or replaced, never a surrogate that no output can encode (jstext.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from vaultgraph.canvas import parse_canvas
from vaultgraph.cli import cli
from vaultgraph.jstext import js_text
from vaultgraph.yamldialect import load

PAIR, LONE_HIGH, LONE_LOW = "\ud83d\ude00", "\ud800", "\udc00"


@pytest.mark.parametrize("text, expected", [
    ("plain", "plain"),
    ("é 😀", "é 😀"),
    (PAIR, "😀"),
    (LONE_HIGH, "\ufffd"),
    ("x" + LONE_LOW + "y", "x\ufffdy"),
    ("\ude00\ud83d", "\ufffd\ufffd"),  # reversed: two lone halves
    ("\ud83d" + PAIR, "\ufffd😀"),
])
def test_js_text(text, expected):
    assert js_text(text) == expected


@pytest.mark.parametrize("yaml_text, expected", [
    ('a: "\\ud83d\\ude00"\n', {"a": "😀"}),
    ('a: "\\U0001F600"\n', {"a": "😀"}),
    ('a: "\\ud800 lone"\n', {"a": "\ufffd lone"}),
    ('a: "x\\udc00"\n', {"a": "x\ufffd"}),
    ('"\\ud800": 1\n', {"\ufffd": 1}),
    ('a: ["\\ud800", "\\ud83d\\ude00"]\n', {"a": ["\ufffd", "😀"]}),
    ("a: '\\ud800'\n", {"a": "\\ud800"}),  # single quotes: no escapes
])
def test_front_matter_escapes_give_valid_text(yaml_text, expected):
    _, value, rejection = load(yaml_text)
    assert rejection is None
    assert value == expected
    json.dumps(value, ensure_ascii=False).encode("utf-8")  # encodable


def test_canvas_escapes_give_valid_text():
    data = (b'{"nodes": [{"id": "n\\ud800", "type": "file", "file": "A\\udc00.md"},\n'
            b'{"id": "t", "type": "text", "text": "[[B\\ud83d\\ude00]] [[C\\ud800]]"}]}')
    note = parse_canvas("board.canvas", data)
    assert [(link.path, link.node) for link in note.links] == [
        ("A\ufffd.md", "n\ufffd"), ("B😀", "t"), ("C\ufffd", "t")]
    assert (note.links[0].line, note.links[0].column) == (1, 19)  # the id is still found


@pytest.fixture
def escaped_vault(tmp_path):
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "A.md").write_text(
        '---\naliases: ["\\ud83d\\ude00 smile", "\\ud800 lone"]\ntags: ["t\\ud800x"]\n'
        'up: "[[B\\udc00]]"\n---\nbody\n', encoding="utf-8")
    (vault / "B.md").write_text("[[😀 smile]]\n", encoding="utf-8")
    (vault / "board.canvas").write_text(
        '{"nodes": [{"id": "n1", "type": "file", "file": "Gone\\ud800.md"}]}', encoding="utf-8")
    return vault


@pytest.mark.parametrize("args", [
    ["check"], ["check", "--format", "json"], ["links", "A"], ["backlinks", "A"], ["tags"],
    ["orphans"], ["stats"], ["wanted"], ["report", "backlinks"],
    ["export", "--format", "graphml"], ["export", "--format", "gexf"],
    ["export", "--format", "json"], ["export", "--format", "csv"],
])
@pytest.mark.parametrize("cache", [True, False])
def test_escaped_surrogates_never_break_a_command(escaped_vault, tmp_path, args, cache):
    flags = ["--cache-dir", str(tmp_path / "cache")] if cache else ["--no-cache"]
    result = CliRunner().invoke(cli, ["--vault", str(escaped_vault), *flags, *args])
    assert result.exit_code in (0, 1), result.output
    assert "internal error" not in result.output
    result.output.encode("utf-8")


def test_an_escaped_alias_resolves_end_to_end(escaped_vault, tmp_path):
    result = CliRunner().invoke(cli, ["--vault", str(escaped_vault), "--no-cache",
                                      "check", "--format", "json"])
    found = json.loads(result.output)["diagnostics"]
    by_b = [d["message"] for d in found if d["path"] == "B.md"]
    assert len(by_b) == 1 and 'is an alias of "A"' in by_b[0]  # the joined pair is A's alias
    assert any(d["path"] == "board.canvas" and d["target"] == "Gone\ufffd.md" for d in found)


@pytest.mark.parametrize("args", [["check"], ["tags"], ["links", "A"], ["export", "--format", "dot"]])
def test_escaped_surrogates_reach_a_real_stdout(escaped_vault, args):
    """A real UTF-8 stdout (CliRunner's is lenient): no encoding error."""
    done = subprocess.run([sys.executable, "-m", "vaultgraph", "--vault", str(escaped_vault),
                           "--no-cache", *args], capture_output=True,
                          env={"PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin"})
    assert done.returncode in (0, 1), done.stderr
    assert b"internal error" not in done.stderr
    done.stdout.decode("utf-8")
