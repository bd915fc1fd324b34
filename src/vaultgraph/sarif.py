"""`check --format sarif`: the findings as a SARIF 2.1.0 log, as GitHub code scanning
reads it (``github/codeql-action/upload-sarif``).

One run; its tool's rules are every diagnostic code (``codes.Code``), each with its
default severity and the help docs/cli.md's "Diagnostic codes" table gives
(``codes.HELP``); each result names its rule, its level, its message and where it is:
the file (a URI relative to the current folder, as GitHub wants it relative to the
repository's root, against ``%SRCROOT%``) and the region's 1-based ``startLine`` and
``startColumn``, columns counted in Unicode code points (``columnKind``), as
vaultgraph counts them.  Sources: the SARIF 2.1.0 standard (OASIS, errata 01) and
GitHub's "SARIF support for code scanning" page.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import quote

from .codes import HELP, Code

if TYPE_CHECKING:
    from .check import CheckResult

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"


def _plain(markdown: str) -> str:
    """A table cell's markdown as plain text: no backticks, ``\\|`` as ``|``, links as
    their text."""
    import re

    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", markdown)
    return text.replace("`", "").replace("\\|", "|")


def rule_json(code: Code) -> dict[str, Any]:
    """A diagnostic code as a SARIF reportingDescriptor."""
    help_text = HELP[code.value]
    short = _plain(help_text).split(". ")[0]
    return {
        "id": code.value,
        "name": "".join(part.capitalize() for part in code.value.split("-")),
        "shortDescription": {"text": short[:1].upper() + short[1:]},
        "fullDescription": {"text": _plain(help_text)},
        "help": {"text": _plain(help_text), "markdown": help_text},
        "defaultConfiguration": {"level": str(code.severity)},
        "properties": {"tags": ["obsidian", "markdown"]},
    }


def sarif_log(result: "CheckResult", show: Callable[[str], str], version: str,
              root: Path | None = None) -> dict[str, Any]:
    """The SARIF log of ``result``: ``show`` gives each vault path as the path from the
    current folder (the URI is that path, percent-encoded); ``root``: the current
    folder, whose ``file:`` URI ``%SRCROOT%`` stands for (None: left unsaid)."""
    codes = list(Code)
    index = {code: number for number, code in enumerate(codes)}
    results = []
    for d in result.diagnostics:
        results.append({
            "ruleId": d.code.value,
            "ruleIndex": index[d.code],
            "level": str(d.severity),
            "message": {"text": d.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": quote(show(d.path).replace("\\", "/")),
                                     "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": d.line, "startColumn": d.column},
            }}],
        })
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "vaultgraph", "version": version, "semanticVersion": version,
            "rules": [rule_json(code) for code in codes],
        }},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if root is not None:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
