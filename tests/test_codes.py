"""Every diagnostic code is registered (vaultgraph.codes: check --select/--ignore accept
it) and documented with its severity; every diagnostic the source makes is reported
with its code's default severity."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from vaultgraph.codes import CODES, Code, Severity
from vaultgraph.model import ERROR, WARNING, Diagnostic

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "vaultgraph"
# The calls that make a diagnostic, and where their severity and code arguments are
# (index among the positional arguments, keyword).
MAKERS = {
    "Diagnostic": ((3, "severity"), (4, "code")),
    "diagnose": ((0, "severity"), (1, "code")),  # frontmatter._Reader.diagnose
    "_problem": (None, (0, "code")),  # broken._problem: the severity is the code's own
}


def _documented() -> dict[str, str]:
    """docs/cli.md's "Diagnostic codes" table: {code: default severity}."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    table = text.split("### Diagnostic codes", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `([a-z-]+)` \| (error|warning) \|", table, re.MULTILINE))


def _argument(call: ast.Call, where: tuple[int, str] | None) -> ast.expr | None:
    if where is None:
        return None
    position, keyword = where
    for given in call.keywords:
        if given.arg == keyword:
            return given.value
    return call.args[position] if len(call.args) > position else None


def _value(node: ast.expr | None) -> str | None:
    """The text a code or severity argument spells: a literal, ``Code.X``, ``Severity.X``
    or ``ERROR``/``WARNING`` (None for anything else: a variable)."""
    names = {"ERROR": ERROR, "WARNING": WARNING}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        registry = {"Code": Code, "Severity": Severity}.get(node.value.id)
        if registry is not None:
            return registry[node.attr].value
    return None


def _made() -> list[tuple[str, str | None, str | None]]:
    """(where, code, severity) of every diagnostic the source makes with a code it spells
    (a literal or ``Code.X``); severity None where it is not spelled out."""
    found = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in MAKERS:
                continue
            severity_at, code_at = MAKERS[name]
            code = _value(_argument(node, code_at))
            if code is not None:
                found.append((f"{path.relative_to(SRC)}:{node.lineno}", code,
                              _value(_argument(node, severity_at))))
    return found


def test_every_code_the_source_reports_is_registered_with_its_severity():
    made = _made()
    assert len(made) > 30, "the scan no longer finds the diagnostics the source makes"
    for where, code, severity in made:
        assert code in CODES, f"{where}: {code} is not in vaultgraph.codes.Code"
        if severity is not None:
            assert severity == CODES[code], f"{where}: {code} made as {severity}"


def test_the_scan_sees_an_unregistered_code(tmp_path, monkeypatch):
    (tmp_path / "x.py").write_text('Diagnostic(p, 1, 1, WARNING, "no-such-code", "m")\n'
                                   'self.diagnose(ERROR, Code.YAML_TAG, "m", 1, 1)\n')
    monkeypatch.setattr(f"{__name__}.SRC", tmp_path)
    assert sorted(_made()) == [("x.py:1", "no-such-code", "warning"),
                               ("x.py:2", "yaml-tag", "error")]


def test_the_documented_codes_are_exactly_the_registry():
    assert _documented() == {code: severity.value for code, severity in CODES.items()}


def test_a_code_and_a_severity_are_their_text():
    code = Code("missing-heading")
    assert code is Code.MISSING_HEADING and code == "missing-heading"
    assert code.severity is Severity.ERROR and Code.CASE_MISMATCH.severity is Severity.WARNING
    assert f"{code} {code.severity}" == "missing-heading error"
    assert json.dumps({code: code.severity}) == '{"missing-heading": "error"}'
    with pytest.raises(ValueError):
        Code("no-such-code")


def test_a_diagnostic_holds_its_code_and_severity_typed():
    made = Diagnostic("a.md", 1, 1, "warning", "yaml-tag", "m")  # (as the index gives them)
    assert made.code is Code.YAML_TAG and made.severity is Severity.WARNING
    assert made.to_dict()["code"] == "yaml-tag" and made.to_dict()["severity"] == "warning"
    with pytest.raises(ValueError):
        Diagnostic("a.md", 1, 1, "warning", "no-such-code", "m")
    with pytest.raises(ValueError):
        Diagnostic("a.md", 1, 1, "fatal", "yaml-tag", "m")
