"""The report as one self-contained HTML file: no network requests, CSS and JS inline.

Everything from the vault is escaped here (``escape``: its control characters
and bidi overrides shown, ``escape.visible``, then ``html.escape``) or handed to
the script as JSON that cannot close its ``<script>`` element and holds no raw
control character; the script only ever sets ``textContent``.  The graph view
is a small force layout drawn on a canvas (``report.js``), for the whole vault
and for each note's neighbourhood.
"""

from __future__ import annotations

import html
import json
from importlib.resources import files
from typing import Any

from ..escape import INVISIBLE, visible

MAX_GRAPH_NODES = 1500  # the whole-vault view keeps the most linked notes beyond this
STATUS_CLASS = {"resolved": "ok", "ambiguous": "warn"}


def escape(text: str) -> str:
    """Vault text for HTML text or a quoted attribute: its control characters, line
    breaks and bidi overrides shown as in every document people read (``\\x1b``,
    ``\\u202e``: raw, an override reorders what the page shows and ESC reaches a
    terminal the report is printed to), then ``&<>"'`` as entities."""
    return html.escape(visible(text))


def _script_json(data: Any) -> str:
    """JSON that is safe inside <script>: no '<', '>', '&', and no raw control
    character, line separator or bidi override (each a ``\\uXXXX`` escape)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, safe in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, safe)
    return INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _graph(report: dict[str, Any], anchors: dict[str, str]) -> dict[str, Any]:
    entries = [e for e in report["notes"] if e["exists"]]
    index = {e["path"]: i for i, e in enumerate(entries)}
    edges = sorted({(index[e["path"]], index[link["target"]])
                    for e in entries for link in e["outgoing"]
                    if link["target"] in index and link["target"] != e["path"]})
    nodes = [{"title": visible(e["title"]), "anchor": anchors[e["path"]],
              "backlinks": e["backlink_count"]} for e in entries]
    return {"nodes": nodes, "edges": edges, "limit": MAX_GRAPH_NODES}


def _verdict_text(claim: dict[str, Any]) -> str:
    """A claim's verdict in words: ``contested, yet sourced directly``..."""
    text = claim["verdict"].replace("-", " ")
    if claim["contested"]:
        text += {"directly": ", yet sourced directly", "indirectly": ", yet sourced indirectly",
                 "no": " and unsourced"}[claim["sourced"]]
    return text


def _step_label(step: dict[str, Any], note_link, title_of) -> str:
    if step["note"]:
        label = note_link(step["note"], title_of(step["note"]))
    elif step["role"] == "person":
        label = f"{escape(step['title'])} (quoted): <q>{escape(step.get('quote') or '')}</q>"
    else:
        label = f"<span class=\"outside\">{escape(step['title'])}</span>"
    details = escape(step["via"]) + (f", {escape(step['locator'])}" if step["locator"] else "")
    notes = [f'<span class="muted">{escape(step["role"])} · via {details}</span>']
    if step.get("uncited"):
        notes.append('<span class="status bad">tied to no citation</span>')
    if step.get("cycle"):
        notes.append('<span class="status warn">cycle</span>')
    if step.get("repeated"):
        notes.append('<span class="muted">(shown above)</span>')
    return label + " " + " ".join(notes)


