"""Query results as plain data: the documented JSON shapes (docs/cli.md).

The CLI prints these dicts either as JSON or as text; nothing else decides
what a command answers.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .check import CheckResult
from .resolve import fold
from .vault import Edge, Vault


def backlink_row(edge: Edge) -> dict[str, Any]:
    link = edge.link
    return {"source": edge.source, "line": link.line, "column": link.column,
            "kind": link.kind, "context": link.context}


def backlinks_view(vault: Vault, path: str, include_excluded: bool = False) -> dict[str, Any]:
    return {"note": path,
            "backlinks": [backlink_row(e) for e in vault.backlinks(path, include_excluded)]}


def links_view(vault: Vault, path: str, include_excluded: bool = False) -> dict[str, Any]:
    outgoing = [
        {"target": e.target, "raw": e.link.raw, "kind": e.link.kind,
         "line": e.link.line, "column": e.link.column, "resolved": e.resolved}
        for e in vault.outgoing(path)
    ]
    return {"note": path, "outgoing": outgoing,
            "backlinks": backlinks_view(vault, path, include_excluded)["backlinks"]}


def tags_view(vault: Vault, include_excluded: bool = False) -> dict[str, Any]:
    """Every tag and every parent of a nested tag, sorted; ``count`` = notes carrying
    exactly that tag, ``total`` = notes carrying it or a tag nested under it."""
    index = vault.tags(include_excluded)
    display: dict[str, str] = {}
    nested: dict[str, set[str]] = defaultdict(set)
    for key, info in index.items():
        parts, written = key.split("/"), info.name.split("/")
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            display.setdefault(prefix, "/".join(written[:depth]))
            nested[prefix].update(info.notes)
    rows = []
    for key in sorted(display):
        exact = index[key].notes if key in index else []
        rows.append({"tag": index[key].name if key in index else display[key],
                     "count": len(exact), "total": len(nested[key]), "notes": sorted(exact)})
    return {"tags": rows}


def tag_notes_view(vault: Vault, tag: str, include_excluded: bool = False) -> dict[str, Any]:
    wanted = tag.strip().lstrip("#")
    info = vault.tags(include_excluded).get(fold(wanted))
    return {"tag": info.name if info else wanted,
            "notes": vault.notes_with_tag(wanted, include_excluded)}


def check_view(result: CheckResult) -> dict[str, Any]:
    return {"diagnostics": [d.to_dict() for d in result.diagnostics],
            "summary": result.summary()}
