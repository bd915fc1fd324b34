"""JSON Canvas files: their links (file nodes, links in text nodes), read as kind `canvas`,
counted in backlinks, orphans, the graph and check, from the index too."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st
from click.testing import CliRunner

import vaultgraph
from vaultgraph import canvas
from vaultgraph.canvas import parse_canvas, read_canvas_bytes
from vaultgraph.cli import cli



def _canvas(*nodes, edges=()) -> bytes:
    """A canvas as Obsidian writes one: a node or edge per line, its id first."""
    def rows(items):
        return ",\n".join("\t\t" + json.dumps(item, separators=(",", ":"), ensure_ascii=False)
                          for item in items)
    return ('{\n\t"nodes":[\n' + rows(nodes) + '\n\t],\n\t"edges":[\n' + rows(edges)
            + "\n\t]\n}").encode()


def _file(node_id, file, subpath=None):
    node = {"id": node_id, "type": "file", "file": file, "x": 0, "y": 0, "width": 1, "height": 1}
    if subpath is not None:
        node["subpath"] = subpath
    return node


def _text(node_id, text):
    return {"id": node_id, "type": "text", "text": text, "x": 0, "y": 0, "width": 1, "height": 1}


@pytest.mark.parametrize("data, links, codes", [
    (_canvas(_file("a1", "Notes/Note.md")),
     [("Notes/Note.md", "Notes/Note.md", None, False, "a1")], []),
    (_canvas(_file("a1", "Note.md", "#Heading")),
     [("Note.md#Heading", "Note.md", "Heading", False, "a1")], []),
    (_canvas(_file("a1", "Note.md", "#^blk")),
     [("Note.md#^blk", "Note.md", "^blk", False, "a1")], []),
    (_canvas(_file("a1", "pic.png")), [("pic.png", "pic.png", None, False, "a1")], []),
    (_canvas(_text("t1", "See [[One]] and ![[Two#Part|x]]\n\n- [md](Three.md)")),
     [("One", "One", None, False, "t1"), ("Two#Part", "Two", "Part", True, "t1"),
      ("Three.md", "Three.md", None, False, "t1")], []),
    (_canvas(_text("t1", "`[[code]]`\n```\n[[fenced]]\n```\n<!-- [[html]] -->")), [], []),
    (_canvas({"id": "g", "type": "group", "label": "[[Group]]"},
             {"id": "l", "type": "link", "url": "https://example.com/[[x]]"}), [], []),
    (_canvas(_text("t1", "x"), edges=[{"id": "e", "fromNode": "t1", "toNode": "t1",
                                       "label": "[[Edge label]]"}]), [], []),
    (b'{"nodes": [', [], ["invalid-canvas"]),
    (b"[1, 2]", [], ["invalid-canvas"]),
    (b'{"nodes": {"id": "x"}}', [], ["invalid-canvas"]),
    (b'{"nodes": ["text", 3, null, {"id": "a", "type": "file", "file": "Kept.md"}]}',
     [("Kept.md", "Kept.md", None, False, "a")], ["invalid-canvas"]),
    (b'{"nodes": [{"id": "a", "type": "file"}, {"id": "b", "type": "file", "file": 7}]}',
     [], ["invalid-canvas"]),
    (b'{"nodes": [{"type": "file", "file": "No id.md"}]}',
     [("No id.md", "No id.md", None, False, None)], []),
    # a text node's would-be links are reported too, named by node (nothing dropped silently)
    (_canvas(_text("t1", "[[Open\n\n[[Shut]]\n\n[t](My Note.md)")),
     [("Shut", "Shut", None, False, "t1")], ["unclosed-link", "space-in-link"]),
    (_canvas(_text("t1", "| a |\n|---|\n![[pic.png|372]]")), [], ["cut-link"]),
    (_canvas(_text("t1", "no bracket at all"), _text("t2", "`[[code`")), [], []),
    (b"", [], []),  # Obsidian writes a new canvas empty
    (b"{}", [], []),
    (b'\xef\xbb\xbf{"nodes": []}', [], []),
    (b'{"nodes": [], "x": "\xff"}', [], ["invalid-canvas"]),
    (b"[" * 100_000 + b"]" * 100_000, [], ["invalid-canvas"]),
])
def test_canvas_links(data, links, codes):
    note = parse_canvas("board.canvas", data)
    assert [(l.raw, l.path, l.subpath, l.embed, l.node) for l in note.links] == links
    assert {l.kind for l in note.links} <= {"canvas"}
    assert [d.code for d in note.diagnostics] == codes
    assert all(d.path == "board.canvas" and d.line >= 1 for d in note.diagnostics)


def test_canvas_link_positions_are_where_the_node_id_is_written():
    data = b'{\n\t"nodes":[\n\t\t{"type":"file","file":"A.md","id":"n\\u0031"},\n' \
           b'\t\t{"id" : "t2","type":"text","text":"x\\n[[B]]"}\n\t]\n}'
    note = parse_canvas("board.canvas", data)
    assert [(l.node, l.line, l.column) for l in note.links] == [("n1", 3, 37), ("t2", 4, 11)]
    assert note.links[1].context == "text node t2: [[B]]"
    bad = parse_canvas("board.canvas", b'{\n  "nodes": [,]\n}')
    assert (bad.diagnostics[0].line, bad.diagnostics[0].column) == (2, 13)


def test_canvas_is_read_only_when_a_bounded_regular_file(tmp_path, monkeypatch):
    (tmp_path / "big.canvas").write_bytes(_canvas(_file("a", "A.md")))
    monkeypatch.setattr(canvas, "MAX_CANVAS_BYTES", 10)
    data, problems = read_canvas_bytes(tmp_path, "big.canvas")
    assert data is None and [p.code for p in problems] == ["too-large"]
    os.mkfifo(tmp_path / "pipe.canvas")  # opened without blocking, then refused
    data, problems = read_canvas_bytes(tmp_path, "pipe.canvas")
    assert data is None and [p.code for p in problems] == ["unreadable-file"]
    (tmp_path / "folder.canvas").mkdir()
    assert read_canvas_bytes(tmp_path, "folder.canvas")[0] is None


@pytest.fixture
def board(make_vault):
    return make_vault({
        "Boards/plan.canvas": _canvas(
            _file("f1", "Only on canvas.md", "#Part"),
            _file("f2", "Missing note.md"),
            _text("t1", "Ideas: [[Linked]] and [[Nowhere]]"),
            {"id": "g1", "type": "group", "label": "Group"}),
        "Boards/broken.canvas": b'{"nodes": [',
        "Only on canvas.md": "# Part\n",
        "Linked.md": "[[plan.canvas]] and [[Boards/plan.canvas#x]]\n",
        "Lonely.md": "nothing\n",
    })


def _run(root, *args, cache=True):
    runner = CliRunner()
    where = [] if cache else ["--no-cache"]
    return runner.invoke(cli, ["--vault", str(root), *where, *args])


@pytest.mark.parametrize("cache", [True, False])
def test_canvas_links_through_the_cli(board, cache):
    result = _run(board, "backlinks", "Only on canvas", "--json", cache=cache)
    assert json.loads(result.output)["backlinks"] == [
        {"source": "Boards/plan.canvas", "line": 3, "column": 9, "kind": "canvas",
         "context": "file node f1: Only on canvas.md#Part", "node": "f1"}]
    text = _run(board, "backlinks", "Linked", cache=cache).output
    assert "Boards/plan.canvas" in text and "text node t1: Ideas: [[Linked]]" in text
    orphans = json.loads(_run(board, "orphans", "--json", cache=cache).output)
    assert orphans["orphans"] == ["Lonely.md"]  # not the notes used only on the canvas
    check = _run(board, "check", "--format", "json", cache=cache)
    assert check.exit_code == 1
    found = [(d["path"], d["line"], d["code"], d["target"])
             for d in json.loads(check.output)["diagnostics"]]
    assert found == [
        ("Boards/broken.canvas", 1, "invalid-canvas", None),
        ("Boards/plan.canvas", 4, "unresolved-link", "Missing note.md"),
        ("Boards/plan.canvas", 5, "unresolved-link", "Nowhere"),
    ]  # the link to the canvas resolves, and its fragment is not a heading to look for
    messages = json.loads(check.output)["diagnostics"]
    assert "(canvas node f2)" in messages[1]["message"]
    assert json.loads(check.output)["summary"]["notes"] == 3  # a canvas is not a note
    wanted = json.loads(_run(board, "wanted", "--json", cache=cache).output)
    assert "Missing note.md" in [row["name"] for row in wanted["wanted"]]


@pytest.mark.parametrize("cache", [True, False])
def test_invalid_canvas_is_a_code_check_can_select_and_ignore(board, cache):
    selected = _run(board, "check", "--select", "invalid-canvas", "--format", "json",
                    cache=cache)
    assert selected.exit_code == 1, selected.output
    assert [d["code"] for d in json.loads(selected.output)["diagnostics"]] == ["invalid-canvas"]
    ignored = _run(board, "check", "--ignore", "invalid-canvas,unresolved-link", cache=cache)
    assert ignored.exit_code == 0, ignored.output
    assert "invalid-canvas" not in ignored.output


def test_canvas_in_the_graph_and_stats(board):
    vault = vaultgraph.load(board)
    edges = [(s, t, d["kind"]) for s, t, d in vault.graph.edges(data=True)
             if s == "Boards/plan.canvas"]
    assert ("Boards/plan.canvas", "Only on canvas.md", "canvas") in edges
    assert vault.graph.nodes["Boards/plan.canvas"]["kind"] == "attachment"
    assert "Boards/plan.canvas" not in vault.notes
    stats = json.loads(_run(board, "stats", "--json").output)
    assert stats["orphans"] == 1 and stats["notes"] == 3


def test_canvas_edits_reach_the_index_and_check(board, tmp_path):
    cache = tmp_path / "cache"

    def run(*args):
        kept = CliRunner().invoke(cli, ["--vault", str(board), "--cache-dir", str(cache), *args])
        fresh = CliRunner().invoke(cli, ["--vault", str(board), "--no-cache", *args])
        assert kept.output == fresh.output
        return kept.output

    run("check", "--format", "json")
    assert "Lonely.md" in run("orphans")
    plan = board / "Boards" / "plan.canvas"
    plan.write_bytes(_canvas(_file("f9", "Lonely.md"), _file("f2", "Missing note.md")))
    stat = plan.stat()
    os.utime(plan, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert "Lonely.md" not in run("orphans") and "Only on canvas.md" in run("orphans")
    assert '"node": "f9"' in run("backlinks", "Lonely", "--json")
    output = run("check", "--format", "json")
    assert "Nowhere" not in output and "Missing note.md" in output
    plan.unlink()
    assert "Missing note.md" not in run("check", "--format", "json")
    assert "Lonely.md" in run("orphans")


def test_a_note_renamed_to_a_canvas_is_read_as_a_canvas(make_vault, tmp_path):
    """A moved file with the same bytes reuses its parse -- only if read the same way."""
    root = make_vault({"Idea.md": "[[Target]]\n", "Target.md": "x\n"})
    cache = tmp_path / "cache"
    args = ["check", "--format", "json"]
    CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache), *args])
    (root / "Idea.md").rename(root / "Idea.canvas")
    kept = CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(cache), *args])
    fresh = CliRunner().invoke(cli, ["--vault", str(root), "--no-cache", *args])
    assert kept.output == fresh.output
    assert [d["code"] for d in json.loads(kept.output)["diagnostics"]] == ["invalid-canvas"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    | st.sampled_from(["file", "text", "group", "link", "#", "#H", "[[A]]", "A.md"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["id", "type", "file", "subpath", "text", "nodes",
                                       "edges", "url"]), inner, max_size=5),
    max_leaves=20)


@pytest.mark.slow
@given(st.one_of(st.binary(max_size=200), JSON_VALUES.map(lambda v: json.dumps(v).encode()),
                 st.lists(JSON_VALUES, max_size=5).map(
                     lambda nodes: json.dumps({"nodes": nodes}).encode())))
def test_any_bytes_give_links_or_a_diagnostic_never_an_exception(data):
    note = canvas.canvas_from_bytes("b.canvas", data, [])
    assert all(link.kind == "canvas" and link.line >= 1 and link.column >= 1
               for link in note.links)
    assert all(d.path == "b.canvas" for d in note.diagnostics)


@pytest.mark.parametrize("cache", [True, False])
def test_would_be_links_on_a_canvas_are_reported(make_vault, cache):
    vault = make_vault({
        "board.canvas": _canvas(_text("t1", "ok"), _text("t9", "See [[Half\n\n%% [[Later %%")),
        "Note.md": "x\n",
    })
    result = _run(vault, "check", "--format", "json", cache=cache)
    rows = [(d["path"], d["line"], d["code"]) for d in json.loads(result.output)["diagnostics"]]
    assert rows == [("board.canvas", 4, "unclosed-link"), ("board.canvas", 4, "unclosed-link")]
    messages = [d["message"] for d in json.loads(result.output)["diagnostics"]]
    assert all("(canvas node t9)" in m for m in messages)
    hidden = _run(vault, "check", "--format", "json", "--commented", "ignore", cache=cache)
    assert len(json.loads(hidden.output)["diagnostics"]) == 1  # the one inside %%…%%


def test_index_counts_one_note_and_one_canvas_in_the_singular(make_vault, tmp_path):
    root = make_vault({"One.md": "[[b.canvas]]\n", "b.canvas": _canvas(_file("f1", "One.md"))})
    result = CliRunner().invoke(cli, ["--vault", str(root), "--cache-dir", str(tmp_path / "c"),
                                      "index"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "1 note and 1 canvas: 2 parsed, 0 from the index, 0 removed")
