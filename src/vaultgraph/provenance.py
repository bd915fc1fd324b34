"""Claim provenance: which sources back a claim, and which claims rest on a source.

The model is described in docs/provenance.md.  In short: every note gets a
role; evidence edges say that a note *rests on* another note or on an
external identifier (DOI, URL, ISBN, pandoc key, quoted person); ``opposes``
edges are counter-evidence, kept apart and never counted as support.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict, deque
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

from . import identifiers as ids
from .bibliography import Library, Record, is_library_name, read_library
from .model import WARNING, Diagnostic, LinkKind, note_name
from .resolve import fold
from .syntax.citations import find_locator

if TYPE_CHECKING:
    from .model import Link, Note
    from .vault import Edge, Vault



class Role(StrEnum):
    """A note's role (docs/provenance.md): ``claim``, ``evidence``, ``concept``,
    ``source``, ``question`` (the roles ``type``, tags and folders give: :data:`ROLES`)
    or ``note`` (none of them); and in a provenance tree, what an end that is no note
    is: an ``attachment``, a quoted ``person``, a ``missing`` note (the link resolves
    nowhere) or an ``external`` identifier."""

    CLAIM = "claim"
    EVIDENCE = "evidence"
    CONCEPT = "concept"
    SOURCE = "source"
    QUESTION = "question"
    NOTE = "note"
    ATTACHMENT = "attachment"
    PERSON = "person"
    MISSING = "missing"
    EXTERNAL = "external"


class EvidenceKind(StrEnum):
    """How an evidence edge is written (docs/provenance.md): a link under a
    ``reference`` heading, in a ``property`` or an inline ``field`` (their kind text
    names it: ``property:sources``, ``field:source``; :func:`split_evidence`), in a
    ``footnote``; a link of an evidence note that ``supports`` or ``opposes`` a claim;
    or an identifier cited as text (``doi``, ``url``, ``isbn``, ``pandoc``: a Citation's
    kind) or a ``quote`` of a person."""

    REFERENCE = "reference"
    PROPERTY = "property"
    FIELD = "field"
    FOOTNOTE = "footnote"
    SUPPORTS = "supports"
    OPPOSES = "opposes"
    DOI = "doi"
    URL = "url"
    ISBN = "isbn"
    PANDOC = "pandoc"
    QUOTE = "quote"

    def named(self, name: str) -> str:
        """The kind text of a ``property`` or ``field`` evidence link: ``KIND:NAME``."""
        return f"{self.value}:{name}"


def split_evidence(kind: str) -> tuple[EvidenceKind, str | None]:
    """An evidence kind text -> the kind and, for ``property:NAME`` and ``field:NAME``,
    the name (else None).  ValueError for a text that is no evidence kind."""
    head, named, name = kind.partition(":")
    return EvidenceKind(head), (name if named else None)


# The roles front matter ``type``, ``--role`` tags and folders may give.
ROLES = (Role.CLAIM, Role.EVIDENCE, Role.CONCEPT, Role.SOURCE, Role.QUESTION)
# Properties and inline fields in note N whose links are what N rests on.
RESTS_ON = frozenset({"source", "sources", "evidence", "derived_from", "derived-from",
                      "based_on", "based-on", "cites", "references", "citation", "citations"})
SUPPORTS, OPPOSES = EvidenceKind.SUPPORTS, EvidenceKind.OPPOSES
_EVIDENCE_NAMES = RESTS_ON | {SUPPORTS, OPPOSES}  # properties and fields whose links are evidence
REFERENCE_HEADINGS = frozenset({"references", "reference", "sources", "source", "bibliography",
                                "citations", "works cited", "literature"})
# The first word of each, and of "further reading": one of them is in the folded text of
# any reference heading (the words below are cut from it, never joined across a gap).
_REFERENCE_WORDS = tuple(sorted(
    word for word in {name.split()[0] for name in REFERENCE_HEADINGS} | {"further"}
    if not any(other != word and other in word for other in REFERENCE_HEADINGS)))
SOURCE_KEYS = ("doi", "url", "isbn")
_FIELD = re.compile(r"([A-Za-z_][\w-]*)::")
_FOOTNOTE = re.compile(r"^\[\^[^\]]+\]:")


@dataclass
class ProvenanceConfig:
    """Which tags and folders give a note its role when front matter ``type`` does not."""

    role_tags: dict[str, Role] = field(default_factory=lambda: {"🔴": Role.CLAIM})
    role_folders: dict[str, Role] = field(default_factory=dict)
    # libraries named by `--bibliography FILE` (filesystem paths), read besides the vault's
    bibliographies: list[str] = field(default_factory=list)

    @classmethod
    def from_specs(cls, specs: list[str]) -> "ProvenanceConfig":
        """``#tag=role`` and ``folder/=role`` pairs (added to the defaults)."""
        config = cls()
        for spec in specs:
            key, sep, role = spec.rpartition("=")
            if not sep or role not in ROLES or not key:
                raise ValueError(f"--role {spec!r}: expected #TAG=ROLE or FOLDER/=ROLE, "
                                 f"ROLE one of {', '.join(ROLES)}")
            if key.startswith("#"):
                config.role_tags[key[1:]] = Role(role)
            else:
                config.role_folders[key.rstrip("/") + "/"] = Role(role)
        return config