def _provenance(section: dict[str, Any] | None, add, note_link, title_of) -> None:
    """The report's provenance: each claim's verdict and evidence tree (nested lists),
    then each source with the claims resting on it."""
    if not section or not (section["claims"] or section["sources"]):
        return

    def tree(steps: list[dict[str, Any]]) -> None:
        add("<ul>")
        for step in steps:
            add(f"<li>{_step_label(step, note_link, title_of)}")
            if step.get("rests_on"):
                tree(step["rests_on"])
            add("</li>")
        add("</ul>")

    add(f'<section id="provenance"><h2>Provenance ({len(section["claims"])} claims)</h2>')
    for claim in section["claims"]:
        target = note_link(claim["note"], claim["title"])
        anchor = target.split('href="#', 1)[1].split('"', 1)[0] if 'href="#' in target else ""
        cls = "bad" if claim["verdict"] in ("unsourced", "contested") else "ok"
        add(f'<div class="claim" id="p-{anchor}"><h3>{target} '
            f'<span class="status {cls}">{escape(_verdict_text(claim))}</span></h3>')
        tree(claim["rests_on"])
        if claim["opposed_by"]:
            add("<p>Opposed by:</p>")
            tree(claim["opposed_by"])
        add("</div>")
    if section["sources"]:
        add("<h3>Sources and the claims resting on them</h3><dl>")
        for source in section["sources"]:
            add(f"<dt>{note_link(source['note'], title_of(source['note']))} "
                f"<span class=\"count\">{len(source['dependents'])}</span></dt><dd>")
            add(", ".join(f"{note_link(row['note'], row['title'])} "
                          f"<span class=\"muted\">{row['depth']} step"
                          f"{'s' if row['depth'] != 1 else ''}</span>"
                          for row in source["dependents"]) or '<span class="muted">none</span>')
            add("</dd>")
        add("</dl>")
    add("</section>")


