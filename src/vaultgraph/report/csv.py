"""The report as CSV (RFC 4180): one row per backlink occurrence."""

from __future__ import annotations

import csv
import io
from typing import Any

COLUMNS = ("target", "source", "line", "column", "kind", "context")


def neutralise(cell: Any) -> Any:
    """Spreadsheets run cells starting with = + - @ (or tab/CR) as formulas: quote them."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def render(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in report["notes"]:
        target = entry["path"] if entry["exists"] else entry["title"]
        for link in entry["backlinks"]:
            writer.writerow([neutralise(v) for v in (target, link["source"], link["line"],
                                                     link["column"], link["kind"], link["context"])])
    return out.getvalue()