@dataclass(frozen=True)
class Evidence:
    """``holder`` rests on ``target`` (a note path) or on ``identifier`` (external).

    ``kind`` says how it was written: an :class:`EvidenceKind`'s text (``reference``,
    ``property:sources``, ``field:source``, ``footnote``, ``supports``, ``opposes``,
    ``doi``, ``url``, ``isbn``, ``pandoc``, ``quote``); ``written_in`` is the note where it is
    written (for ``supports``/``opposes`` that is the evidence note itself).
    """

    holder: str
    kind: str
    written_in: str
    line: int
    column: int = 1
    target: str | None = None
    identifier: str | None = None
    locator: str | None = None
    text: str | None = None
    unresolved: str | None = None  # the link path, when the link resolves nowhere
    uncited: bool = False  # a quote its paragraph ties to no citation: shown, not counted

    @property
    def counter(self) -> bool:
        return self.kind == OPPOSES


def _text_after(link) -> str:
    """The rest of the link's line after the link itself, up to the next link."""
    context = link.context
    at = context.find(link.raw)
    if at < 0:
        return ""
    close = context.find(")" if link.kind == LinkKind.MARKDOWN else "]]", at)
    tail = context[close + 1:] if close >= 0 else ""
    following = tail.find("[[")
    return tail[:following] if following >= 0 else tail


_ROLE_LINK = re.compile(r"^\[\[([^\]|#]*)(?:[|#][^\]]*)?\]\]$")
VARIATION_SELECTOR = "\ufe0f"  # `#🔴️`: the emoji with VS16 is the same tag to a reader


