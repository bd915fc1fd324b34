"""The report as one self-contained HTML file: no network requests, CSS and JS inline.

The page is built in the browser from one compact JSON document (``data``): each
note once, by number; each path, context, link text, tag and alias once, in a
table of strings (``strings``), referred to by number.  So the file grows with
what the vault holds, never with how often a string is repeated, and the page
shows what is asked for: a virtual note list (rows drawn as they scroll into
view), the note that is open, the tags, wanted notes and broken links when
opened.  ``report.js`` draws it; the graph is sigma.js (WebGL) with graphology
and ForceAtlas2 in a web worker, bundled as ``vendor/graph.min.js`` (licences
at its top; ``make vendor`` rebuilds it from tools/report-vendor).

Everything from the vault is handed to the script as JSON that cannot close its
``<script>`` element and holds no raw control character (each string first
``escape.visible``: its control characters and bidi overrides shown); the script
only ever sets ``textContent`` and attribute values, never HTML.  The page's
Content-Security-Policy forbids every network request; the layout's worker runs
from a ``blob:`` URL (``worker-src blob:``), which is the page's own code.
"""

from __future__ import annotations

import html
import json
import re
from importlib.resources import files
from typing import Any

from ..escape import INVISIBLE, visible

GRAPH_LIMIT = 2000  # the whole-vault view keeps the most linked notes beyond this
NEIGHBOURHOOD_LIMIT = 300  # a note's neighbourhood draws at most this many notes
OK_STATUSES = ("resolved", "ambiguous")
CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "img-src data:; worker-src blob:")
_SCRIPT_END = re.compile(r"</script|<!--", re.IGNORECASE)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _utf16(text: str) -> int:
    """The length of ``text`` in UTF-16 code units (JavaScript's ``length``)."""
    return len(text) + len(_ASTRAL.findall(text))


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


def _inline_script(name: str) -> str:
    """A script of this package (or its vendor folder), checked to be inlinable: a
    ``</script`` or ``<!--`` in it would end or derail its ``<script>`` element."""
    text = files(__package__).joinpath(name).read_text(encoding="utf-8")
    if _SCRIPT_END.search(text):
        raise ValueError(f"{name} cannot be inlined: it holds </script or <!--")
    return text


class _Strings:
    """A table of distinct strings, each shown (``visible``) once: string -> number."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.numbers: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        number = self.numbers.get(text)
        if number is None:
            number = self.numbers[text] = len(self.items)
            self.items.append(visible(text))
        return number


class _Contexts:
    """The contexts of the links of each line, shipped as parts of one text per line.

    A long line's contexts are windows of it (``model.LineText.context``), each link's
    around its own column: shipped one by one, a line with ten links would be shipped
    ten times over.  Here the windows of one line are laid end to end where they
    overlap into one text, and each context is (text, start, end, cut) -- offsets in
    UTF-16 code units, as JavaScript's ``slice`` counts them; ``cut`` 1 when
    ``...`` comes before, 2 after, 3 both.  Only text the contexts show is shipped,
    and a context reads back exactly (tests/test_report.py)."""

    def __init__(self, strings: _Strings) -> None:
        self.strings = strings
        # (source, line) -> {context: the lowest column it is the context of}
        self.wanted: dict[tuple[int, int], dict[str, int]] = {}
        self.refs: dict[tuple[int, int, str], int] = {}
        self.flat: list[int] = []

    def want(self, source: int, line: int, column: int, context: str) -> None:
        """First pass: every context that will be asked for."""
        found = self.wanted.get((source, line))
        if found is None:
            self.wanted[(source, line)] = {context: column}
        elif found.get(context, column) >= column:
            found[context] = column

    def lay_out(self) -> None:
        """Lay each line's contexts end to end, in column order, into as few texts as
        their overlaps allow; then number the texts."""
        strings, flat, refs = self.strings, self.flat, self.refs
        for (source, line), found in self.wanted.items():
            if len(found) == 1:  # a short line: its one context, whole
                ((context, _),) = found.items()
                shown, cut = _uncut(visible(context))
                number = strings(shown)
                refs[(source, line, context)] = len(flat) // 4
                flat += (number, 0, _utf16(shown), cut)
                continue
            merged: list[str] = []
            places = []
            for context, _column in sorted(found.items(), key=lambda item: item[1]):
                shown, cut = _uncut(visible(context))
                start = merged[-1].find(shown) if merged else -1
                if start < 0 and merged:
                    last = merged[-1]
                    at = last.find(shown[:40]) if shown else -1
                    if at >= 0 and shown.startswith(last[at:]):
                        merged[-1] = last[:at] + shown
                        start = at
                if start < 0:
                    merged.append(shown)
                    start = 0
                places.append((context, len(merged) - 1, start, start + len(shown), cut))
            numbers = [strings(text) for text in merged]
            astral = [_ASTRAL.search(text) is not None for text in merged]
            for context, k, start, end, cut in places:
                if astral[k]:  # offsets in UTF-16 code units, as JavaScript counts them
                    text = merged[k]
                    start, end = _utf16(text[:start]), _utf16(text[:start]) + _utf16(text[start:end])
                refs[(source, line, context)] = len(flat) // 4
                flat += (numbers[k], start, end, cut)

    def __call__(self, source: int, line: int, column: int, context: str) -> int:
        """Second pass: the number of the context (in ``flat``)."""
        return self.refs[(source, line, context)]


def _uncut(shown: str) -> tuple[str, int]:
    """A context without the ``...`` that marks where it was cut, and which cuts
    (1: before, 2: after)."""
    cut = 0
    if shown.startswith("...") and len(shown) > 3:
        shown, cut = shown[3:], 1
    if shown.endswith("...") and len(shown) > 3:
        shown, cut = shown[:-3], cut | 2
    return shown, cut


def _shown(value: Any) -> Any:
    """``value`` (JSON: dicts, lists, strings...) with every string ``visible``."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {key: _shown(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shown(item) for item in value]
    return value


