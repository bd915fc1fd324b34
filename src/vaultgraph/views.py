"""Query results as plain data: the documented JSON shapes (docs/cli.md).

The CLI prints these dicts either as JSON or as text; nothing else decides
what a command answers.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from .resolve import fold
from .model import TagInfo
from .vault import Edge, Vault, notes_with_tag

if TYPE_CHECKING:  # (check.py only for a type: a query answered from the index loads no checker)
    from .answers import Backlink
    from .check import CheckResult
    from .provenance import ProvenanceConfig


def backlink_row(row: "Backlink") -> dict[str, Any]:
    """A backlink as `backlinks --json` lists it (``node`` only for a canvas's link)."""
    shown = {"source": row.source, "line": row.line, "column": row.column, "kind": row.kind,
             "context": row.context}
    if row.kind == "canvas":
        shown["node"] = row.node
    return shown


def backlinks_view(vault: Vault, path: str, include_excluded: bool = False) -> dict[str, Any]:
    """`backlinks --json`: the note's path and its backlinks."""
    return {"note": path,
            "backlinks": [backlink_row(row) for row in vault.backlink_rows(path, include_excluded)]}


def links_view(vault: Vault, path: str, include_excluded: bool = False) -> dict[str, Any]:
    """`links --json`: the note's path, its outgoing links (in the order written) and its
    backlinks."""
    outgoing = [
        {"target": e.target, "raw": e.link.raw, "kind": e.link.kind,
         "line": e.link.line, "column": e.link.column, "resolved": e.resolved}
        for e in vault.outgoing(path)
    ]
    return {"note": path, "outgoing": outgoing,
            "backlinks": backlinks_view(vault, path, include_excluded)["backlinks"]}


def _display_names(index: dict[str, TagInfo]) -> dict[str, str]:
    """Folded tag or parent of a nested tag -> the casing first seen in the vault."""
    display: dict[str, str] = {}
    for key, info in index.items():  # in the order tags were first met
        parts, written = key.split("/"), info.name.split("/")
        for depth in range(1, len(parts) + 1):
            display.setdefault("/".join(parts[:depth]), "/".join(written[:depth]))
    return display


def tags_view(index: dict[str, TagInfo]) -> dict[str, Any]:
    """Every tag and every parent of a nested tag, sorted; ``count`` = notes carrying
    exactly that tag, ``total`` = notes carrying it or a tag nested under it.
    ``index``: folded tag -> TagInfo (``Vault.tags()``, or the index's answers)."""
    nested: dict[str, set[str]] = defaultdict(set)
    for key, info in index.items():
        parts = key.split("/")
        for depth in range(1, len(parts) + 1):
            nested["/".join(parts[:depth])].update(info.notes)
    rows = []
    for key, name in sorted(_display_names(index).items()):
        exact = index[key].notes if key in index else []
        rows.append({"tag": name, "count": len(exact), "total": len(nested[key]),
                     "notes": sorted(exact)})
    return {"tags": rows}


def tag_notes_view(index: dict[str, TagInfo], tag: str) -> dict[str, Any]:
    wanted = tag.strip().lstrip("#").rstrip("/")
    return {"tag": _display_names(index).get(fold(wanted), wanted),
            "notes": notes_with_tag(index, wanted)}


def check_view(result: CheckResult) -> dict[str, Any]:
    return {"diagnostics": [d.to_dict() for d in result.diagnostics],
            "summary": result.summary()}


def provenance_view(vault: Vault, path: str, depth: int,
                    config: "ProvenanceConfig | None" = None) -> dict[str, Any]:
    from .provenance import Provenance

    return Provenance(vault, config).tree(path, depth)


def dependents_view(vault: Vault, source: str,
                    config: "ProvenanceConfig | None" = None) -> dict[str, Any]:
    from .provenance import Provenance

    provenance = Provenance(vault, config)
    notes, external = provenance.find_source(source)
    return {"source": source, "notes": notes,
            "dependents": provenance.dependents(notes, external)}


def explain_view(vault: Vault, link_text: str | None, source: str | None,
                 line: int | None = None) -> dict[str, Any]:
    """Explain the links on ``source``'s line ``line``, or ``link_text`` written in ``source``.

    ``{"links": [...], "would_be_links": [{"line", "column", "code", "severity", "message"}]}``:
    ``would_be_links`` is the text there that looks like a link but is not read as one
    (cut-link, unclosed-link, space-in-link), as check reports it; line and column are
    None for text typed on the command line.
    """
    from . import queries
    from .broken import BrokenLinks
    from .parse import parse_text
    from .syntax.dropped import DROPPED_CODES

    if line is not None:
        edges = [e for e in vault.outgoing(source) if e.link.line == line]
        note = vault.notes.get(source) or vault.canvases.get(source)
        dropped = [d for d in (note.diagnostics if note else [])
                   if d.code in DROPPED_CODES and d.line == line]
    else:
        text = link_text.strip()
        if not text.startswith(("[[", "![[", "[", "![")):
            text = f"[[{text}]]"
        parsed = parse_text(source or "", text)
        edges = [Edge(source or "", link, vault.resolver.resolve(link.path, source or ""))
                 for link in parsed.links]
        dropped = [d for d in parsed.diagnostics if d.code in DROPPED_CODES]
    why = BrokenLinks(vault)
    items = [queries.explain(vault, edge, why) for edge in edges]
    would_be = [{"line": d.line, "column": d.column, "code": d.code, "severity": d.severity,
                 "message": d.message} for d in dropped]
    if line is None:  # a link typed on the command line has no place in a file
        for item in [*items, *would_be]:
            item["line"] = item["column"] = None
    return {"links": items, "would_be_links": would_be}


def edit_row(edit) -> dict[str, Any]:
    """An edits.Edit as `mv --json` and `check --fix --json` list it."""
    return {"path": edit.path, "line": edit.line, "column": edit.column, "old": edit.old,
            "new": edit.new, "why": edit.why}


def move_view(result) -> dict[str, Any]:
    """`mv --json` (docs/cli.md): an edits.MoveResult as data."""
    plan = result.plan
    return {
        "source": result.source, "dest": result.dest, "written": result.written,
        "renamed": [{"from": old, "to": new} for old, new in plan.renames.items()],
        "edits": [edit_row(edit) for edit in result.edits],
        "resolution_changes": [
            {"path": c.source, "line": c.line, "column": c.column, "link": c.written,
             "kind": c.kind, "before": c.before, "after": c.after, "rewritten": c.rewritten}
            for c in plan.changes],
        "unread": list(plan.unread),
        "undo": result.undo,
    }
