"""The report as one self-contained HTML file: no network requests, CSS and JS inline.

The page is built in the browser from one compact JSON document (``data``): each
note once, by number; each path, context, tag and alias once, in a table of
strings (``strings``), referred to by number; each link once, with its note --
backlinks are read off the other notes' links by the page, and a link's text is
an offset and a length in its context line.  So the file grows with what the
vault holds, never with how often a string or a link is repeated, and the page
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
    return len(text) if text.isascii() else len(text) + len(_ASTRAL.findall(text))


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
    overlap into one text.  A context is shipped as one number ``v``: ``v >= 0`` the
    record ``contexts[4v:4v+4]`` = (text, start, end, cut) -- offsets in UTF-16 code
    units, as JavaScript's ``slice`` counts them; ``cut`` 1 when ``...`` comes
    before, 2 after, 3 both -- and ``v <= -2`` the whole text number ``-v-2``, uncut
    (a short line, the common case: no record at all).  Only text the contexts show
    is shipped, and a context reads back exactly (tests/test_report.py).

    A link's own text (``raw``) is a slice of its line: :meth:`locate` finds it in the
    line's texts, so that it is shipped as an offset and a length, not a string."""

    def __init__(self, strings: _Strings) -> None:
        self.strings = strings
        # (source, line) -> {context: the lowest column it is the context of}
        self.wanted: dict[tuple[int, int], dict[str, int]] = {}
        self.refs: dict[tuple[int, int, str], int] = {}
        # (source, line) -> [(text shown, its string number)]: the texts of the line
        self.texts: dict[tuple[int, int], list[tuple[str, int]]] = {}
        # (source, line, context) -> (index in texts, start, end) in characters
        self.places: dict[tuple[int, int, str], tuple[int, int, int]] = {}
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
            self.texts[(source, line)] = list(zip(merged, numbers))
            for context, k, start, end, cut in places:
                self.places[(source, line, context)] = (k, start, end)
                text = merged[k]
                if start == 0 and end == len(text) and not cut:
                    refs[(source, line, context)] = -2 - numbers[k]
                    continue
                if _ASTRAL.search(text):  # offsets in UTF-16 code units, as JavaScript counts
                    start, end = _utf16(text[:start]), _utf16(text[:end])
                refs[(source, line, context)] = len(flat) // 4
                flat += (numbers[k], start, end, cut)

    def __call__(self, source: int, line: int, context: str) -> int:
        """Second pass: the number ``v`` of the context (see the class)."""
        return self.refs[(source, line, context)]

    def locate(self, source: int, line: int, context: str | None, raw: str,
               after: dict[int, int]) -> tuple[int, int] | None:
        """Where the link written ``raw`` is in a text of its line: (``v``, offset in
        UTF-16 units of ``raw`` in that text), or None.  In its own context's text when
        it has one (``context``), else in any text of the line; the first place at or
        after ``after[text]`` that the link's syntax opens (``[[``, ``](``), so that the
        links of a line are found in the order they are written."""
        texts = self.texts.get((source, line))
        if not texts or not raw:
            return None
        shown = visible(raw)
        if context is not None:
            k, low, high = self.places[(source, line, context)]
            candidates = [(k, low, high, self.refs[(source, line, context)])]
        else:
            candidates = [(k, 0, len(text), -2 - number) for k, (text, number) in enumerate(texts)]
        for k, low, high, ref in candidates:
            text = texts[k][0]
            at = text.find(shown, max(low, after.get(k, 0)))
            while at >= 0 and at + len(shown) <= high:
                if text[max(0, at - 2):at] in ("[[", "]("):
                    after[k] = at + len(shown)
                    return ref, _utf16(text[:at])
                at = text.find(shown, at + 1)
        return None


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
    (number in ``roles``) and ``outgoing``: flat, six numbers a link, in the order
    written -- target note or -1, line, context ``v`` (see _Contexts) or -1, the
    offset of the link's text in that context's text and its length (UTF-16 units),
    or -1 and the link text's string number, and status (number in ``statuses``).

    Each link is shipped once: a note's backlinks are the links of the other notes
    that lead to it, read off ``outgoing`` by the page (sources in path order, each's
    links in the order written: ``answers.backlinks``' vault order).  Only a note whose
    backlinks do not read back so (a canvas's link, a source the report leaves out, a
    wanted name's) has them in ``backlinks``: note -> flat (source, line, context
    ``v``, offset of the link's text in it or -1).  ``tags``: [tag string, total,
    [notes]]; ``wanted``: [name string, notes, [source, line, ...]]; ``broken``: flat
    [note, index of the link in its outgoing, ...].  The graph is drawn from
    ``outgoing`` (the links from one existing note to another).  ``provenance``:
    note -> its ``provenance`` (a claim) or ``dependents`` (a source) as build_report
    gives them."""
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
    context_at: dict[tuple[int, int, int], str] = {}  # (source, line, column) -> context
    for entry in entries:
        for link in entry["backlinks"]:
            source = note(link["source"])
            contexts.want(source, link["line"], link["column"], link["context"])
            context_at[(source, link["line"], link["column"])] = link["context"]
    contexts.lay_out()
    provenance = {i: _shown({k: entry[k] for k in ("provenance", "dependents") if k in entry})
                  for i, entry in enumerate(entries) if "provenance" in entry or "dependents" in entry}
    outgoing, broken = [], []
    # What the page reads off outgoing as each note's backlinks (see the docstring).
    derived: dict[int, list[tuple[int, int, int, int]]] = {}
    places: dict[tuple[int, int, int], tuple[int, int]] = {}  # (source, line, column) -> (v, at)
    broken_keys = {(b["source"], b["line"], b["column"], b["raw"]) for b in report["broken"]}
    in_path_order = sorted(range(len(entries)), key=lambda i: (entries[i]["path"] or "").encode("utf-16-be"))
    for i, entry in enumerate(entries):
        flat: list[int] = []
        after: dict[int, dict[int, int]] = {}
        for k, link in enumerate(entry["outgoing"]):
            target, line = note(link["target"]), link["line"]
            context = context_at.get((i, line, link["column"]))
            found = contexts.locate(i, line, context, link["raw"], after.setdefault(line, {}))
            ref = contexts(i, line, context) if context is not None else -1
            if found is not None:
                ref, at = found
                flat += (target, line, ref, at, _utf16(visible(link["raw"])))
            else:
                flat += (target, line, ref, -1, strings(link["raw"]))
            flat.append(statuses.setdefault(link["status"], len(statuses)))
            places[(i, line, link["column"])] = (ref, flat[-3])
            if entry["exists"] and (entry["path"], line, link["column"], link["raw"]) in broken_keys:
                broken += (i, k)
        outgoing.append(flat)
    for i in in_path_order:
        flat = outgoing[i]
        if not entries[i]["exists"]:
            continue
        for k in range(0, len(flat), 6):
            target = flat[k]
            if 0 <= target < len(entries) and target != i and entries[target]["exists"]:
                derived.setdefault(target, []).append((i, flat[k + 1], flat[k + 2], flat[k + 3]))
    backlinks: dict[int, list[int]] = {}
    for t, entry in enumerate(entries):
        rows = []
        for link in entry["backlinks"]:
            source = note(link["source"])
            key = (source, link["line"], link["column"])
            ref = contexts(source, link["line"], link["context"])
            rows.append((source, link["line"], ref, places[key][1] if key in places else -1))
        if rows != derived.get(t, []):
            backlinks[t] = [n for row in rows for n in row]
    tag_rows = [[strings(row["tag"]), row["total"], [note(p) for p in row["notes"]]]
                for row in report["tags"]]
    wanted = [[strings(row["name"]), row["notes"],
               [n for link in row["links"] for n in (note(link["source"]), link["line"])]]
              for row in report["wanted"]]
    return {
        "vault": visible(report["vault"]), "summary": report["summary"],
        "title": titles, "folder": folders, "file": files_, "ghost": ghosts,
        "aliases": aliases, "tags_of": tags, "role": role, "roles": list(roles),
        "outgoing": outgoing, "backlinks": backlinks, "statuses": list(statuses),
        "others": others, "tags": tag_rows, "wanted": wanted, "broken": broken,
        "contexts": contexts.flat, "provenance": provenance,
        "limits": {"graph": GRAPH_LIMIT, "neighbourhood": NEIGHBOURHOOD_LIMIT},
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
