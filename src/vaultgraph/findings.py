"""`check`'s findings kept in the index, note by note, and brought up to date
incrementally: after an edit only the notes whose findings can have changed are
checked again, and nothing else of the vault is loaded.

The tables they are kept in, and the rules for when an edit makes them stale, are
the store's (checked.py: ``forget_findings`` runs in the transaction that brings the
answers up to date).  This module does the checking: it reads the notes whose
findings were forgotten (read from the index through the Vault), checks them (check.check_notes) and keeps
what it found; and for the names that came or went (``changed_names``) it finds the
notes with a broken link whose name scores at least the did-you-mean cutoff with one
of them (:func:`_near_changed_names`).

Provenance's ``unsourced-claim`` is worked out afresh by each run from what the
notes keep (roles, evidence links) and where their links now resolve.
"""

from __future__ import annotations

import json
import posixpath
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from .model import Diagnostic
from .resolve import fold

if TYPE_CHECKING:
    from .check import CheckResult, NoteCheck
    from .provenance import ProvenanceConfig
    from .vault import Vault


def _near_changed_names(connection: sqlite3.Connection, changed: list[str]) -> set[str]:
    """The notes with a broken link whose did-you-mean or "is an alias of" hint the names
    that came or went (``changed``) can change: a link whose name scores at least the
    did-you-mean cutoff with one of them (an alias of that very name scores 100)."""
    from .broken import UNLINKABLE
    from .suggest import Suggester

    sources: dict[str, set[str]] = {}
    for source, linkpath in connection.execute(
            "SELECT DISTINCT source, linkpath FROM edges WHERE target IS NULL"):
        sources.setdefault(fold(posixpath.basename(linkpath)), set()).add(source)
    if any(ch in name for name in changed for ch in UNLINKABLE):
        # A file whose name holds link syntax came or went: the broken links that may
        # mean it ("... exists, but its name contains") are checked again (rare).
        return {source for found in sources.values() for source in found}
    queries = [query for query in sources if query]
    near = Suggester.scores(changed, queries, limit=len(queries))
    return {source for hits in near.values() for _, query in hits for source in sources[query]}


def _store(location: Path, generation: str | None, checks: list["NoteCheck"],
           changed: list[str]) -> None:
    """Keep ``checks`` (made for the ``changed`` names, now seen to) in the index at
    ``location``, unless another run changed it since they were made.  Written through
    a connection of its own: the Vault's holds its snapshot (a read transaction)."""
    from .codec import fields_of
    from .index import connect, write_transaction
    from .index import generation as index_generation

    try:
        connection = connect(location, create=False)
    except sqlite3.Error:
        return  # a cache: the next run checks these notes again
    try:
        with write_transaction(connection):
            if index_generation(connection) == generation:
                connection.executemany("INSERT OR REPLACE INTO checked VALUES (?, ?, ?, ?, ?)", (
                    (c.path, c.declared, c.source_keys,
                     1 if c.cites else 2 if c.bare_quotes else 0,  # (2: bare quotes only)
                     _findings_json([fields_of(d) for d in c.findings])
                     if c.findings else None) for c in checks))
                connection.executemany("INSERT OR REPLACE INTO evidence VALUES (?, ?, ?)",
                                       ((c.path, seq, kind) for c in checks
                                        for seq, kind in c.evidence))
                connection.executemany("INSERT OR REPLACE INTO cited_keys VALUES (?, ?, ?, ?, ?)",
                                       ((c.path, seq, *row) for c in checks
                                        for seq, row in enumerate(c.keys)))
                connection.executemany("INSERT OR REPLACE INTO note_bibliographies VALUES (?, ?, ?)",
                                       ((c.path, seq, value) for c in checks
                                        for seq, value in enumerate(c.bibliographies)))
                connection.executemany("DELETE FROM changed_names WHERE name = ?",
                                       ((name,) for name in changed))
    except sqlite3.Error:
        pass  # a cache: the next run checks these notes again
    finally:
        connection.close()


def _findings_json(rows: list[list]) -> str:
    """A note's findings (``fields_of`` each) as the JSON text kept in ``checked``:
    orjson's (a tenth of json's time), or json's for what orjson refuses (lone
    surrogates, integers past 64 bits); read back by json (:func:`_gather`)."""
    import orjson

    try:
        return orjson.dumps(rows).decode()
    except TypeError:
        return json.dumps(rows, ensure_ascii=False)