def data(report: dict[str, Any]) -> dict[str, Any]:
    """The report (``build_report``'s model) as the page reads it.

    Notes are numbered in report order (0..N-1); a path the report links to that is
    no entry of it (a note filtered out, a canvas) is numbered N, N+1, ... in
    ``others`` (string numbers of its path).  Per note: ``title`` (string),
    ``folder`` (string number), ``file`` (note -> path string number, where the
    path is not ``folder/title.md``), ``ghost`` (notes that do not exist: wanted
    names), ``aliases`` and ``tags`` (note -> string numbers), ``role``
    (number in ``roles``), ``backlinks`` (flat: source, line, column, context, ...;
    context k is ``contexts[4k:4k+4]``: string, start, end, cut -- see _Contexts) and ``outgoing`` (flat: target or -1, line, column, link text
    string, status number in ``statuses``, ...).  ``tags``: [tag string, total,
    [notes]]; ``wanted``: [name string, notes, [source, line, column, context, ...]];
    ``broken``: flat [note, index of the link in its outgoing, ...].  The graph is
    drawn from ``outgoing`` (the links from one existing note to another).
    ``provenance``: note -> its ``provenance`` (a claim) or ``dependents`` (a source)
    as build_report gives them."""
    strings = _Strings()
    entries = report["notes"]
    number = {e["path"]: i for i, e in enumerate(entries) if e["exists"]}
    others: list[int] = []

    def note(path: str | None) -> int:
        if path is None:
            return -1
        found = number.get(path)
        if found is None:
            found = number[path] = len(entries) + len(others)
            others.append(strings(path))
        return found

    statuses: dict[str, int] = {}
    roles: dict[str, int] = {}
    titles, folders, files_, ghosts, aliases, tags, role = [], [], {}, [], {}, {}, []
    for i, entry in enumerate(entries):
        titles.append(visible(entry["title"]))
        path = entry["path"]
        if path is None:
            ghosts.append(i)
            folders.append(strings(""))
        else:
            folder = path.rsplit("/", 1)[0] if "/" in path else ""
            folders.append(strings(folder))
            if path != (folder + "/" if folder else "") + entry["title"] + ".md":
                files_[i] = strings(path)
        if entry["aliases"]:
            aliases[i] = [strings(a) for a in entry["aliases"]]
        if entry["tags"]:
            tags[i] = [strings(t) for t in entry["tags"]]
        role.append(roles.setdefault(entry.get("role", "note"), len(roles)))
    contexts = _Contexts(strings)
    for entry in entries:
        for link in entry["backlinks"]:
            contexts.want(note(link["source"]), link["line"], link["column"], link["context"])
    for row in report["wanted"]:
        for link in row["links"]:
            contexts.want(note(link["source"]), link["line"], link["column"], link["context"])
    contexts.lay_out()
    provenance = {i: _shown({k: entry[k] for k in ("provenance", "dependents") if k in entry})
                  for i, entry in enumerate(entries) if "provenance" in entry or "dependents" in entry}
    backlinks, outgoing, broken = [], [], []
    broken_keys = {(b["source"], b["line"], b["column"], b["raw"]) for b in report["broken"]}
    for i, entry in enumerate(entries):
        flat: list[int] = []
        for link in entry["backlinks"]:
            source = note(link["source"])
            flat += (source, link["line"], link["column"],
                     contexts(source, link["line"], link["column"], link["context"]))
        backlinks.append(flat)
        flat = []
        for k, link in enumerate(entry["outgoing"]):
            target = note(link["target"])
            flat += (target, link["line"], link["column"], strings(link["raw"]),
                     statuses.setdefault(link["status"], len(statuses)))
            if entry["exists"] and (entry["path"], link["line"], link["column"],
                                    link["raw"]) in broken_keys:
                broken += (i, k)
        outgoing.append(flat)
    tag_rows = [[strings(row["tag"]), row["total"], [note(p) for p in row["notes"]]]
                for row in report["tags"]]
    wanted = []
    for row in report["wanted"]:
        flat = []
        for link in row["links"]:
            source = note(link["source"])
            flat += (source, link["line"], link["column"],
                     contexts(source, link["line"], link["column"], link["context"]))
        wanted.append([strings(row["name"]), row["notes"], flat])
    return {
        "vault": visible(report["vault"]), "summary": report["summary"],
        "title": titles, "folder": folders, "file": files_, "ghost": ghosts,
        "aliases": aliases, "tags_of": tags, "role": role, "roles": list(roles),
        "backlinks": backlinks, "outgoing": outgoing, "statuses": list(statuses),
        "others": others, "tags": tag_rows, "wanted": wanted, "broken": broken,
        "contexts": contexts.flat, "provenance": provenance, "limits": {"graph": GRAPH_LIMIT, "neighbourhood": NEIGHBOURHOOD_LIMIT},
        "strings": strings.items,
    }


