"""The backlink report in every format, and the graph export with round trips."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser

import networkx as nx
import pytest
from click.testing import CliRunner

import vaultgraph
from vaultgraph.cli import cli
from vaultgraph.export import export_graph, write_graph
from vaultgraph.report import ReportOptions, build_report, render

from .conftest import NOTES

HOSTILE_NAMES = {
    "<img src=x onerror=alert(1)>.md": "Links to [[Target]] and [[Quote \"me\", please]].\n",
    "Quote \"me\", please.md": "=cmd|' /C calc'!A0 [[Target]]\nline, with \"commas\" and \"quotes\"\n",
    "Émoji 🔴 日本.md": "[[Target]] #🔴 ^blk\n",
    "Target.md": "# Target\n[[Missing one]] [[Target#Nope]]\n",
    "+plus.md": "@at [[Target]] <b>bold</b>\n",
    "Line\nbreak.md": "A name with a line break links to [[Target]].\n",
}


@pytest.fixture
def hostile_vault(make_vault):
    return vaultgraph.load(make_vault(HOSTILE_NAMES))


def test_report_model(hostile_vault):
    report = build_report(hostile_vault)
    target = next(e for e in report["notes"] if e["path"] == "Target.md")
    assert target["backlink_count"] == 5
    assert {b["source"] for b in target["backlinks"]} == {
        "<img src=x onerror=alert(1)>.md", "Quote \"me\", please.md", "Émoji 🔴 日本.md", "+plus.md",
        "Line\nbreak.md"}
    assert [(o["raw"], o["status"]) for o in target["outgoing"]] == [
        ("Missing one", "unresolved"), ("Target#Nope", "missing-heading")]
    assert [w["name"] for w in report["wanted"]] == ["Missing one"]
    assert {(b["source"], b["status"]) for b in report["broken"]} == {
        ("Target.md", "unresolved"), ("Target.md", "missing-heading")}


def test_report_filters_and_sort(hostile_vault):
    by_backlinks = build_report(hostile_vault, ReportOptions(sort="backlinks"))
    assert by_backlinks["notes"][0]["path"] == "Target.md"
    only = build_report(hostile_vault, ReportOptions(min_backlinks=1))
    assert {e["path"] for e in only["notes"]} == {"Target.md", "Quote \"me\", please.md"}
    tagged = build_report(hostile_vault, ReportOptions(tag="🔴"))
    assert [e["path"] for e in tagged["notes"]] == ["Émoji 🔴 日本.md"]
    globbed = build_report(hostile_vault, ReportOptions(path="T*"))
    assert [e["path"] for e in globbed["notes"]] == ["Target.md"]
    ghosts = build_report(hostile_vault, ReportOptions(include_unresolved=True))
    ghost = next(e for e in ghosts["notes"] if not e["exists"])
    assert ghost["title"] == "Missing one" and ghost["backlinks"][0]["source"] == "Target.md"


def test_csv_is_rfc4180_with_formulas_neutralised(hostile_vault):
    text = render(build_report(hostile_vault), "csv")
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["target", "source", "line", "column", "kind", "context"]
    assert len(rows) == 1 + 6  # five backlinks to Target, one to Quote
    assert "Line\nbreak.md" in {row[1] for row in rows}  # a quoted cell keeps its line break
    contexts = {row[1].lstrip("'"): row[5] for row in rows[1:] if row[0] == "Target.md"}
    assert contexts["Quote \"me\", please.md"].startswith("'=cmd")
    assert contexts["+plus.md"].startswith("'@at")
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert "'+plus.md" in {row[1] for row in rows}


def test_json_report_is_the_model(hostile_vault):
    report = build_report(hostile_vault)
    assert json.loads(render(report, "json")) == json.loads(json.dumps(report))


def test_markdown_report_links_resolve_in_obsidian(hostile_vault, tmp_path):
    text = render(build_report(hostile_vault), "md")
    assert "## Target" in text and "[[#Target]]" in text
    assert "[[Target]]" in text
    # Dropped into the vault, the report's own links must resolve (no new broken links).
    (hostile_vault.root / "Report.md").write_text(text)
    again = vaultgraph.load(hostile_vault.root)
    from vaultgraph.findings import check_vault
    codes = {d.code for d in check_vault(again).diagnostics if d.path == "Report.md"}
    assert codes <= {"ambiguous-link"}, codes


class _Texts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts, self.texts, self.tags = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        (self.scripts if self.tags and self.tags[-1][0] == "script" else self.texts).append(data)


def test_html_is_self_contained_and_escaped(hostile_vault):
    html = render(build_report(hostile_vault), "html")
    parser = _Texts()
    parser.feed(html)
    scripts = [attrs for tag, attrs in parser.tags if tag == "script"]
    assert len(scripts) == 3 and all("src" not in attrs for attrs in scripts)
    assert not any(tag in ("link", "img", "iframe") for tag, _ in parser.tags)
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    csp = next(a["content"] for t, a in parser.tags if a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "connect-src" not in csp and "http" not in csp
    assert "<img" not in html  # the name is never markup...
    assert "\\u003cimg" in html  # ...and in the script data it cannot open a tag
    data = json.loads(html.split('id="report-data">')[1].split("</script>")[0])
    assert set(data["title"]) >= {"<img src=x onerror=alert(1)>", "Target"}
    assert all("\x1b" not in s and "\u202e" not in s for s in data["strings"])


def _page_backlinks(shipped):
    """Each note's backlinks as report.js reads them off the shipped data: the links of
    the other notes in path order (UTF-16 order, as JavaScript compares), unless given."""
    n, ghost = len(shipped["title"]), set(shipped["ghost"])
    strings = shipped["strings"]

    def path(i):
        if i in shipped["file"]:
            return strings[shipped["file"][i]]
        folder = strings[shipped["folder"][i]]
        return (folder + "/" if folder else "") + shipped["title"][i] + ".md"

    backs = {t: list(shipped["backlinks"].get(t, [])) for t in range(n)}
    for s in sorted((i for i in range(n) if i not in ghost), key=lambda i: path(i).encode("utf-16-be")):
        out = shipped["outgoing"][s]
        for k in range(0, len(out), 6):
            t = out[k]
            if 0 <= t < n and t != s and t not in ghost and t not in shipped["backlinks"]:
                backs[t] += [s] + out[k + 1:k + 4]
    return backs


@pytest.mark.parametrize("options", [ReportOptions(include_unresolved=True), ReportOptions(path="[LT]*")],
                         ids=["whole", "sources-left-out"])
def test_html_data_gives_back_every_context_and_link_exactly(hostile_vault, tmp_path, options):
    """Each link is shipped once, its text as a slice of its line, and the contexts as
    parts of one text per line: every backlink (source, line, context), every link's
    text and the backlink's own link in its context must read back as they were, on
    long lines with many links too (windows laid end to end)."""
    from vaultgraph.escape import visible
    from vaultgraph.report.html import data

    long_line = " ".join(f"word{i} 🔴 [[Target|alias {i}]] and more text 日本 here" for i in range(40))
    (hostile_vault.root / "Long.md").write_text(long_line + "\n" + long_line[:300] + "\n")
    (hostile_vault.root / "Twice.md").write_text("[[Target]] then [[Target]] and [x](Target.md)\n")
    vault = vaultgraph.load(hostile_vault.root)
    report = build_report(vault, options)
    shipped = data(report)
    strings, contexts = shipped["strings"], shipped["contexts"]

    def utf16(text, start, end):
        return text.encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le")

    def context(v):  # report.js context(v)
        if v < 0:
            return v * -1 - 2, 0, len(strings[-v - 2].encode("utf-16-le")) // 2, 0
        return tuple(contexts[4 * v:4 * v + 4])

    def text(v):
        string, start, end, cut = context(v)
        return ("..." if cut & 1 else "") + utf16(strings[string], start, end) + ("..." if cut & 2 else "")

    checked = 0
    backs = _page_backlinks(shipped)
    number = {e["path"]: i for i, e in enumerate(report["notes"]) if e["exists"]}
    for i, entry in enumerate(report["notes"]):
        flat = backs[i]
        assert len(flat) == 4 * len(entry["backlinks"])
        for k, link in enumerate(entry["backlinks"]):
            source, line, v, at = flat[4 * k:4 * k + 4]
            assert (source, line) == (number.get(link["source"], source), link["line"])
            assert text(v) == visible(link["context"])
            if link["source"] in number:  # the backlink's own link, found in its context
                raw = next(o["raw"] for o in report["notes"][source]["outgoing"]
                           if (o["line"], o["column"]) == (link["line"], link["column"]))
                assert utf16(strings[context(v)[0]], at, at + len(raw.encode("utf-16-le")) // 2) == visible(raw)
            checked += 1
        out = shipped["outgoing"][i]
        assert len(out) == 6 * len(entry["outgoing"])
        for k, link in enumerate(entry["outgoing"]):
            at, length = out[6 * k + 3], out[6 * k + 4]
            raw = strings[length] if at < 0 else utf16(strings[context(out[6 * k + 2])[0]], at, at + length)
            assert raw == visible(link["raw"])
            assert shipped["statuses"][out[6 * k + 5]] == link["status"]
    assert checked > 45
    if options.path:  # the sources the report leaves out: their links are not shipped
        assert list(shipped["backlinks"]) == [number["Target.md"]]
        return
    shipped_lines = sum(len(s) for s in strings if "[[Target|alias" in s)
    assert len(long_line) < shipped_lines < 1.5 * len(long_line)  # not 40 windows of 240
    assert not any("alias 3" in s and "[[" not in s for s in strings)  # no link text twice
    assert shipped["backlinks"].keys() <= {i for i, e in enumerate(report["notes"]) if not e["exists"]}


def test_cli_report_writes_atomically_to_a_file(make_vault, tmp_path):
    root = make_vault(HOSTILE_NAMES)
    out = tmp_path / "out" / "report.html"
    out.parent.mkdir()
    result = CliRunner().invoke(cli, ["--vault", str(root), "report", "backlinks", "--format",
                                      "html", "-o", str(out)])
    assert result.exit_code == 0 and out.read_text().startswith("<!DOCTYPE html>")
    assert list(out.parent.iterdir()) == [out]  # no temporary file left behind
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)
    stdout = CliRunner().invoke(cli, ["--vault", str(root), "report", "backlinks", "--format", "csv"])
    assert stdout.stdout.startswith("target,source")
    bad = CliRunner().invoke(cli, ["--vault", str(root), "report", "backlinks", "-o",
                                   str(tmp_path / "no" / "such" / "dir" / "r.md")])
    assert bad.exit_code == 2 and "cannot write" in bad.stderr


# -- export ---------------------------------------------------------------------
def _comparable(graph):
    nodes = {n: (d["kind"], d["title"], d["tags"], bool(d["exists"])) for n, d in graph.nodes(data=True)}
    edges = sorted((u, v, d["kind"], int(d["count"])) for u, v, d in graph.edges(data=True))
    return nodes, edges


@pytest.mark.parametrize("fmt, read", [
    ("graphml", lambda text: nx.read_graphml(io.BytesIO(text.encode()), force_multigraph=True)),
    ("gexf", lambda text: nx.read_gexf(io.BytesIO(text.encode()))),
    ("json", lambda text: nx.node_link_graph(json.loads(text), edges="edges")),
])
def test_export_round_trips_through_networkx(hostile_vault, fmt, read):
    graph = export_graph(hostile_vault)
    back = read(write_graph(graph, fmt))
    if fmt == "gexf":  # GEXF keeps the title as the node label
        for _, data in back.nodes(data=True):
            data["title"] = data.get("title", data.get("label"))
    assert _comparable(back) == _comparable(graph)


def test_export_graph_content_and_filters(hostile_vault):
    graph = export_graph(hostile_vault)
    assert graph.nodes["Missing one"]["exists"] is False
    assert graph.nodes["Target.md"]["kind"] == "note"
    assert ("Target.md", "Target.md", "link") in {(u, v, d["kind"]) for u, v, d in graph.edges(data=True)}
    assert "Missing one" not in export_graph(hostile_vault, unresolved=False)
    assert list(export_graph(hostile_vault, tag="🔴").nodes) == ["Émoji 🔴 日本.md"]
    around = export_graph(hostile_vault, around="+plus.md", depth=1)
    assert set(around.nodes) == {"+plus.md", "Target.md"}


def test_dot_mermaid_and_csv_exports(hostile_vault):
    graph = export_graph(hostile_vault)
    dot = write_graph(graph, "dot")
    assert dot.startswith("digraph vault {") and dot.rstrip().endswith("}")
    assert '"Quote \\"me\\", please.md" -> "Target.md"' in dot
    assert dot.count(" -> ") == graph.number_of_edges()
    mermaid = write_graph(graph, "mermaid")
    assert mermaid.startswith("flowchart LR") and "#quot;" in mermaid and "<script>" not in mermaid
    rows = list(csv.reader(io.StringIO(write_graph(graph, "csv"))))
    assert rows[0] == ["source", "target", "kind", "count", "target_exists"]
    assert len(rows) - 1 == graph.number_of_edges()
    assert ["'+plus.md", "Target.md", "link", "1", "True"] in rows


@pytest.mark.skipif(not NOTES.is_dir(), reason="sample vault missing")
@pytest.mark.parametrize("fmt", ["md", "csv", "json", "html"])
def test_every_report_format_on_the_sample_vault(fmt, tmp_path):
    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(cli, ["--vault", str(NOTES), "report", "backlinks", "--format", fmt,
                                      "-o", str(out)])
    assert result.exit_code == 0
    text = out.read_text()
    assert "Neuroplasticity" in text and "BDNF" in text


@pytest.mark.skipif(not NOTES.is_dir(), reason="sample vault missing")
@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json", "dot", "mermaid", "csv"])
def test_every_export_format_on_the_sample_vault(fmt):
    result = CliRunner().invoke(cli, ["--vault", str(NOTES), "export", "--format", fmt])
    assert result.exit_code == 0 and "Neuroplasticity" in result.stdout
