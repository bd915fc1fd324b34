"""Every diagnostic code vaultgraph reports, with its default severity: the one registry.

``Severity`` and ``Code`` are ``str`` enums: a member equals, hashes and prints as its
text (``Code.CASE_MISMATCH == "case-mismatch"``), so JSON, SQLite rows and comparisons
with text see the documented strings.  docs/cli.md ("Diagnostic codes") describes each
code; tests/test_codes.py keeps that table and this one the same.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is: ``error`` or ``warning``."""

    ERROR = "error"
    WARNING = "warning"


class Code(StrEnum):
    """A diagnostic code (its text, e.g. ``unresolved-link``) and ``severity``, the one it
    is reported with unless ``check``'s options change it (``--unresolved``,
    ``--commented``).  ``Code("no-such-code")`` raises ValueError."""

    severity: Severity

    def __new__(cls, text: str, severity: Severity) -> "Code":
        member = str.__new__(cls, text)
        member._value_ = text
        member.severity = severity
        return member

    # A link's (broken.why_broken)
    UNRESOLVED_LINK = "unresolved-link", Severity.ERROR
    MISSING_HEADING = "missing-heading", Severity.ERROR
    MISSING_BLOCK = "missing-block", Severity.ERROR
    MISSING_ATTACHMENT = "missing-attachment", Severity.ERROR
    AMBIGUOUS_LINK = "ambiguous-link", Severity.WARNING
    CASE_MISMATCH = "case-mismatch", Severity.WARNING
    # A file's (parse, canvas, frontmatter, files)
    INVALID_CANVAS = "invalid-canvas", Severity.ERROR
    INVALID_FRONTMATTER = "invalid-frontmatter", Severity.ERROR
    DEPRECATED_PROPERTY = "deprecated-property", Severity.WARNING
    DUPLICATE_PROPERTY = "duplicate-property", Severity.WARNING
    YAML_TAG = "yaml-tag", Severity.WARNING
    UNQUOTED_LINK = "unquoted-link", Severity.WARNING
    INVALID_TAG = "invalid-tag", Severity.WARNING
    ENCODING = "encoding", Severity.WARNING
    BINARY_FILE = "binary-file", Severity.WARNING
    TOO_LARGE = "too-large", Severity.WARNING
    PARSE_TIMEOUT = "parse-timeout", Severity.WARNING
    TOO_DEEP = "too-deep", Severity.WARNING
    CUT_LINK = "cut-link", Severity.WARNING
    UNCLOSED_LINK = "unclosed-link", Severity.WARNING
    SPACE_IN_LINK = "space-in-link", Severity.WARNING
    PARSE_ERROR = "parse-error", Severity.ERROR
    UNREADABLE_FILE = "unreadable-file", Severity.ERROR
    IGNORED_SYMLINK = "ignored-symlink", Severity.WARNING
    SPECIAL_FILE = "special-file", Severity.WARNING
    INVALID_FILENAME = "invalid-filename", Severity.WARNING
    DUPLICATE_NAME = "duplicate-name", Severity.WARNING
    UNLINKABLE_NAME = "unlinkable-name", Severity.WARNING
    INVALID_CONFIG = "invalid-config", Severity.WARNING
    # Provenance's (provenance.py)
    UNSOURCED_CLAIM = "unsourced-claim", Severity.WARNING
    DANGLING_CITATION = "dangling-citation", Severity.WARNING
    CONFLICTING_EVIDENCE = "conflicting-evidence", Severity.WARNING
    NO_BIBLIOGRAPHY = "no-bibliography", Severity.WARNING
    INVALID_BIBLIOGRAPHY = "invalid-bibliography", Severity.WARNING


# code text -> its default severity (``check --select``/``--ignore`` accept these keys)
CODES: dict[str, Severity] = {code.value: code.severity for code in Code}