def role_named(text: object) -> Role | None:
    """The role a property value names: ``claim``, ``Claim``, ``"[[Claim]]"``,
    ``"[[Claims]]"`` (a category note named in the plural) -> ``claim``; None for
    anything else."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    match = _ROLE_LINK.match(value)
    if match:
        value = match.group(1).strip().rpartition("/")[2]
    value = fold(value)
    for name in (value, value[:-1] if value.endswith("s") else value):
        if name in ROLES:
            return Role(name)
    return None


def folded_names(note: "Note") -> list[str]:
    """The names of the note's front matter properties, folded (resolve.fold of their
    text), in order: what :func:`declared_role`, :func:`has_source_keys` and
    :func:`declared_bibliographies` compare, worked out once for the three."""
    return [fold(str(key)) for key in note.frontmatter]


def declared_role(note: "Note", names: list[str] | None = None) -> Role | None:
    """The role front matter gives: ``type`` naming one of :data:`ROLES` (as text or as a
    link to a note so named: ``type: "[[Claim]]"``), else the first item of
    ``categories`` (or ``category``) that names one -- kepano's vault convention,
    ``categories: ["[[Claims]]"]`` (plural allowed).  ``names``: :func:`folded_names`
    of the note, if worked out already."""
    front = note.frontmatter
    keys = {fold(str(key)): key for key in front} if names is None else dict(zip(names, front))
    if "type" not in keys and "categories" not in keys and "category" not in keys:
        return None  # (most notes: a name folded so is a key that folds so)
    role = role_named(front.get(keys.get("type", "type")))
    if role:
        return role
    for name in ("categories", "category"):
        values = front.get(keys.get(name, name))
        for value in values if isinstance(values, list) else [values]:
            role = role_named(value)
            if role:
                return role
    return None


def has_source_keys(note: "Note", names: list[str] | None = None) -> bool:
    """Front matter that makes a note a source: doi, url or isbn, or author and year.
    ``names``: :func:`folded_names` of the note, if worked out already."""
    keys = {fold(str(k)) for k in note.frontmatter} if names is None else set(names)
    return bool(keys & set(SOURCE_KEYS)) or {"author", "year"} <= keys


def role_of(path: str, declared: str | None, tags: Iterable[str], source_keys: bool,
            config: ProvenanceConfig) -> Role:
    """A note's role, by the first rule that applies (docs/provenance.md); ``declared``:
    the role its front matter gives (:func:`declared_role`, or its text); ``tags``: the
    names of its tags in note order (those without a role may be left out)."""
    if declared:
        return Role(declared)
    for tag in tags:
        bare = tag.replace(VARIATION_SELECTOR, "")
        role = config.role_tags.get(tag) or config.role_tags.get(fold(tag)) or \
            config.role_tags.get(bare) or config.role_tags.get(fold(bare))
        if role:
            return Role(role)
    for folder, role in config.role_folders.items():
        if fold(path).startswith(fold(folder)):
            return Role(role)
    return Role.SOURCE if source_keys else Role.NOTE


_NOT_WORDS = re.compile(r"[^\w\s&]+")


@lru_cache(maxsize=65536)  # a vault repeats its headings ("Notes", "References"...)
def is_reference_heading(text: str) -> bool:
    """Whether a heading names a reference section: one of :data:`REFERENCE_HEADINGS`
    once emoji, numbering and punctuation are dropped (``## 📚 References``, ``#####
    References``, ``## 3. Sources:``), or one of them followed by ``and``/``&`` and more
    (``## References and further reading``), or ``further reading``."""
    folded = fold(text)
    if not any(word in folded for word in _REFERENCE_WORDS):  # (most headings)
        return False
    return _names_references(folded)


def _names_references(folded: str) -> bool:
    """:func:`is_reference_heading` of a folded heading text, by its words."""
    words = " ".join(_NOT_WORDS.sub(" ", folded).split())
    words = re.sub(r"^[\d\s]+", "", words).replace("_", " ").strip()
    if words in REFERENCE_HEADINGS or words == "further reading":
        return True
    return any(words.startswith(f"{name} and ") or words.startswith(f"{name} & ")
               for name in REFERENCE_HEADINGS)


class Sections:
    """For each line of a note, whether it is in a reference section: under a reference
    heading (:func:`is_reference_heading`) or under a subsection of one (a heading of a
    deeper level), until a heading of the same level or above; and whether it is on a
    footnote definition (:meth:`in_footnote`)."""

    def __init__(self, note: "Note"):
        self.lines: list[int] = []
        self.inside: list[bool] = []
        stack: list[tuple[int, bool]] = []  # (level, in a reference section)
        for heading in note.headings:
            while stack and stack[-1][0] >= heading.level:
                stack.pop()
            inside = is_reference_heading(heading.text) or bool(stack and stack[-1][1])
            stack.append((heading.level, inside))
            self.lines.append(heading.line)
            self.inside.append(inside)
        self.footnotes = note.footnotes  # (first, last) lines, in note order

    def in_references(self, line: int) -> bool:
        index = bisect_right(self.lines, line) - 1
        return index >= 0 and self.inside[index]

    def in_footnote(self, line: int) -> bool:
        """Whether ``line`` is on a footnote definition, its continuation lines included
        (:attr:`Note.footnotes`)."""
        index = bisect_right(self.footnotes, (line, 1 << 62)) - 1
        return index >= 0 and self.footnotes[index][0] <= line <= self.footnotes[index][1]


def _in_inline_footnote(link: "Link", context: str) -> bool:
    """Whether a link is written inside an inline footnote ``^[See [[S]], p. 4]``
    (pandoc's and Obsidian's inline footnote): a ``^[`` before it on its line (its
    ``context``) whose bracket is still open where the link starts."""
    at = context.find("[[" + link.raw) if link.kind != LinkKind.MARKDOWN else context.find(link.raw)
    if at < 0:
        return False
    start = context.rfind("^[", 0, at)
    while start >= 0:
        depth = 0
        for char in context[start + 1:at]:
            depth += 1 if char == "[" else -1 if char == "]" else 0
            if depth == 0:
                break
        else:
            return True
        start = context.rfind("^[", 0, start)
    return False


def evidence_kind(link: "Link", sections: Sections) -> str | None:
    """How a link is evidence, as an :class:`EvidenceKind`'s text (``reference``,
    ``property:NAME``, ``field:NAME``, ``footnote``; NAME folded), from the note it is
    written in alone; None for other links."""
    if link.property_name is not None:
        name = fold(link.property_name)
        return EvidenceKind.PROPERTY.named(name) if name in _EVIDENCE_NAMES else None
    where = link.where  # the context, or the part of its line the context is cut from:
    shown = where if where.__class__ is str else where.text  # (what is not there, is not)
    if "::" not in shown and "^[" not in shown and "[^" not in shown:  # (most links)
        if sections.in_footnote(link.line):
            return EvidenceKind.FOOTNOTE
        return EvidenceKind.REFERENCE if sections.in_references(link.line) else None
    context = link.context  # (worked out from its line on each reading)
    if "::" in context:
        fields = [(m.start(), fold(m.group(1))) for m in _FIELD.finditer(context)]
        at = context.find("[[" + link.raw) if link.kind != LinkKind.MARKDOWN \
            else context.find(link.raw)
        before = [name for start, name in fields if at < 0 or start < at]
        if before and before[-1] in _EVIDENCE_NAMES:
            return EvidenceKind.FIELD.named(before[-1])
    if sections.in_footnote(link.line) or \
            (context.startswith("[^") and _FOOTNOTE.match(context)):
        return EvidenceKind.FOOTNOTE
    if "^[" in context and _in_inline_footnote(link, context):
        return EvidenceKind.FOOTNOTE
    if sections.in_references(link.line):
        return EvidenceKind.REFERENCE
    return None


def evidence_kinds(links: "list[Link]", sections: Sections) -> list[str | None]:
    """``[evidence_kind(link, sections) for link in links]`` (the links of the note
    ``sections`` was made of), with what depends only on a link's line worked out once
    per line: whether it holds ``::``, ``^[`` or ``[^``, and, when it holds none, the
    kind a link of the text there has (a footnote, a reference section, or none).
    check reads every link of every note this way."""
    kinds: list[str | None] = []
    marked: dict = {}  # a link's `where` (its line's text, shared, or its context) -> holds them
    by_line: dict[int, str | None] = {}  # line -> the kind of an unmarked link of the text
    for link in links:
        if link.kind not in _TEXT_KINDS:  # a property's link (or a kind unknown here)
            kinds.append(evidence_kind(link, sections))
            continue
        where = link.where
        marks = marked.get(where)
        if marks is None:
            shown = where if where.__class__ is str else where.text
            marks = marked[where] = "::" in shown or "^[" in shown or "[^" in shown
        if marks:
            kinds.append(evidence_kind(link, sections))
            continue
        line = link.line
        kind = by_line.get(line, _UNKNOWN)
        if kind is _UNKNOWN:
            kind = by_line[line] = EvidenceKind.FOOTNOTE if sections.in_footnote(line) else \
                EvidenceKind.REFERENCE if sections.in_references(line) else None
        kinds.append(kind)
    return kinds


_UNKNOWN = object()
# The kinds of a link of the text (model.LinkKind: not ``property:<name>``).
_TEXT_KINDS = frozenset({LinkKind.LINK, LinkKind.EMBED, LinkKind.MARKDOWN, LinkKind.CANVAS})


@dataclass(frozen=True, slots=True)
class EvidenceLink:
    """Which end of an evidence link rests on which: ``holder`` rests on ``target`` (a note
    path, None when the link leads nowhere), or, ``counter``, is opposed by it.  ``kind``:
    ``supports``/``opposes`` for the links written in the evidence note, else the kind
    :func:`evidence_kind` gives."""

    holder: str
    target: str | None
    kind: str
    counter: bool = False


def evidence_link(written_in: str, kind: str, target: str | None) -> EvidenceLink | None:
    """The evidence edge an evidence link of ``kind`` to ``target`` (None: it resolves
    nowhere) written in ``written_in`` makes (docs/provenance.md, "Evidence edges"): N
    rests on T when N links to T, but C rests on E (or, ``opposes``, is opposed by E) when
    E ``supports`` C.  None for a link of a note to itself, and for a ``supports`` or
    ``opposes`` link to nothing (there is no claim to attach it to)."""
    if target == written_in:
        return None  # a note does not back itself
    name = split_evidence(kind)[1]
    if name in (SUPPORTS, OPPOSES):
        if target is None:
            return None
        relation = EvidenceKind(name)
        return EvidenceLink(target, written_in, relation, relation is OPPOSES)
    return EvidenceLink(written_in, target, kind)


def holder_and_target(written_in: str, kind: str, target: str | None) -> tuple[str, str] | None:
    """(holder, target): what an evidence link of ``kind`` to ``target`` written in
    ``written_in`` says rests on what (:func:`evidence_link`); None for counter-evidence,
    unresolved links and links of a note to itself."""
    edge = evidence_link(written_in, kind, target)
    if edge is None or edge.counter or edge.target is None:
        return None
    return edge.holder, edge.target


def cites_directly(note: "Note") -> bool:
    """Whether a note rests on something outside the vault that needs no bibliography:
    it cites an identifier (DOI, URL, ISBN) or quotes a named person in a paragraph that
    cites something too (``Quote.cited``).  Its pandoc keys
    count only as the bibliographies resolve them (:func:`key_findings`)."""
    return any(q.cited for q in note.quotes) or \
        any(c.kind != EvidenceKind.PANDOC for c in note.citations)


def quotes_only(note: "Note") -> bool:
    """Whether a note quotes people without tying any quote to a citation (a bare
    ``My uncle says "…"`` is no source): check says so when such a claim is unsourced."""
    return bool(note.quotes) and not any(q.cited for q in note.quotes)


def cited_keys(note: "Note") -> list[tuple[str, int, int]]:
    """The pandoc citation keys a note cites: (key, line, column), in note order."""
    return [(c.value, c.line, c.column) for c in note.citations if c.kind == EvidenceKind.PANDOC]


def declared_bibliographies(note: "Note", names: list[str] | None = None) -> list[str]:
    """The files a note's ``bibliography`` property names (pandoc's metadata key: one
    path or a list of them; the first property so named).  ``names``:
    :func:`folded_names` of the note, if worked out already."""
    names = folded_names(note) if names is None else names
    if "bibliography" not in names:
        return []
    value = list(note.frontmatter.values())[names.index("bibliography")]
    values = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in values if isinstance(v, str) and v.strip()]


class KeptLibraries:
    """The index's ``libraries`` table as a :class:`bibliography.LibraryCache`: rows are
    read (through ``connection``, the Vault's snapshot) when asked for and written at
    :meth:`save`, in one transaction through a connection of its own to the index at
    ``location`` (the Vault's holds a read transaction), unless the index cannot be
    written now or is in memory (a cache: the next run reads the files again)."""

    def __init__(self, connection, location=None):
        self.connection, self.location = connection, location
        self.new: dict[str, tuple[str, str]] = {}

    def get(self, shown: str, stamp: str) -> str | None:
        import sqlite3

        try:
            row = self.connection.execute(
                "SELECT data FROM libraries WHERE path = ? AND stamp = ?", (shown, stamp)).fetchone()
        except sqlite3.Error:
            return None
        return row[0] if row and isinstance(row[0], str) else None

    def put(self, shown: str, stamp: str, data: str) -> None:
        self.new[shown] = (stamp, data)

    def save(self) -> None:
        import sqlite3

        from .index import connect, write_transaction

        if not self.new or self.location is None or str(self.location) == ":memory:":
            self.new.clear()
            return
        try:
            connection = connect(self.location, create=False)
        except sqlite3.Error:
            self.new.clear()
            return
        try:
            with write_transaction(connection):
                connection.executemany(
                    "INSERT OR REPLACE INTO libraries VALUES (?, ?, ?)",
                    ((path, stamp, data) for path, (stamp, data) in self.new.items()))
        except sqlite3.Error:
            pass
        finally:
            connection.close()
        self.new.clear()


def load_library(root, files: Iterable[str], declared: dict[str, list[str]],
                 extra: Iterable[str], connection=None, location=None) -> Library:
    """Every bibliography a vault cites against (docs/provenance.md, "Bibliographies"):
    the files named by ``extra`` (``--bibliography``, filesystem paths), those the notes'
    ``bibliography`` properties name (``declared``: note path -> values; a value is
    a path relative to the note's folder, else to the vault root ``root``), then every
    ``.bib`` and CSL-JSON file among the vault's ``files``.  A key in two libraries:
    the first read counts.  With the index's ``connection`` (and ``location``, to write),
    libraries read are kept in it and read back while unchanged (:class:`KeptLibraries`)."""
    import posixpath
    from pathlib import Path

    cache = KeptLibraries(connection, location) if connection is not None else None
    library = Library()
    read: set[str] = set()
    for file in extra:
        read_library(file, file, library, explicit=True, cache=cache)
    listed = set(files)
    for note_path, values in sorted(declared.items()):
        for value in values:
            folder = posixpath.dirname(note_path)
            candidates = [posixpath.normpath(posixpath.join(folder, value)),
                          posixpath.normpath(value.lstrip("/"))]
            found = next((c for c in candidates if c in listed), None)
            if found is None:
                library.diagnostics.append(Diagnostic(
                    note_path, 1, 1, WARNING, "invalid-bibliography",
                    f'bibliography "{value}" is not in the vault (looked at '
                    + " and ".join(dict.fromkeys(candidates)) + ")"))
            elif found not in read:
                read.add(found)
                read_library(Path(root) / found, found, library, explicit=True, cache=cache)
    for file in sorted(listed):
        if is_library_name(file) and file not in read:
            read.add(file)
            read_library(Path(root) / file, file, library, cache=cache)
    if cache is not None:
        cache.save()
    return library


def key_findings(library: Library, keys: dict[str, list[tuple[str, int, int]]],
                 ) -> tuple[set[str], list[Diagnostic]]:
    """The notes a cited key sources (``keys``: note -> its keys with line and column),
    and the findings: ``dangling-citation`` for a key in no library (did-you-mean over
    the keys they hold); where no library was read at all, one ``no-bibliography`` on
    the first key cited, and every key counts (nothing to check them against)."""
    from .suggest import suggest

    citing = [path for path in sorted(keys) if keys[path]]
    if not library.files:
        if not citing:
            return set(), []
        key, line, column = keys[citing[0]][0]
        return set(citing), [Diagnostic(
            citing[0], line, column, WARNING, "no-bibliography",
            f"{len(citing)} note(s) cite pandoc keys such as \"@{key}\", but the vault has no "
            "bibliography (.bib, CSL-JSON, a bibliography: property or --bibliography): "
            "the keys are not checked", "@" + key)]
    sourced, found = set(), []
    names = {fold(k): k for k in library.records}
    for path in citing:
        for key, line, column in keys[path]:
            if key in library.records:
                sourced.add(path)
                continue
            hints = suggest(key, names)
            found.append(Diagnostic(
                path, line, column, WARNING, "dangling-citation",
                f'cites "@{key}", which is in no bibliography ({len(library.files)} read)'
                + (f"; did you mean {', '.join('@' + h for h in hints)}?" if hints else ""),
                "@" + key, ["@" + h for h in hints]))
    return sourced, found


def conflicting_evidence(path: str, links: Iterable[tuple[str, str | None, "Link"]]
                         ) -> list[Diagnostic]:
    """``conflicting-evidence`` for each claim the note at ``path`` both ``supports``
    and ``opposes`` (``links``: (evidence kind, target, link) of its evidence links),
    on the ``opposes`` link."""
    supported = {target for kind, target, _ in links
                 if target and split_evidence(kind)[1] == SUPPORTS}
    return [Diagnostic(path, link.line, link.column, WARNING, "conflicting-evidence",
                       f'both supports and opposes "{note_name(target)}": say which, or '
                       "split the note", link.raw)
            for kind, target, link in links
            if target in supported and split_evidence(kind)[1] == OPPOSES]


def dangling_citation(path: str, link: "Link", kind: str) -> Diagnostic:
    return Diagnostic(path, link.line, link.column, WARNING, "dangling-citation",
                      f'cites "{link.path}" ({kind}), which is not in the vault', link.path)


def is_dangling(written_in: str, kind: str, target: str | None) -> bool:
    """Whether an evidence link cites what is not in the vault (``supports`` and
    ``opposes`` links to nothing attach to nothing, and are not reported)."""
    return target is None and evidence_link(written_in, kind, target) is not None


def source_depths(roles: dict[str, Role], cites: Iterable[str],
                  links: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Every note from which a source can be reached along "rests on" links (the
    ``(holder, target)`` pairs of :func:`holder_and_target`), with the number of links to
    the nearest source counting the last (``depth`` 1: the note rests on a source itself).
    Sources: an identifier cited or a person quoted (``cites``: the notes doing so) and a
    note whose role (``roles``) is ``source``.  Breadth-first back from them, so a cycle
    ends and the nearest source counts."""
    holders: dict[str, list[str]] = defaultdict(list)
    depths = dict.fromkeys(cites, 1)
    for holder, target in links:
        holders[target].append(holder)
        if roles.get(target) == Role.SOURCE:
            depths[holder] = 1
    queue = deque(depths)
    while queue:
        current = queue.popleft()
        for holder in holders.get(current, ()):
            if holder not in depths:
                depths[holder] = depths[current] + 1
                queue.append(holder)
    return depths


def sourced_notes(roles: dict[str, Role], cites: Iterable[str],
                  links: Iterable[tuple[str, str]]) -> set[str]:
    """The notes from which a source can be reached (:func:`source_depths`)."""
    return set(source_depths(roles, cites, links))


def unsourced_claims(claims: list[str], roles: dict[str, Role], cites: Iterable[str],
                     links: Iterable[tuple[str, str]],
                     bare_quotes: Iterable[str] = ()) -> list[Diagnostic]:
    """An ``unsourced-claim`` finding for each of ``claims`` from which no source can be
    reached (see :func:`sourced_notes`; ``roles`` needs only the claims and sources);
    for those among ``bare_quotes`` (:func:`quotes_only`) the message says that their
    quotations cite nothing."""
    if not claims:
        return []
    sourced = sourced_notes(roles, cites, links)
    bare = set(bare_quotes)
    return [Diagnostic(path, 1, 1, WARNING, "unsourced-claim",
                       f'claim "{note_name(path)}" cites no source, directly or through the '
                       "notes it rests on" + (
                           "; its quotations are tied to no citation (a source note, "
                           "identifier or footnote in the same paragraph)"
                           if path in bare else ""))
            for path in claims if path not in sourced]


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """A note, or what evidence names outside the vault: ``note`` its vault path (None
    outside the vault), ``title`` (the note's name; else the identifier, the person
    quoted or the unresolved link's path), ``role`` (a note's role, ``attachment``;
    ``external``, ``person`` or ``missing`` outside the vault), ``identifiers`` (a source
    note's doi, url, isbn; an external identifier by its kind)."""

    note: str | None
    title: str
    role: str
    identifiers: dict[str, str]


@dataclass(frozen=True, slots=True)
class Verdict:
    """How a note is sourced: ``verdict`` (``sourced-directly``, ``sourced-indirectly``,
    ``unsourced``, ``contested``), ``sourced`` (``directly``, ``indirectly``, ``no``),
    ``depth`` (steps to the nearest source; None: none), ``contested`` (something
    opposes it)."""

    verdict: str
    sourced: str
    depth: int | None
    contested: bool


@dataclass(frozen=True, slots=True)
class EvidenceStep:
    """One piece of evidence: what it leads to (``node``), the kind of evidence
    (``via``), the note it is written in and its line (1-based), the citation's
    ``locator`` (page...) or None, the ``quote`` of a quotation (else None).  For
    what a note rests on, ``cycle`` (the node is already on the path: not followed)
    and ``rests_on`` (what the node rests on in turn, empty at the depth asked); for
    counter-evidence both are None (never followed)."""

    node: NodeInfo
    via: str
    written_in: str
    line: int
    locator: str | None
    quote: str | None = None
    cycle: bool | None = None
    rests_on: "list[EvidenceStep] | None" = None
    repeated: bool = False  # the node's evidence was given where it first appears
    uncited: bool = False  # a quote tied to no citation: shown, not counted as a source


@dataclass(frozen=True, slots=True)
class ClaimTree:
    """`provenance CLAIM`: the claim, its verdict, what opposes it, what it rests on."""

    node: NodeInfo
    verdict: Verdict
    opposed_by: list[EvidenceStep]
    rests_on: list[EvidenceStep]


@dataclass(frozen=True, slots=True)
class Dependent:
    """A claim resting on a source: ``depth`` steps away (1: directly), ``next`` the note
    it rests on one step closer to the source (None: it names the source itself), and
    when asked for, the whole ``chain`` (vault paths, from the claim to the note naming
    the source; else None)."""

    node: NodeInfo
    depth: int
    next: str | None
    chain: list[str] | None = None


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """An edge of an evidence graph: ``holder`` rests on ``target`` (node ids), or, with
    ``counter``, ``target`` opposes ``holder``; ``via`` the evidence kind, where it is
    written (``written_in``, ``line`` 1-based) and its ``locator``."""

    holder: str
    target: str
    via: str
    written_in: str
    line: int
    locator: str | None
    counter: bool


@dataclass(frozen=True, slots=True)
class EvidenceGraph:
    """`provenance CLAIM --format graph-json|dot|mermaid|prov-json`: the ``claim`` (its node id), its ``verdict``,
    the ``nodes`` reached (id -> NodeInfo: a vault path, or :func:`node_key`'s id for
    what is outside the vault) and the ``edges``, each once."""

    claim: str
    verdict: Verdict
    nodes: dict[str, NodeInfo]
    edges: list[GraphEdge]


class Provenance:
    """The provenance of a vault's notes: roles, evidence edges (what each note rests on
    and what opposes it), the bibliographies its pandoc keys resolve against, and how
    far each note is from a source (the same rules ``check`` applies)."""

    def __init__(self, vault: "Vault", config: ProvenanceConfig | None = None):
        self.vault = vault
        self.config = config or ProvenanceConfig()
        self.roles = {path: role_of(path, declared_role(note), (t.name for t in note.tags),
                                    has_source_keys(note), self.config)
                      for path, note in vault.notes.items()}
        keys = {path: cited_keys(note) for path, note in vault.notes.items()}
        self.library = load_library(
            vault.root, vault.files,
            {path: found for path, note in vault.notes.items()
             if (found := declared_bibliographies(note))}, self.config.bibliographies,
            getattr(vault, "connection", None), getattr(vault, "location", None))
        keyed, _ = key_findings(self.library, keys)
        self.rests_on: dict[str, list[Evidence]] = defaultdict(list)
        self.opposed_by: dict[str, list[Evidence]] = defaultdict(list)
        for path, note in vault.notes.items():
            sections = Sections(note)
            for edge in vault.outgoing(path):
                kind = evidence_kind(edge.link, sections)
                if kind is not None:
                    self._add_link(edge, kind)
            for citation in note.citations:
                locator = citation_locator(citation)
                if citation.kind == EvidenceKind.PANDOC and self.library.files and \
                        citation.value not in self.library.records:  # sources nothing
                    self.rests_on[path].append(Evidence(
                        path, citation.kind, path, citation.line, citation.column,
                        locator=locator, unresolved="@" + citation.value))
                    continue
                self.rests_on[path].append(Evidence(
                    path, citation.kind, path, citation.line, citation.column,
                    identifier=citation.value, locator=locator))
            for quote in note.quotes:
                self.rests_on[path].append(Evidence(
                    path, EvidenceKind.QUOTE, path, quote.line, quote.column,
                    identifier=quote.person, text=quote.text, uncited=not quote.cited))
        self.backs: dict[str, list[Evidence]] = defaultdict(list)
        for evidences in self.rests_on.values():
            for evidence in evidences:
                if evidence.target:
                    self.backs[evidence.target].append(evidence)
        # What check's unsourced-claim reads too: the same rule (source_depths).
        self.depths = source_depths(
            self.roles, [path for path, note in vault.notes.items()
                         if cites_directly(note) or path in keyed],
            [(e.holder, e.target) for es in self.rests_on.values() for e in es if e.target])

    def identifiers(self, path: str) -> dict[str, str]:
        """A source note's own identifiers from its front matter (doi, url, isbn), each in
        its one form (identifiers.py) when it reads as one, else as written."""
        front = self.vault.notes[path].frontmatter
        found = {}
        for name, value in front.items():
            kind = fold(str(name))
            if kind in SOURCE_KEYS and value not in (None, "", []):
                text = str(value)
                found[kind] = ids.normalise(kind, text) or text
        return found

    def sources_of(self, evidence: Evidence) -> set[tuple[str, str]]:
        """The (kind, value) identifiers an external piece of evidence names: its own,
        and for a pandoc key those of its bibliography record (so a key and its DOI
        are one source)."""
        if evidence.kind == EvidenceKind.QUOTE or not evidence.identifier:
            return set()
        found = {(str(evidence.kind), evidence.identifier)}
        record = self.record(evidence)
        if record:
            found.update(record.identifiers().items())
        return found

    def record(self, evidence: Evidence) -> Record | None:
        if evidence.kind != EvidenceKind.PANDOC or not evidence.identifier:
            return None
        return self.library.records.get(evidence.identifier)

    # -- evidence edges -------------------------------------------------------
    def _add_link(self, edge: "Edge", kind: str) -> None:
        link = edge.link
        found = evidence_link(edge.source, kind, edge.target)
        if found is None:
            return
        evidence = Evidence(found.holder, found.kind, edge.source, link.line, link.column,
                            target=found.target, locator=find_locator(_text_after(link)),
                            unresolved=None if edge.resolved else link.path)
        (self.opposed_by if found.counter else self.rests_on)[found.holder].append(evidence)

    # -- queries --------------------------------------------------------------
    def verdict(self, path: str) -> Verdict:
        """How ``path`` is sourced: directly, through other notes (and how deep), or not;
        ``contested`` when something opposes it (its ``sourced`` still says how it is
        supported)."""
        depth = self.depths.get(path)
        contested = bool(self.opposed_by.get(path))
        sourced = "no" if depth is None else "directly" if depth == 1 else "indirectly"
        if contested:
            label = "contested"
        else:
            label = {"no": "unsourced", "directly": "sourced-directly",
                     "indirectly": "sourced-indirectly"}[sourced]
        return Verdict(label, sourced, depth, contested)

    def tree(self, path: str, depth: int = 10) -> ClaimTree:
        """The claim and everything it rests on, ``depth`` steps deep (cycle-safe).  Each
        note's evidence is given once, where the note first appears (depth first); a
        later appearance has ``repeated`` set and no children, so the tree grows with
        the notes and edges, not with the paths through them."""
        expanded: set[str] = {path}
        return ClaimTree(self._node(path), self.verdict(path),
                         [self._edge(e, e.written_in) for e in self.opposed_by.get(path, ())],
                         self._children(path, depth, {path}, expanded))

    def _node(self, path: str) -> NodeInfo:
        note = self.vault.notes.get(path)
        return NodeInfo(path, note.name if note else path, self.roles.get(path, Role.ATTACHMENT),
                        self.identifiers(path) if note else {})

    def external_node(self, evidence: Evidence) -> NodeInfo:
        """What a piece of evidence names outside the vault (or a missing note)."""
        if evidence.kind == EvidenceKind.QUOTE:
            return NodeInfo(None, evidence.identifier or "", Role.PERSON, {})
        if evidence.unresolved:
            return NodeInfo(None, evidence.unresolved, Role.MISSING, {})
        record = self.record(evidence)
        found = {str(evidence.kind): evidence.identifier or ""}
        if record:
            found.update(record.identifiers())
            title = record.title or evidence.identifier or ""
            if record.authors or record.year:
                title = f"{', '.join(record.authors[:2])}{' et al.' if len(record.authors) > 2 else ''}" \
                        f" {record.year or ''}".strip() + f": {title}"
            return NodeInfo(None, title, Role.EXTERNAL, found)
        return NodeInfo(None, evidence.identifier or "", Role.EXTERNAL, found)

    def _edge(self, evidence: Evidence, target: str | None, cycle: bool | None = None,
              rests_on: "list[EvidenceStep] | None" = None,
              repeated: bool = False) -> EvidenceStep:
        node = self._node(target) if target else self.external_node(evidence)
        return EvidenceStep(node, evidence.kind, evidence.written_in, evidence.line,
                            evidence.locator, evidence.text or None, cycle, rests_on, repeated,
                            evidence.uncited)

    def _children(self, path: str, depth: int, on_path: set[str],
                  expanded: set[str]) -> list[EvidenceStep]:
        children = []
        for evidence in self.rests_on.get(path, ()):
            target = evidence.target
            cycle = bool(target and target in on_path)
            repeated = bool(target and not cycle and target in expanded
                            and self.rests_on.get(target))
            rests_on: list[EvidenceStep] = []
            if target and not cycle and not repeated and depth > 1:
                expanded.add(target)
                rests_on = self._children(target, depth - 1, on_path | {target}, expanded)
            children.append(self._edge(evidence, target, cycle, rests_on, repeated))
        return children

    def graph(self, path: str, depth: int = 10) -> "EvidenceGraph":
        """The claim's evidence as a DAG (cycles kept as edges): every node reached within
        ``depth`` steps once, every evidence edge once, counter-evidence included.  Linear
        in the nodes and edges reached."""
        nodes: dict[str, NodeInfo] = {path: self._node(path)}
        edges: list[GraphEdge] = []
        level = {path: 0}
        queue = deque([path])
        for evidence in self.opposed_by.get(path, ()):
            source = evidence.written_in
            nodes.setdefault(source, self._node(source))
            edges.append(GraphEdge(path, source, evidence.kind, evidence.written_in,
                                   evidence.line, evidence.locator, True))
        while queue:
            current = queue.popleft()
            for evidence in self.rests_on.get(current, ()):
                if evidence.target:
                    node_id, node = evidence.target, None
                else:
                    node = self.external_node(evidence)
                    node_id = node_key(evidence.kind, node)
                if node_id not in nodes:
                    nodes[node_id] = node or self._node(node_id)
                    if evidence.target and level[current] + 1 < depth:
                        level[node_id] = level[current] + 1
                        queue.append(node_id)
                edges.append(GraphEdge(current, node_id, evidence.kind, evidence.written_in,
                                       evidence.line, evidence.locator, False))
        return EvidenceGraph(path, self.verdict(path), nodes, edges)

    def dependents(self, anchors: list[str], external: set[tuple[str, str]],
                   chains: bool = False) -> list[Dependent]:
        """Every claim resting on the notes ``anchors`` or on the external identifiers
        ``external`` ((kind, value) pairs in identifiers' form), directly or
        transitively: its ``depth`` and ``next`` hop toward the source (breadth first:
        a shortest way), and with ``chains`` the whole chain.  Linear in the evidence
        edges (each note is reached once)."""
        hop: dict[str, str | None] = {}
        depth: dict[str, int] = {}
        queue: deque[str] = deque()
        for path, evidences in self.rests_on.items():
            if any(not e.target and not e.counter and self.sources_of(e) & external
                   for e in evidences):
                hop.setdefault(path, None)
                depth.setdefault(path, 1)
                queue.append(path)
        for anchor in anchors:
            hop[anchor], depth[anchor] = None, 0
            queue.append(anchor)
        while queue:
            current = queue.popleft()
            for evidence in self.backs.get(current, ()):
                if evidence.counter or evidence.holder in hop:
                    continue
                hop[evidence.holder] = current
                depth[evidence.holder] = depth[current] + 1
                queue.append(evidence.holder)
        rows = []
        for path in hop:
            if self.roles.get(path) == Role.CLAIM and path not in anchors:
                chain = None
                if chains:
                    chain, at = [path], hop[path]
                    while at is not None:
                        chain.append(at)
                        at = hop[at]
                rows.append(Dependent(self._node(path), depth[path] or 1, hop[path], chain))
        return sorted(rows, key=lambda r: (r.depth, r.node.note))

    def find_source(self, query: str) -> tuple[list[str], set[tuple[str, str]]]:
        """The source notes and external identifiers ((kind, value)) a ``--dependents``
        argument names: a DOI, ISBN or URL in any form (identifiers.identify), a
        ``@key`` (with the identifiers of its bibliography record), else a NOTE
        (NoteLookupError when it names none)."""
        found = ids.identify(query)
        if found is None:
            return [self.vault.note_path(query)], set()
        wanted = {(found.kind, found.value)}
        if found.kind == EvidenceKind.PANDOC:
            record = self.library.records.get(found.value)
            if record:
                wanted.update(record.identifiers().items())
        else:  # the keys whose records carry it
            wanted.update(("pandoc", key) for key in
                          self.library.by_identifier().get((found.kind, found.value), ()))
        notes = [path for path in self.vault.notes if self.roles.get(path) == Role.SOURCE
                 and set(self.identifiers(path).items()) & wanted]
        return notes, wanted


def node_key(kind: str, node: NodeInfo) -> str:
    """The id of a node outside the vault in an evidence graph: ``doi:…``, ``url:…``,
    ``isbn:…``, ``@key``, ``person:Name``, ``missing:path``."""
    if node.role == Role.PERSON:
        return f"person:{node.title}"
    if node.role == Role.MISSING:
        return f"missing:{node.title}"
    value = node.identifiers.get(str(kind), node.title)
    return f"@{value}" if kind == EvidenceKind.PANDOC else f"{kind}:{value}"


def citation_locator(citation) -> str | None:
    """The locator written with a citation: inside its pandoc group up to the next key
    (``[@a, p. 3; @b]``: ``p. 3`` is ``a``'s), else after it on its line up to the next
    link or identifier (``10.1176/ajp.153.2.151, p. 4``: ``p. 4``; the DOI's own text
    is never read as one)."""
    where = citation.where
    if isinstance(where, str):
        text, at = where, where.find(citation.value)
    else:
        text, at = where.text, citation.column - 1 - where.start
    if at < 0 or at > len(text):
        return None
    tail = text[at:]
    if citation.kind == EvidenceKind.PANDOC:
        end = min((i for i in (tail.find(";"), tail.find("]")) if i >= 0), default=len(tail))
        return find_locator(tail[:end])
    token = re.match(r"\S*", tail).end()
    rest = tail[token:]
    stop = re.search(r"\[\[|\]\(|https?://|\b10\.\d{4,9}/|\bISBN|@", rest)
    return find_locator(rest[:stop.start()] if stop else rest)