def render(report: dict[str, Any]) -> str:
    anchors = {e["path"]: f"n-{i}" for i, e in enumerate(report["notes"]) if e["exists"]}
    tag_anchors = {row["tag"].lower(): f"t-{i}" for i, row in enumerate(report["tags"])}
    summary = report["summary"]
    verdicts = {claim["note"]: _verdict_text(claim)
                for claim in (report.get("provenance") or {}).get("claims", ())}
    out: list[str] = []
    add = out.append

    def note_link(path: str | None, label: str | None = None, cls: str = "") -> str:
        text = escape(label if label is not None else (path or ""))
        if path in anchors:
            return f'<a class="{cls}" href="#{anchors[path]}">{text}</a>'
        return f'<span class="{cls} outside">{text}</span>'

    def title_of(path: str) -> str:
        name = path.rsplit("/", 1)[-1]
        return name[:-3] if name.lower().endswith(".md") else name

    add("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">")
    add('<meta name="viewport" content="width=device-width, initial-scale=1">')
    add("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">")
    add(f"<title>Backlink report: {escape(report['vault'])}</title>")
    add(f"<style>{files(__package__).joinpath('report.css').read_text(encoding='utf-8')}</style>")
    add("</head>\n<body>")
    add(f"<header><h1>Backlinks of <em>{escape(report['vault'])}</em></h1>"
        f"<p class=\"summary\">{summary['notes']} notes · {summary['backlinks']} backlinks · "
        f"<a href=\"#broken\">{summary['broken']} broken links</a> · "
        f"<a href=\"#wanted\">{summary['wanted']} wanted notes</a> · <a href=\"#tags\">tags</a></p>"
        "</header>")
    add('<div class="layout"><nav aria-label="Notes">')
    add('<input id="search" type="search" placeholder="Search notes, aliases, paths…" '
        'autocomplete="off" aria-label="Search notes">')
    add('<p id="search-count" class="muted"></p><ul id="note-list">')
    for entry in report["notes"]:
        haystack = " ".join([entry["title"], *entry["aliases"], entry["path"] or ""]).lower()
        target = anchors.get(entry["path"])
        label = escape(entry["title"])
        link = f'<a href="#{target}">{label}</a>' if target else f'<span class="ghost">{label}</span>'
        add(f'<li data-search="{escape(haystack)}">{link} '
            f'<span class="count">{entry["backlink_count"]}</span></li>')
    add("</ul></nav><main>")
    add('<section id="graph-panel" aria-label="Graph"><div class="graph-bar">'
        '<strong id="graph-title">Whole vault</strong>'
        '<button id="graph-all" type="button">Whole vault</button>'
        '<label>Depth <select id="graph-depth"><option>1</option><option selected>2</option>'
        '<option>3</option></select></label></div>'
        '<canvas id="graph" width="960" height="420"></canvas>'
        '<p class="muted">Click a node to open its note; the view follows the note you open.</p>'
        "</section>")
    for entry in report["notes"]:
        if not entry["exists"]:
            continue
        add(f'<article id="{anchors[entry["path"]]}" class="note">')
        add(f"<h2>{escape(entry['title'])}</h2><p class=\"path\">{escape(entry['path'])}</p>")
        if entry["aliases"]:
            add("<p>Aliases: " + ", ".join(f"<em>{escape(a)}</em>" for a in entry["aliases"]) + "</p>")
        if entry["tags"]:
            add("<p>" + " ".join(
                f'<a class="tag" href="#{tag_anchors.get(t.lower(), "tags")}">#{escape(t)}</a>'
                for t in entry["tags"]) + "</p>")
        if entry["path"] in verdicts:
            add(f'<p class="verdict">Claim: <a href="#p-{anchors[entry["path"]]}">'
                f"{escape(verdicts[entry['path']])}</a></p>")
        add(f"<h3>Backlinks ({entry['backlink_count']})</h3><ul class=\"backlinks\">")
        for link in entry["backlinks"]:
            add(f"<li>{note_link(link['source'], title_of(link['source']), 'backlink')} "
                f"<span class=\"muted\">line {link['line']}</span>"
                f"<blockquote>{escape(link['context'])}</blockquote></li>")
        add("</ul>")
        if entry["outgoing"]:
            add(f"<h3>Outgoing ({len(entry['outgoing'])})</h3><ul class=\"outgoing\">")
            for link in entry["outgoing"]:
                target = (note_link(link["target"], title_of(link["target"]))
                          if link["target"] else f"<code>{escape(link['raw'])}</code>")
                add(f"<li>{target} <span class=\"status {STATUS_CLASS.get(link['status'], 'bad')}\">"
                    f"{escape(link['status'])}</span> <span class=\"muted\">line {link['line']}"
                    f"</span></li>")
            add("</ul>")
        add("</article>")
    _provenance(report.get("provenance"), add, note_link, title_of)
    add('<section id="tags"><h2>Tags</h2><dl>')
    for row in report["tags"]:
        add(f'<dt id="{tag_anchors[row["tag"].lower()]}">#{escape(row["tag"])} '
            f'<span class="count">{row["total"]}</span></dt><dd>'
            + ", ".join(note_link(p, title_of(p)) for p in row["notes"]) + "</dd>")
    add("</dl></section>")
    add(f'<section id="wanted"><h2>Wanted notes ({len(report["wanted"])})</h2><ul>')
    for row in report["wanted"]:
        add(f"<li><strong>{escape(row['name'])}</strong> <span class=\"count\">{row['notes']}</span> "
            + ", ".join(f"{note_link(link['source'], title_of(link['source']))} "
                        f"<span class=\"muted\">line {link['line']}</span>" for link in row["links"])
            + "</li>")
    add("</ul></section>")
    add(f'<section id="broken"><h2>Broken links ({len(report["broken"])})</h2><table>'
        "<thead><tr><th>note</th><th>line</th><th>link</th><th>problem</th></tr></thead><tbody>")
    for link in report["broken"]:
        add(f"<tr><td>{note_link(link['source'], title_of(link['source']))}</td><td>{link['line']}</td>"
            f"<td><code>{escape(link['raw'])}</code></td><td>{escape(link['status'])}</td></tr>")
    add("</tbody></table></section></main></div>")
    add(f'<script type="application/json" id="graph-data">{_script_json(_graph(report, anchors))}'
        "</script>")
    add(f"<script>{files(__package__).joinpath('report.js').read_text(encoding='utf-8')}</script>")
    add("</body>\n</html>\n")
    return "\n".join(out)
