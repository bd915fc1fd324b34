"""Bibliographies: BibTeX/BibLaTeX (``.bib``) and CSL-JSON (``.json``) libraries, read
as the records a pandoc citation key ``[@key]`` names.

Pandoc reads the same two formats for ``--citeproc`` (its manual, "Citations":
``bibliography:`` in the metadata, ``.bib`` BibLaTeX/BibTeX, ``.json`` CSL JSON), and
Zotero's Better BibTeX exports both into a vault; the Obsidian Citations plugin
reads a Better BibTeX CSL-JSON or BibLaTeX export.  docs/provenance.md,
"Bibliographies", says which files are read.

BibTeX is read with bibtexparser (v2): a block it cannot read is a
``invalid-bibliography`` diagnostic with its line, and the entries around it are kept.
CSL-JSON is a JSON array of objects with an ``id`` (or an object with an ``items``
array, as CSL-JSON exports by some tools); anything else in a ``.json`` file is not a
library (``.json`` files of other kinds are common: only an array of objects with
``id`` and ``type`` is read as one).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Protocol

from . import identifiers
from .files import TooLarge, read_bounded
from .model import WARNING, Diagnostic

MAX_LIBRARY_BYTES = 64 * 1024 * 1024
_BRACES = re.compile(r"[{}]")


@dataclass(frozen=True, slots=True)
class Record:
    """One bibliography entry: its citation ``key`` (as written: keys are
    case-sensitive), ``title``, ``authors`` (family names or whole names as written),
    ``year`` (text), its ``doi``/``isbn``/``url`` in identifiers' form (None when
    absent or not valid), and where it is written (``path`` in the vault or as given,
    ``line`` 1-based)."""

    key: str
    title: str | None
    authors: tuple[str, ...]
    year: str | None
    doi: str | None
    isbn: str | None
    url: str | None
    path: str
    line: int

    def identifiers(self) -> dict[str, str]:
        """The record's identifiers by kind (doi, isbn, url), those it has."""
        return {kind: value for kind, value in (("doi", self.doi), ("isbn", self.isbn),
                                                ("url", self.url)) if value}


@dataclass
class Library:
    """Every record of the libraries read: ``records`` by key (the first file read wins
    for a key written in two: pandoc's rule), the ``files`` read, and ``diagnostics``
    (blocks that could not be read, files that are no library)."""

    records: dict[str, Record] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(self, records: list[Record]) -> None:
        for record in records:
            self.records.setdefault(record.key, record)

    def by_identifier(self) -> dict[tuple[str, str], list[str]]:
        """(kind, value) -> the keys whose records carry that identifier."""
        found: dict[tuple[str, str], list[str]] = {}
        for record in self.records.values():
            for kind, value in record.identifiers().items():
                found.setdefault((kind, value), []).append(record.key)
        return found


def _plain(text: str) -> str:
    """A BibTeX value without its protecting braces and doubled spaces."""
    return " ".join(_BRACES.sub("", text).split())


def _field(fields: dict, name: str) -> str | None:
    found = fields.get(name)
    value = getattr(found, "value", found)
    return _plain(str(value)) if value not in (None, "") else None


def read_bibtex(text: str, path: str) -> tuple[list[Record], list[Diagnostic]]:
    """The entries of a BibTeX/BibLaTeX text (``path`` names it in what is returned):
    records, and an ``invalid-bibliography`` warning for each block bibtexparser could
    not read (its line, 1-based) and each key written twice in the file."""
    import bibtexparser

    library = bibtexparser.parse_string(text)
    records, problems, seen = [], [], set()
    for block in library.failed_blocks:
        problems.append(Diagnostic(path, block.start_line + 1, 1, WARNING, "invalid-bibliography",
                                   "this BibTeX entry cannot be read (" + _first_line(
                                       getattr(block, "error", None)) + "): it is skipped"))
    for entry in library.entries:
        fields = {name.lower(): value for name, value in entry.fields_dict.items()}
        line = entry.start_line + 1
        if entry.key in seen:
            problems.append(Diagnostic(path, line, 1, WARNING, "invalid-bibliography",
                                       f'the key "{entry.key}" is written twice: the first '
                                       "entry counts"))
            continue
        seen.add(entry.key)
        authors = _field(fields, "author") or _field(fields, "editor")
        year = _field(fields, "year") or (_field(fields, "date") or "")[:4] or None
        records.append(Record(
            entry.key, _field(fields, "title"),
            tuple(name.strip() for name in authors.split(" and ")) if authors else (),
            year, _identifier("doi", _field(fields, "doi")),
            _identifier("isbn", _field(fields, "isbn")),
            _identifier("url", _field(fields, "url")), path, line))
    return records, problems


def _first_line(error: object) -> str:
    text = str(error or "").strip().splitlines()
    return text[0] if text else "syntax error"


def _identifier(kind: str, value: str | None) -> str | None:
    return identifiers.normalise(kind, value) if value else None


