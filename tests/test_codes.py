"""Every diagnostic code is known to check (--select/--ignore) and documented with its severity."""

from __future__ import annotations

import re
from pathlib import Path

from vaultgraph.check import CODES

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "vaultgraph"


def _documented() -> dict[str, str]:
    """docs/cli.md's "Diagnostic codes" table: {code: default severity}."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    table = text.split("### Diagnostic codes", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `([a-z-]+)` \| (error|warning) \|", table, re.MULTILINE))


def _emitted() -> dict[str, set[str]]:
    """{code: severities} of the diagnostics the source makes with a literal code."""
    found: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        # ERROR, "code" as an argument; not "key": ERROR, "code": ... of a dict
        pattern = r"\b(ERROR|WARNING),\s*\"([a-z]+(?:-[a-z]+)+)\"(?!:)"
        for severity, code in re.findall(pattern, text):
            found.setdefault(code, set()).add(severity.lower())
    return found


def test_every_code_the_source_reports_is_known_to_check_with_its_severity():
    emitted = _emitted()
    assert emitted, "the pattern no longer finds the codes the source reports"
    for code, severities in emitted.items():
        assert code in CODES, f"{code} is reported but check --select/--ignore refuse it"
        assert severities == {CODES[code]}, code


def test_the_documented_codes_are_exactly_checks_codes():
    assert _documented() == dict(CODES)