def _citations(connection: sqlite3.Connection, vault: "Vault", checks: list["NoteCheck"],
               config: "ProvenanceConfig", visible: Callable[[str], bool],
               ) -> tuple[set[str], list[Diagnostic]]:
    """The notes their pandoc keys source, and the findings about keys and libraries
    (provenance.key_findings), from the keys the notes keep and those of ``checks``,
    against the libraries as they are now: worked out on every run, so an edited
    bibliography is seen at once."""
    from .provenance import key_findings, load_library

    checked = {c.path for c in checks}
    keys: dict[str, list[tuple[str, int, int]]] = {}
    for source, key, line, column in connection.execute(
            "SELECT source, key, line, col FROM cited_keys ORDER BY source, seq"):
        if source not in checked:
            keys.setdefault(source, []).append((key, line, column))
    declared: dict[str, list[str]] = {}
    for source, value in connection.execute(
            "SELECT source, value FROM note_bibliographies ORDER BY source, seq"):
        if source not in checked:
            declared.setdefault(source, []).append(value)
    for check in checks:
        if check.keys:
            keys[check.path] = list(check.keys)
        if check.bibliographies:
            declared[check.path] = list(check.bibliographies)
    if not keys and not config.bibliographies and not declared and not any(
            path.lower().endswith(".bib") for path in vault.attachments):
        return set(), []  # (most vaults: no .json read for nothing)
    library = load_library(vault.root, vault.files, declared, config.bibliographies, connection,
                           vault.location)
    sourced, found = key_findings(library, {p: k for p, k in keys.items() if visible(p)})
    return sourced, library.diagnostics + found


def _unsourced(connection: sqlite3.Connection, checks: list["NoteCheck"], notes: list[str],
               config: "ProvenanceConfig", visible: Callable[[str], bool],
               keyed: set[str] = frozenset()) -> list[Diagnostic]:
    """``unsourced-claim`` findings, from the roles and evidence links the notes keep and
    those of ``checks`` (the notes checked now: what they keep, if anything, is the same);
    ``keyed``: the notes their pandoc keys source (:func:`_citations`)."""
    from .provenance import (VARIATION_SELECTOR, Role, holder_and_target, role_of,
                             unsourced_claims)

    declared = dict(connection.execute(
        "SELECT path, declared FROM checked WHERE declared IS NOT NULL"))
    declared.update((c.path, c.declared) for c in checks if c.declared)
    tags: dict[str, list[str]] = {}
    if config.role_tags:  # the tags that may give a role (role_of decides)
        keys = sorted({fold(variant) for name in config.role_tags  # `#🔴️` (VS16) too
                       for variant in (name, name + VARIATION_SELECTOR)})
        for path, name in connection.execute(
                f"SELECT path, name FROM tags WHERE name_key IN ({','.join('?' * len(keys))}) "
                "ORDER BY path, seq", keys):
            tags.setdefault(path, []).append(name)
    # Front matter that makes a source is the last rule: it decides no claim.
    candidates = notes if config.role_folders else {*declared, *tags}
    claims = sorted(path for path in candidates if visible(path) and role_of(
        path, declared.get(path), tags.get(path, ()), False, config) == Role.CLAIM)
    if not claims:
        return []
    source_keys = {path for (path,) in connection.execute(
        "SELECT path FROM checked WHERE source_keys")}
    source_keys.update(c.path for c in checks if c.source_keys)
    roles = {path: role_of(path, declared.get(path), tags.get(path, ()), path in source_keys,
                           config) for path in {*candidates, *source_keys}}
    cites = [path for (path,) in connection.execute("SELECT path FROM checked WHERE cites = 1")]
    cites.extend(c.path for c in checks if c.cites)
    cites.extend(keyed)
    checked = {c.path for c in checks}
    bare = [path for (path,) in connection.execute("SELECT path FROM checked WHERE cites = 2")
            if path not in checked]
    bare.extend(c.path for c in checks if c.bare_quotes)
    evidence = connection.execute(
        "SELECT v.source, v.kind, e.target FROM evidence v "
        "JOIN edges e ON e.source = v.source AND e.seq = v.seq").fetchall()
    target = "SELECT target FROM edges WHERE source = ? AND seq = ?"
    for c in checks:  # (their targets as check resolved them: the index's edges agree)
        if len(c.targets) == len(c.evidence):
            evidence.extend((c.path, kind, to) for (_, kind), to in zip(c.evidence, c.targets))
        else:
            evidence.extend((c.path, kind, connection.execute(target, (c.path, seq)).fetchone()[0])
                            for seq, kind in c.evidence)
    links = (holder_and_target(*row) for row in evidence)
    return unsourced_claims(claims, roles, cites, [link for link in links if link], bare)