def read_csl_json(text: str, path: str) -> tuple[list[Record], list[Diagnostic]] | None:
    """The items of a CSL-JSON text: records and diagnostics; None when the text is not
    CSL-JSON (not JSON, or not an array of objects each with an ``id``)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list) or not data or not all(
            isinstance(item, dict) and "id" in item for item in data):
        return None
    records, problems, seen = [], [], set()
    for number, item in enumerate(data, 1):
        key = str(item["id"])
        if key in seen:
            problems.append(Diagnostic(path, 1, 1, WARNING, "invalid-bibliography",
                                       f'item {number}: the id "{key}" is written twice: the '
                                       "first counts"))
            continue
        seen.add(key)
        authors = tuple(_csl_name(name) for name in item.get("author") or ()
                        if isinstance(name, dict))
        records.append(Record(
            key, str(item["title"]) if item.get("title") else None, authors,
            _csl_year(item.get("issued")), _identifier("doi", _text(item.get("DOI"))),
            _identifier("isbn", _text(item.get("ISBN"))), _identifier("url", _text(item.get("URL"))),
            path, 1))
    return records, problems


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _csl_name(name: dict) -> str:
    return str(name.get("family") or name.get("literal") or name.get("given") or "")


def _csl_year(issued: object) -> str | None:
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return str(parts[0][0])
        if issued.get("raw"):
            return str(issued["raw"])[:4]
    return None


def is_library_name(path: str) -> bool:
    """Whether a vault file may be a library: ``.bib`` or ``.json`` (a ``.json`` file
    is one only when it reads as CSL-JSON)."""
    return path.lower().endswith((".bib", ".json"))


class LibraryCache(Protocol):
    """Where read libraries are kept between runs: ``get(shown, stamp)`` gives the text
    :func:`read_library` kept for that file at that stamp (None: not kept), ``put``
    keeps one."""

    def get(self, shown: str, stamp: str) -> str | None: ...

    def put(self, shown: str, stamp: str, data: str) -> None: ...


def _stamp(file, explicit: bool) -> str | None:
    """What changes when the file does: size, modification and change times (ns)."""
    try:
        info = os.stat(file)
    except OSError:
        return None
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{int(explicit)}"


def read_library(file, shown: str, library: Library, explicit: bool = False,
                 cache: LibraryCache | None = None) -> None:
    """Read the library at ``file`` (a filesystem path; ``shown``: how diagnostics name
    it) into ``library``.  A ``.json`` file that is no CSL-JSON is skipped, or, when
    named ``explicit``-ly (a ``bibliography:`` property, ``--bibliography``), reported;
    a file that cannot be read is reported.  With ``cache``, what was read is kept
    and read back while the file's size and times stay the same (parsing a 5,000-entry
    .bib takes ~0.5 s)."""
    stamp = _stamp(file, explicit) if cache is not None else None
    if stamp is not None:
        kept = cache.get(shown, stamp)
        if kept is not None and _restore(kept, shown, library):
            return
    found = _read(file, shown, explicit)
    if found is not None:
        records, problems, is_library = found
        if is_library:
            library.files.append(shown)
            library.add(records)
        library.diagnostics.extend(problems)
        if stamp is not None:
            cache.put(shown, stamp, json.dumps({
                "library": is_library, "records": [[getattr(r, n) for n in r.__slots__]
                                                   for r in records],
                "diagnostics": [[getattr(d, n) for n in d.__slots__] for d in problems]},
                ensure_ascii=False))


def _restore(text: str, shown: str, library: Library) -> bool:
    """Add what :func:`read_library` kept (JSON) to ``library``; False when the text is
    not what it keeps (then the file is read again)."""
    try:
        data = json.loads(text)
        records = [Record(row[0], row[1], tuple(row[2]), *row[3:]) for row in data["records"]]
        problems = [Diagnostic(*row) for row in data["diagnostics"]]
        is_library = bool(data["library"])
    except (ValueError, TypeError, KeyError, IndexError):
        return False
    if is_library:
        library.files.append(shown)
        library.add(records)
    library.diagnostics.extend(problems)
    return True


def _read(file, shown: str, explicit: bool) -> tuple[list[Record], list[Diagnostic], bool] | None:
    """(records, diagnostics, whether it is a library) of the file; None when a
    ``.json`` file not named explicitly is no CSL-JSON (nothing to say)."""
    try:
        text = read_bounded(file, MAX_LIBRARY_BYTES).decode("utf-8", errors="replace")
    except (OSError, ValueError, TooLarge) as exc:
        return [], [Diagnostic(shown, 1, 1, WARNING, "invalid-bibliography",
                               f"this bibliography cannot be read: {exc}")], False
    if shown.lower().endswith(".json") or (explicit and text.lstrip()[:1] in "[{"):
        found = read_csl_json(text, shown)
        if found is None:
            if explicit:
                return [], [Diagnostic(shown, 1, 1, WARNING, "invalid-bibliography",
                                       "this file is not CSL-JSON (an array of items with an "
                                       "id)")], False
            return None
    else:
        found = read_bibtex(text, shown)
    records, problems = found
    return records, problems, True
