"""`check` as a linter: its configuration file, and what is done to its findings once
they are gathered (findings.py) -- scope, excluded paths, per-path ignores, inline
suppressions, a baseline -- and the figures its reports give (per code).

Everything here works on the findings after they are gathered, so the incremental
check (findings.py) is untouched: a scoped or configured run checks what an unscoped
one would, and reports less.  ruff's conventions where a choice was open:
``--statistics``, ``[check]`` keys named as the long options, ``[[check.overrides]]``
as ruff's per-file-ignores, ``--config``/``--isolated``, an unused suppression reported
as ruff's RUF100, options given on the command line replacing the file's.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from .codes import CODES, Code, Severity, read_codes
from .model import Diagnostic, Suppression

if TYPE_CHECKING:
    from .vault import Vault

CONFIG_NAME = ".vaultgraph.toml"  # at the vault root: a dot-file, which Obsidian ignores
CONFIG_LIMIT = 1024 * 1024  # bytes: a config file is vault content, read bounded
SEVERITY_CHOICES = ("error", "warning", "ignore")
FORMATS = ("text", "json", "github", "sarif")
# The keys of [check]: check's long option names (docs/cli.md, "Configuration file").
CHECK_KEYS = ("select", "ignore", "unresolved", "commented", "include-excluded", "role",
              "exclude", "format", "baseline", "bibliography", "overrides")
OVERRIDE_KEYS = ("paths", "ignore")


class ConfigError(ValueError):
    """A configuration or baseline file that cannot be used: ``str(error)`` is one line
    naming the file and, where known, the line (``FILE:LINE: what``)."""


@dataclass
class Override:
    """``[[check.overrides]]``: the findings in ``paths`` (globs, :func:`glob_matcher`)
    whose code is in ``ignore`` are not reported (ruff's per-file-ignores)."""

    paths: list[str]
    ignore: list[str]


@dataclass
class CheckConfig:
    """What a configuration file's ``[check]`` table says; None: not said (the option's
    default or the command line decide).  ``baseline`` is resolved against the file's
    folder; so are the ``bibliography`` files (by app.check_options: BibTeX or CSL-JSON
    libraries pandoc keys resolve against, as ``--bibliography``)."""

    path: Path
    select: list[str] | None = None
    ignore: list[str] | None = None
    unresolved: str | None = None
    commented: str | None = None
    include_excluded: bool | None = None
    role: list[str] | None = None
    exclude: list[str] | None = None
    format: str | None = None
    baseline: Path | None = None
    bibliography: list[str] | None = None
    overrides: list[Override] = field(default_factory=list)


# -- the configuration file ------------------------------------------------------------
def read_config(path: Path) -> CheckConfig:
    """``path``'s ``[check]`` table (TOML, read by ``tomllib``).  ConfigError, with the
    file and line, for a file that cannot be read, is not TOML, or holds a key or value
    ``check`` does not take (every key: :data:`CHECK_KEYS`)."""
    import tomllib

    from .files import TooLarge, read_bounded

    try:
        data = read_bounded(path, CONFIG_LIMIT)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except TooLarge:
        raise ConfigError(f"{path}: over {CONFIG_LIMIT // 1024} KB: not read") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        what = re.sub(r"\s*\(at line.*\)|\s*\(at end of document\)", "", str(exc))
        line = where.group(1) if where else str(text.count("\n") + 1)
        raise ConfigError(f"{path}:{line}: not TOML: {what[:1].lower()}{what[1:]}") from None
    return _check_table(path, text, table)


def _line_of(text: str, key: str, table: str = "[check]", nth: int = 0) -> int:
    """The line (1-based) where ``key`` is set in the ``nth`` ``table`` of ``text``; the
    table's own line when it cannot be told, 1 when neither can."""
    lines = text.split("\n")
    header = re.compile(r"\s*" + re.escape(table).replace(r"\ ", r"\s*") + r"\s*(#.*)?$")
    starts = [i for i, line in enumerate(lines) if header.match(line)]
    if len(starts) <= nth:
        return 1
    start = starts[nth]
    setting = re.compile(r"\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
    for i in range(start + 1, len(lines)):
        if re.match(r"\s*\[", lines[i]):
            break
        if setting.match(lines[i]):
            return i + 1
    return start + 1


def _check_table(path: Path, text: str, data: dict[str, Any]) -> CheckConfig:
    def fail(line: int, what: str) -> ConfigError:
        return ConfigError(f"{path}:{line}: {what}")

    unknown = [key for key in data if key != "check"]
    if unknown:
        key = unknown[0]
        raise fail(_line_of(text, key, f"[{key}]") if isinstance(data[key], dict)
                   else _first_line(text, key), f"unknown table or key {key!r}: vaultgraph "
                   "reads the [check] table (docs/cli.md, \"Configuration file\")")
    check = data.get("check", {})
    if not isinstance(check, dict):
        raise fail(_first_line(text, "check"), "check must be a table ([check])")
    config = CheckConfig(path)
    for key, value in check.items():
        line = _line_of(text, key)
        if key not in CHECK_KEYS:
            from difflib import get_close_matches

            close = get_close_matches(key, CHECK_KEYS, 1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise fail(line, f"unknown key {key!r} in [check]{hint}; the keys: "
                             f"{', '.join(CHECK_KEYS)}")
        if key in ("select", "ignore"):
            setattr(config, key, _codes(value, lambda what: fail(line, f"{key}: {what}")))
        elif key in ("unresolved", "commented"):
            if value not in SEVERITY_CHOICES:
                raise fail(line, f"{key} must be one of {', '.join(SEVERITY_CHOICES)}, not {value!r}")
            setattr(config, key, value)
        elif key == "format":
            if value not in FORMATS:
                raise fail(line, f"format must be one of {', '.join(FORMATS)}, not {value!r}")
            config.format = value
        elif key == "include-excluded":
            if not isinstance(value, bool):
                raise fail(line, f"include-excluded must be true or false, not {value!r}")
            config.include_excluded = value
        elif key in ("role", "exclude", "bibliography"):
            items = _strings(value, lambda what: fail(line, f"{key}: {what}"))
            if key == "role":
                _roles(items, lambda what: fail(line, f"role: {what}"))
            setattr(config, key, items)
        elif key == "baseline":
            if not isinstance(value, str) or not value:
                raise fail(line, "baseline must be a file name (text)")
            config.baseline = path.parent / value
        else:  # overrides
            config.overrides = _overrides(text, value, lambda nth, key, what: fail(
                _line_of(text, key, "[[check.overrides]]", nth), what))
    return config


def _first_line(text: str, key: str) -> int:
    for number, line in enumerate(text.split("\n"), 1):
        if re.match(r"\s*\[*\s*[\"']?" + re.escape(key), line):
            return number
    return 1


def _strings(value: Any, fail: Callable[[str], ConfigError]) -> list[str]:
    """A string or a list of strings -> the list."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise fail(f"a list of strings was expected, not {value!r}")
    return list(value)


def _codes(value: Any, fail: Callable[[str], ConfigError]) -> list[str]:
    """Codes as a list or a ``"a,b"`` string -> the list; unknown codes are an error."""
    try:
        return read_codes(_strings(value, fail))
    except ValueError as error:
        raise fail(str(error)) from None


def _roles(specs: list[str], fail: Callable[[str], ConfigError]) -> None:
    from .provenance import ProvenanceConfig

    try:
        ProvenanceConfig.from_specs(specs)
    except ValueError as exc:
        raise fail(str(exc)) from None


def _overrides(text: str, value: Any, fail: Callable[[int, str, str], ConfigError]
               ) -> list[Override]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise fail(0, "overrides", "overrides must be tables: [[check.overrides]]")
    found = []
    for nth, item in enumerate(value):
        for key in item:
            if key not in OVERRIDE_KEYS:
                raise fail(nth, key, f"unknown key {key!r} in [[check.overrides]]; the keys: "
                                     f"{', '.join(OVERRIDE_KEYS)}")
        for key in OVERRIDE_KEYS:
            if key not in item:
                raise fail(nth, key, f"[[check.overrides]] needs {key!r}")
        paths = _strings(item["paths"], lambda what: fail(nth, "paths", f"paths: {what}"))
        ignore = _codes(item["ignore"], lambda what: fail(nth, "ignore", f"ignore: {what}"))
        found.append(Override(paths, ignore))
    return found


# -- paths -----------------------------------------------------------------------------
@lru_cache(maxsize=256)
def glob_matcher(pattern: str) -> Callable[[str], bool]:
    """A glob as ``--exclude``, ``exclude`` and ``overrides.paths`` take it -> vault
    path -> whether it matches (gitignore's shape, as ruff's exclude): ``*`` and ``?``
    match within a name, ``**`` across folders, ``[abc]`` one of; a pattern holding a
    ``/`` (but for a last one) is matched from the vault root, else against every name
    in the path; a path matches when it or a folder holding it does (``Templates``,
    ``Templates/`` and ``Templates/**`` all match ``Templates/Daily.md``); a pattern
    ending in ``/`` matches folders only.  Case counts."""
    folder_only = pattern.endswith("/")
    body = pattern.strip("/") if pattern.startswith("/") else pattern.rstrip("/")
    if body.startswith("./"):
        body = body[2:]
    anchored = "/" in body or pattern.startswith("/")
    regex = _glob_regex(body)
    if anchored:
        whole = re.compile(regex)
    else:
        whole = re.compile(r"(?:.*/)?" + regex)

    def matches(path: str) -> bool:
        parts = path.split("/")
        ends = range(1, len(parts)) if folder_only else range(1, len(parts) + 1)
        return any(whole.fullmatch("/".join(parts[:end])) for end in ends)

    return matches


def _glob_regex(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append(r"(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(r".*")
            i += 2
        elif char == "*":
            out.append(r"[^/]*")
            i += 1
        elif char == "?":
            out.append(r"[^/]")
            i += 1
        elif char == "[" and pattern.find("]", i + 2) > 0:
            end = pattern.find("]", i + 2 if pattern[i + 1] in "!]" else i + 1)
            inside = pattern[i + 1:end].replace("\\", "\\\\")
            if inside.startswith("!"):
                inside = "^" + inside[1:]
            elif inside.startswith("^"):
                inside = "\\" + inside
            out.append("[" + inside + "]")
            i = end + 1
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def path_filter(scope: list[str] | None, exclude: Iterable[str]) -> Callable[[str], bool]:
    """Vault path -> whether ``check`` reports on it: inside ``scope`` (vault paths of
    notes or folders, ``""`` the whole vault; None: everywhere) and matched by no
    ``exclude`` glob (:func:`glob_matcher`)."""
    excluded = [glob_matcher(pattern) for pattern in exclude]
    folders = None if scope is None or "" in scope else tuple(scope)

    def wanted(path: str) -> bool:
        if folders is not None and not any(
                path == place or path.startswith(place + "/") for place in folders):
            return False
        return not any(match(path) for match in excluded)

    return wanted


def apply_overrides(found: list[Diagnostic], overrides: list[Override]) -> list[Diagnostic]:
    """``found`` without what ``overrides`` ignore."""
    if not overrides:
        return found
    rules = [([glob_matcher(p) for p in rule.paths], set(rule.ignore)) for rule in overrides]
    return [d for d in found if not any(
        d.code in codes and any(match(d.path) for match in matchers) for matchers, codes in rules)]


# -- inline suppression ----------------------------------------------------------------
def suppress(found: list[Diagnostic], suppressions: dict[str, list[Suppression]]
             ) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """``found`` without what the notes' inline suppressions silence, and an
    ``unused-suppression`` finding for each suppression naming a code that silenced
    nothing or that is not a code (ruff's RUF100), or silencing nothing at all when it
    names none.  Applied to the findings before ``--select``/``--ignore`` and the rest,
    so a suppression is judged by what it silences, whatever a run reports."""
    used: dict[int, set[str]] = {}
    kept = []
    for d in found:
        silenced = False
        for s in suppressions.get(d.path, ()):
            if s.first <= d.line <= s.last and (not s.codes or d.code in s.codes):
                used.setdefault(id(s), set()).add(d.code)
                silenced = True
        if not silenced:
            kept.append(d)
    unused = []
    for path, found_here in suppressions.items():
        for s in found_here:
            hit = used.get(id(s), set())
            if not s.codes:
                if not hit:
                    unused.append(_unused(path, s, "silences nothing"))
                continue
            unknown = [code for code in s.codes if code not in CODES]
            idle = [code for code in s.codes if code in CODES and code not in hit]
            parts = ([f"unused: {_names(idle)}"] if idle else []) + \
                ([f"unknown: {_names(unknown)}"] if unknown else [])
            if parts:
                unused.append(_unused(path, s, f"({'; '.join(parts)})"))
    return kept, unused


def suppressed(vault: "Vault", found: list[Diagnostic], include_excluded: bool
               ) -> list[Diagnostic]:
    """``found`` (findings.vault_findings's) without what the vault's inline
    suppressions silence, with the ``unused-suppression`` findings of its visible notes
    (:func:`suppress`; the suppressions are kept in the index, answers.suppressions)."""
    from .answers import suppressions

    visible = vault.visible(include_excluded)
    kept = {path: rows for path, rows in suppressions(vault.connection).items() if visible(path)}
    if not kept:
        return found
    found, unused = suppress(found, kept)
    return found + unused


def _names(codes: list[str], most: int = 5, longest: int = 40) -> str:
    """Codes as a message names them: at most ``most``, each cut to ``longest``
    characters (what a suppression names is vault text: a line may hold megabytes)."""
    shown = [code if len(code) <= longest else code[:longest - 1] + "…" for code in codes[:most]]
    more = f", and {len(codes) - most} more" if len(codes) > most else ""
    return ", ".join(shown) + more


def _unused(path: str, s: Suppression, what: str) -> Diagnostic:
    code = Code.UNUSED_SUPPRESSION
    return Diagnostic(path, s.line, s.column, code.severity, code, f"unused suppression {what}")


# -- baseline --------------------------------------------------------------------------
BASELINE_VERSION = 1
BASELINE_LIMIT = 256 * 1024 * 1024  # bytes (a baseline may be named by the vault's config)


def line_texts(vault: "Vault", paths: Iterable[str]) -> dict[str, list[str]]:
    """The lines of the notes at ``paths`` (read bounded, as the parser reads them;
    what is not a readable note has none)."""
    from .files import TooLarge, is_note, read_bounded
    from .parse import MAX_NOTE_BYTES

    texts: dict[str, list[str]] = {}
    for path in set(paths):
        if not is_note(path):
            continue
        try:
            data = read_bounded(vault.root / path, MAX_NOTE_BYTES, cut=True)
        except (OSError, TooLarge):
            continue
        text = data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
        texts[path] = text.split("\n")
    return texts


def baseline_key(d: Diagnostic, texts: dict[str, list[str]]) -> tuple[str, str, str, str]:
    """What a baseline knows a finding by: its path, code, target and its line's text
    (stripped), not its line number, so it still matches after lines above it move."""
    lines = texts.get(d.path, [])
    text = lines[d.line - 1].strip() if 0 < d.line <= len(lines) else ""
    return d.path, str(d.code), d.target or "", text


def baseline_json(found: list[Diagnostic], texts: dict[str, list[str]]) -> str:
    """The baseline file's text (docs/cli.md, "Baseline")."""
    counts = Counter(baseline_key(d, texts) for d in found)
    rows = [{"path": path, "code": code, "target": target, "text": text, "count": count}
            for (path, code, target, text), count in sorted(counts.items())]
    return json.dumps({"vaultgraph-baseline": BASELINE_VERSION, "findings": rows},
                      ensure_ascii=False, indent=1) + "\n"


def read_baseline(path: Path) -> Counter:
    """A baseline file -> how many findings of each key it holds; ConfigError when it
    cannot be read (read bounded, as vault content: the vault's configuration may name
    it), or is not one."""
    from .files import TooLarge, read_bounded

    try:
        data = json.loads(read_bounded(path, BASELINE_LIMIT).decode("utf-8"))
        if data.get("vaultgraph-baseline") != BASELINE_VERSION:
            raise ValueError("not a vaultgraph baseline (version 1)")
        return Counter({(row["path"], row["code"], row["target"], row["text"]): int(row["count"])
                        for row in data["findings"]})
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from None
    except TooLarge:
        raise ConfigError(f"{path}: over {BASELINE_LIMIT >> 20} MB: not read") from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigError(f"{path}: not a baseline file: {exc}") from None


def apply_baseline(found: list[Diagnostic], known: Counter,
                   texts: dict[str, list[str]]) -> list[Diagnostic]:
    """The findings the baseline does not hold: of several with one key, as many as
    it counts are taken as known, the first ones in file order."""
    left = Counter(known)
    kept = []
    for d in found:
        key = baseline_key(d, texts)
        if left[key] > 0:
            left[key] -= 1
        else:
            kept.append(d)
    return kept


# -- figures ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CodeCount:
    """``count`` findings of ``code``, the worst of them of ``severity``."""

    code: Code
    severity: Severity
    count: int


def statistics(found: list[Diagnostic]) -> list[CodeCount]:
    """One row per code, most findings first (then by code): ruff's ``--statistics``."""
    counts = Counter(d.code for d in found)
    errors = {d.code for d in found if d.severity == Severity.ERROR}
    return [CodeCount(code, Severity.ERROR if code in errors else Severity.WARNING, count)
            for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def counts_by_severity(found: list[Diagnostic]) -> dict[Severity, list[tuple[Code, int]]]:
    """Severity -> (code, count) of its findings, most first (then by code)."""
    counts = Counter((d.severity, d.code) for d in found)
    by: dict[Severity, list[tuple[Code, int]]] = {Severity.ERROR: [], Severity.WARNING: []}
    for (severity, code), count in sorted(counts.items(), key=lambda item: (-item[1], item[0][1])):
        by[severity].append((code, count))
    return by