def vault_findings(vault: "Vault", include_excluded: bool, config: "ProvenanceConfig",
                   progress: Callable[..., None] | None = None,
                   ) -> tuple[list[Diagnostic], int]:
    """`check`'s findings, unsorted and unfiltered, and the number of notes checked:
    only the notes without kept findings, or with broken links near names that came or
    went, are checked (and their findings kept in the index); the rest are read as
    kept.  ``progress(done, total[, what])``: how checking the notes goes."""
    from .check import check_notes
    from .index import gc_paused, generation

    connection = vault.connection
    with gc_paused():
        # The Vault reads one snapshot of the index; the findings made are written
        # through a connection of their own (_store, as the did-you-mean store does),
        # and kept only if no other run has changed the index since the snapshot.
        now = generation(connection)
        changed = [name for (name,) in connection.execute("SELECT name FROM changed_names")]
        unchecked = sorted({path for (path,) in connection.execute(
            "SELECT path FROM names WHERE path NOT IN (SELECT path FROM checked)")}
            | _unchecked_canvases(connection, vault)
            | (_near_changed_names(connection, changed) if changed else set()))
        checks = check_notes(vault, unchecked, progress)
        result = _gather(connection, vault, checks, include_excluded, config)
        if checks or changed:
            _store(vault.location, now, checks, changed)
    return result


def check_vault(vault: "Vault", unresolved: str = "error", select: Iterable[str] = (),
                ignore: Iterable[str] = (), include_excluded: bool = False,
                provenance: "ProvenanceConfig | None" = None,
                commented: str = "warning") -> "CheckResult":
    """Every finding in the vault, sorted by file and position: what ``vaultgraph
    check`` reports with no configuration file (check.select_findings says how
    ``unresolved``, ``select``, ``ignore`` and ``commented`` filter them; the notes'
    inline suppressions apply, lint.suppressed); ``provenance`` says which tags and
    folders give notes a role (default: ``#🔴`` marks a claim)."""
    from .check import select_findings
    from .lint import suppressed
    from .provenance import ProvenanceConfig

    found, notes = vault_findings(vault, include_excluded, provenance or ProvenanceConfig())
    found = suppressed(vault, found, include_excluded)
    return select_findings(found, notes, unresolved, select, ignore, commented)


def _unchecked_canvases(connection: sqlite3.Connection, vault: "Vault") -> set[str]:
    """The vault's canvases without kept findings (a canvas is a file, not a note: it
    has no row in `names`)."""
    canvases = list(vault.canvases)
    found = set(canvases)
    for start in range(0, len(canvases), 500):
        chunk = canvases[start:start + 500]
        found.difference_update(path for (path,) in connection.execute(
            f"SELECT path FROM checked WHERE path IN ({','.join('?' * len(chunk))})", chunk))
    return found


def _diagnostics(text: str, wanted: Callable[[str], bool]) -> list[Diagnostic]:
    """The diagnostics of the notes ``wanted`` in the JSON of kept findings."""
    return [Diagnostic(*row) for rows in json.loads(text) for row in rows if wanted(row[0])]


def _gather(connection: sqlite3.Connection, vault: "Vault", checks: list["NoteCheck"],
            include_excluded: bool, config: "ProvenanceConfig") -> tuple[list[Diagnostic], int]:
    """The listing's diagnostics, the findings of every visible note (those kept and
    those of ``checks``) and the unsourced claims; and the number of visible notes."""
    from .codec import decoded

    visible = vault.visible(include_excluded)
    found = [d for d in vault.diagnostics if visible(d.path)]
    (kept,) = connection.execute(  # one JSON text: decoded at once, in C
        "SELECT '[' || ifnull(group_concat(findings), '') || ']' FROM checked "
        "WHERE findings IS NOT NULL").fetchone()
    checked = {c.path for c in checks}
    found.extend(decoded(_diagnostics, kept, lambda path: visible(path) and path not in checked))
    for check in checks:  # the notes checked now
        if visible(check.path):
            found.extend(check.findings)
    keyed, cited = _citations(connection, vault, checks, config, visible)
    found.extend(cited)
    found.extend(_unsourced(connection, checks, list(vault.notes), config, visible, keyed))
    return found, vault.visible_count(include_excluded)
