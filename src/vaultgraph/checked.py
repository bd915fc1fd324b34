"""The tables `check`'s findings are kept in, and which of them an edit makes stale.

Part of the store: :func:`forget_findings` runs inside ``Index.update``'s transaction,
with the answers just written, so the findings kept never outlive what they were
worked out from.  The rules are data about the store's tables (edges, names), not
check's code: findings.py reads and fills these tables; the index only forgets.

What a note's findings depend on (check.NoteCheck), and so when they are forgotten
(:func:`forget_findings`):

- the note itself: it was parsed again, or it is gone;
- where its links resolve, whether a link is ambiguous, and whether a file spelled
  exactly like a link exists besides the one it resolves to (case-mismatch): a file
  was added or removed whose name is the lookup key of one of its links (every file a
  link's name can match, whatever its case, has that key);
- the headings and block ids of the notes its links name with a ``#``: such a
  note was parsed again;
- for its broken links, the names, aliases and attachments of the vault
  (did-you-mean, "is an alias of", a file whose name holds link syntax): the names of
  files added or removed and the aliases added or dropped are kept (``changed_names``),
  and the next check checks again the notes with a broken link whose name scores at
  least the did-you-mean cutoff with one of them (every note with a broken link when a
  name holding ``#^|[]`` came or went) -- no other answer can change.

A canvas's findings (its links only) follow the same rules; canvases are listed with
the files, not in ``names``.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from .resolve import keys_matching

if TYPE_CHECKING:
    from .answers import AnswerWriter

SCHEMA_SQL = """
-- check.NoteCheck of each note checked since it, or what its findings depend on, last
-- changed (findings: JSON diagnostic rows, NULL when there are none; cites: 1 it cites an
-- identifier or a tied quote, 2 it quotes people with no citation only, else 0).
CREATE TABLE IF NOT EXISTS checked (
    path TEXT PRIMARY KEY, declared TEXT, source_keys INTEGER NOT NULL, cites INTEGER NOT NULL,
    findings TEXT
);
CREATE TABLE IF NOT EXISTS evidence (
    source TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, PRIMARY KEY (source, seq)
);
-- The pandoc keys each checked note cites and the bibliographies its `bibliography`
-- property names: dangling keys are found on every run against the libraries as they
-- are then (a library's edit changes no note's kept findings).
CREATE TABLE IF NOT EXISTS cited_keys (
    source TEXT NOT NULL, seq INTEGER NOT NULL, key TEXT NOT NULL, line INTEGER NOT NULL,
    col INTEGER NOT NULL, PRIMARY KEY (source, seq)
);
CREATE TABLE IF NOT EXISTS note_bibliographies (
    source TEXT NOT NULL, seq INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (source, seq)
);
-- Libraries (.bib, CSL-JSON) as read, by the file's vault path (or path as given) and its
-- size and times: read back while the file is unchanged (bibliography.read_library).
CREATE TABLE IF NOT EXISTS libraries (path TEXT PRIMARY KEY, stamp TEXT NOT NULL, data TEXT NOT NULL);
-- Folded names of notes and attachments, and aliases, that came or went since the last
-- check: the notes whose broken links they can change are checked again.
CREATE TABLE IF NOT EXISTS changed_names (name TEXT PRIMARY KEY);
"""


def forget_findings(connection: sqlite3.Connection, answers: "AnswerWriter") -> None:
    """Drop the kept findings of every note whose findings the changes ``answers``
    just wrote can change (the rules are in this module's docstring)."""
    if answers.empty:
        return
    if answers.every_note_written:
        connection.execute("DELETE FROM checked")
        connection.execute("DELETE FROM evidence")
        connection.execute("DELETE FROM cited_keys")
        connection.execute("DELETE FROM note_bibliographies")
        return
    stale = answers.written | set(answers.gone)
    keys = sorted({key for path in answers.added + answers.gone for key in keys_matching(path)})
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        stale.update(source for (source,) in connection.execute(
            f"SELECT source FROM edges WHERE lookup_key IN ({','.join('?' * len(chunk))})", chunk))
    for path in answers.written:
        stale.update(source for (source,) in connection.execute(
            "SELECT source FROM edges WHERE target = ? AND instr(raw, '#') > 0", (path,)))
    connection.executemany("DELETE FROM checked WHERE path = ?", ((p,) for p in stale))
    connection.executemany("DELETE FROM evidence WHERE source = ?", ((p,) for p in stale))
    connection.executemany("DELETE FROM cited_keys WHERE source = ?", ((p,) for p in stale))
    connection.executemany("DELETE FROM note_bibliographies WHERE source = ?",
                           ((p,) for p in stale))
    connection.executemany("INSERT OR IGNORE INTO changed_names VALUES (?)",
                           ((name,) for name in answers.changed_names))
