"""The backlink report: one data model, written as Markdown, CSV, JSON or HTML.

``build_report`` decides what the report holds (filters, sorting); the format
modules only write it.  The JSON form is the model itself (docs/cli.md).
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..check import LinkStatus
from ..provenance import ProvenanceConfig, declared_role, has_source_keys, role_of
from ..queries import wanted
from ..resolve import fold
from ..views import backlink_row, link_place_json, report_link_json, tags_view, wanted_json

if TYPE_CHECKING:
    from ..vault import Vault

FORMATS = ("md", "csv", "json", "html")


@dataclass
class ReportOptions:
    tag: str | None = None
    path: str | None = None  # a glob over vault paths, e.g. "Claims/*"
    min_backlinks: int = 0
    include_unresolved: bool = False
    sort: str = "name"  # or "backlinks"
    include_excluded: bool = False


def build_report(vault: "Vault", options: ReportOptions | None = None) -> dict[str, Any]:
    """Every selected note with its backlinks (source, line, context), outgoing links
    (with status) and role (provenance.role_of, the default roles), plus the wanted notes, the tag index and a broken-link summary."""
    options = options or ReportOptions()
    status = LinkStatus(vault, hints=False)
    roles = ProvenanceConfig()
    tagged = set(vault.notes_with_tag(options.tag, options.include_excluded)) if options.tag else None
    entries = []
    incoming = vault.backlinks_by_target(options.include_excluded)
    for note in vault.visible_notes(options.include_excluded):
        if tagged is not None and note.path not in tagged:
            continue
        if options.path and not fnmatchcase(note.path, options.path):
            continue
        backlinks = [backlink_row(row) for row in incoming.get(note.path, ())]
        if len(backlinks) < options.min_backlinks:
            continue
        entries.append({
            "path": note.path, "title": note.name, "exists": True,
            "aliases": list(note.aliases), "tags": sorted({t.name for t in note.tags}, key=fold),
            "role": str(role_of(note.path, declared_role(note), (t.name for t in note.tags),
                                has_source_keys(note), roles)),
            "backlink_count": len(backlinks), "backlinks": backlinks,
            "outgoing": [report_link_json(e, status(e)) for e in vault.outgoing(note.path)],
        })
    missing = wanted(vault.broken_links(options.include_excluded))
    if options.include_unresolved:
        for row in missing:
            if len(row.links) >= options.min_backlinks and (
                    not options.path or fnmatchcase(row.name, options.path)) and tagged is None:
                entries.append({
                    "path": None, "title": row.name, "exists": False, "aliases": [], "tags": [],
                    "role": "missing",
                    "backlink_count": len(row.links),
                    "backlinks": [{k: v for k, v in link_place_json(link).items() if k != "target"}
                                  for link in row.links],
                    "outgoing": []})
    # Only claims and sources have a provenance section: a vault with neither (their roles are
    # role_of's, as Provenance's) is spared building the provenance model.
    section = provenance_section(vault, {e["path"] for e in entries if e["exists"]
                                         and e["role"] in ("claim", "source")}, roles)
    _add_provenance(entries, section)
    if options.sort == "backlinks":
        entries.sort(key=lambda e: (-e["backlink_count"], fold(e["title"])))
    else:
        entries.sort(key=lambda e: (fold(e["title"]), e["path"] or ""))
    broken = [dict(link, source=entry["path"])
              for entry in entries for link in entry["outgoing"]
              if link["status"] not in ("resolved", "ambiguous")]
    return {
        "vault": vault.root.name,
        "provenance": section,
        "summary": {"notes": sum(e["exists"] for e in entries),
                    "backlinks": sum(e["backlink_count"] for e in entries if e["exists"]),
                    "broken": len(broken), "wanted": len(missing)},
        "notes": entries,
        "wanted": [wanted_json(row) for row in missing],
        "tags": tags_view(vault.tags(options.include_excluded))["tags"],
        "broken": broken,
    }


REPORT_TREE_DEPTH = 4  # steps of each claim's evidence tree the report shows


def provenance_section(vault: "Vault", shown: set[str],
                       config: "ProvenanceConfig | None" = None) -> dict[str, Any]:
    """The report's provenance (docs/provenance.md): each claim among the notes
    ``shown`` with its verdict and evidence tree (``REPORT_TREE_DEPTH`` steps, shared
    subtrees once: ``views.provenance_view``), and each source note with the claims
    resting on it (``dependents``: note, depth, next hop)."""
    from ..provenance import Provenance, Role
    from ..views import dependent_json, provenance_view

    if not shown:
        return {"claims": [], "sources": []}
    found = Provenance(vault, config)
    claims = [provenance_view(found.tree(path, REPORT_TREE_DEPTH))
              for path in sorted(shown) if found.roles.get(path) == Role.CLAIM]
    sources = []
    for path in sorted(shown):
        if found.roles.get(path) == Role.SOURCE:
            sources.append({"note": path, "dependents": [
                dependent_json(row) for row in found.dependents([path], set())]})
    return {"claims": claims, "sources": sources}


def _add_provenance(entries: list[dict[str, Any]], section: dict[str, Any]) -> None:
    """Each claim entry's ``provenance`` (its tree in ``section``, the report's
    provenance) and each source entry's ``dependents``, for the page to show with the
    note: the same objects, worked out once."""
    claims = {claim["note"]: claim for claim in section["claims"]}
    sources = {source["note"]: source["dependents"] for source in section["sources"]}
    for entry in entries:
        if entry["path"] in claims:
            entry["provenance"] = claims[entry["path"]]
        elif entry["path"] in sources:
            entry["dependents"] = sources[entry["path"]]


def render(report: dict[str, Any], fmt: str) -> str:
    from . import csv, html, json, md

    writer = {"md": md.render, "csv": csv.render, "json": json.render, "html": html.render}[fmt]
    return writer(report)


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path``, never replacing what is not a regular file.

    A regular file, or a new one, is written to a temporary file in the same folder
    (a short name, ``.vg`` + 8 characters + ``.tmp``, so any name the folder takes
    works) and renamed over it: a reader never sees half a file, a failure leaves the
    old one intact, and its permissions are kept.  A symlink is followed: the file it
    points to is written, the link stays.  Anything else -- a FIFO, a device such as
    ``/dev/stdout`` or ``/dev/full`` -- is written into, in place.  A regular file with
    other hard links is replaced too, never written into: another of its names may be
    a note in the vault (``-o`` a hard link to ``VAULT/Note.md`` would overwrite the
    note, and no path check can see it), and that name keeps the old text.  Raises
    OSError (e.g. ENOSPC, EISDIR)."""
    target = os.path.realpath(path)
    try:
        info: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        with open(target, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        return
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".vg", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file private; give it the mode a plain open() would.
        os.chmod(temporary, info.st_mode & 0o7777 if info else 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
