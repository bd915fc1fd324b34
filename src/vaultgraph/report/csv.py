"""The report as CSV (RFC 4180): one row per backlink occurrence."""

from __future__ import annotations

import csv
import io
from typing import Any

COLUMNS = ("target", "source", "line", "column", "kind", "context")


# What a spreadsheet may take for the start of a formula (OWASP, "CSV Injection"): = + - @,
# tab, CR and LF, and their full-width forms, which some spreadsheets read as the ASCII ones.
FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def neutralise(cell: Any) -> Any:
    """Spreadsheets run cells starting with = + - @ (or tab, CR, LF, or a full-width
    form of one) as formulas: a leading ``'`` makes them text."""
    if isinstance(cell, str) and cell[:1] in FORMULA_STARTS:
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