def render(report: dict[str, Any]) -> str:
    """The whole page: a skeleton the script fills from the JSON in ``#report-data``."""
    summary = report["summary"]
    css = files(__package__).joinpath("report.css").read_text(encoding="utf-8")
    return "\n".join([
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>Backlink report: {escape(report['vault'])}</title>",
        f"<style>{css}</style>",
        "</head>\n<body>",
        f"<header><h1>Backlinks of <em>{escape(report['vault'])}</em></h1>"
        f'<p class="summary">{summary["notes"]} notes · {summary["backlinks"]} backlinks · '
        f'<a href="#broken">{summary["broken"]} broken links</a> · '
        f'<a href="#wanted">{summary["wanted"]} wanted notes</a> · <a href="#tags">tags</a> · '
        '<a href="#">overview</a></p></header>',
        '<div class="layout"><nav aria-label="Notes">',
        '<input id="search" type="search" placeholder="Search notes, aliases, paths…" '
        'autocomplete="off" aria-label="Search notes" aria-controls="note-list">',
        '<p id="search-count" class="muted"></p>',
        '<div id="note-list" role="listbox" aria-label="Notes" tabindex="-1">'
        '<div id="note-list-inner"></div></div>',
        "</nav><main>",
        '<section id="graph-panel" aria-label="Graph"><div class="graph-bar">'
        '<strong id="graph-title">Whole vault</strong>'
        '<button id="graph-all" type="button">Whole vault</button>'
        '<label>Depth <select id="graph-depth"><option value="1" selected>1</option>'
        '<option value="2">2</option>'
        '<option value="3">3</option></select></label></div>'
        '<div class="graph-filters"><label>Folder <select id="filter-folder"></select></label>'
        '<label>Tag <select id="filter-tag"></select></label>'
        '<label>Role <select id="filter-role"></select></label>'
        '<label><input id="filter-orphans" type="checkbox"> hide orphans</label></div>'
        '<div id="graph" role="img" aria-label="Graph of the notes"></div>'
        '<p id="graph-note" class="muted"></p><ul id="legend"></ul>'
        "</section>",
        '<section id="view" aria-live="polite"></section>',
        "</main></div>",
        f'<script type="application/json" id="report-data">{_script_json(data(report))}</script>',
        f"<script>{_inline_script('vendor/graph.min.js')}</script>",
        f"<script>{_inline_script('report.js')}</script>",
        "</body>\n</html>\n",
    ])
