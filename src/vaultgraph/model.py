"""Plain data records shared by every layer: notes and what they contain.

Positions are 1-based lines and columns (columns count characters) in the
file as it is on disk, front matter included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .codes import Code, Severity

ERROR = Severity.ERROR
WARNING = Severity.WARNING
# File types Obsidian opens (Accepted file formats); a link to a missing file
# with one of these extensions is a missing attachment, not a missing note.
ATTACHMENT_EXTENSIONS = frozenset(
    "avif bmp gif jpeg jpg png svg webp flac m4a mp3 ogg wav webm 3gp mkv mov mp4 ogv "
    "pdf canvas base".split()
)
CONTEXT_CHARS = 240  # the most of a long line a context shows
# Said of a finding on something written inside a %%comment%% (Obsidian indexes it, but
# the writer commented it out).
COMMENTED = "(inside a %%comment%%)"


@dataclass(slots=True, eq=False, repr=False)
class LineText:
    """A line of a note as the contexts of the links and citations on it show it: one
    object shared by all of them, so that a line with many links is kept once, not
    once per link.  ``text`` is the line from character ``start`` (0-based) on;
    ``length`` is the whole line's length in characters.  Parsing keeps whole lines;
    :func:`share_lines` keeps only what the contexts on a line show."""

    text: str
    start: int = 0
    length: int = -1

    def __post_init__(self) -> None:
        if self.length < 0:
            self.length = len(self.text)

    def __repr__(self) -> str:  # (the text may be a megabyte: shared by every link on it)
        text = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        return f"LineText({text!r}, start={self.start}, length={self.length})"

    def span(self, column: int) -> tuple[int, int]:
        """Where in the line (0-based offsets, end excluded) the context of something
        at ``column`` (1-based) is taken from."""
        return context_span(self.length, column)

    def context(self, column: int) -> str:
        """The context of something at ``column`` (1-based) on this line: the line,
        trimmed; on a line over CONTEXT_CHARS characters, the CONTEXT_CHARS around the
        column, marked ``...`` where cut (ASCII: a one-character ``…`` would make
        Python store the window of an ASCII line at two bytes a character)."""
        return line_context(self.text, self.start, self.length, column)


def context_span(length: int, column: int) -> tuple[int, int]:
    """:meth:`LineText.span` of a line ``length`` characters long."""
    if length <= CONTEXT_CHARS:
        return 0, length
    start = max(0, min(column - 1 - CONTEXT_CHARS // 3, length - CONTEXT_CHARS))
    return start, start + CONTEXT_CHARS


def line_context(text: str, start: int, length: int, column: int) -> str:
    """:meth:`LineText.context` of ``LineText(text, start, length)`` without making one
    (answers.backlinks works out a hub's 35,000 contexts at 100k notes this way)."""
    if length <= CONTEXT_CHARS:
        return text.strip()
    first, end = context_span(length, column)
    window = text[max(0, first - start):end - start].strip()
    return ("..." if first else "") + window + ("..." if end < length else "")


def share_lines(records: list["Link | Citation"]) -> None:
    """Give the links and citations (``records``) on each line one LineText, holding
    only the part of the line their contexts show: what a note keeps grows with its
    text, not with its links times their contexts."""
    columns: dict[int, list] = {}  # line -> [a LineText of it, lowest column, highest]
    for record in records:
        where = record.where
        if where.__class__ is str:
            continue
        found = columns.get(record.line)
        if found is None:
            columns[record.line] = [where, record.column, record.column]
        elif record.column < found[1]:
            found[1] = record.column
        elif record.column > found[2]:
            found[2] = record.column
    shared = {}
    for line, (where, low, high) in columns.items():  # (a window moves with its column)
        if where.length <= CONTEXT_CHARS and not where.start and len(where.text) == where.length:
            shared[line] = where  # a short line, whole: every context shows all of it
            continue
        start, end = where.span(low)[0], where.span(high)[1]
        shared[line] = LineText(where.text[start - where.start:end - where.start], start,
                                where.length)
    for record in records:
        if record.where.__class__ is not str:
            record.where = shared[record.line]


class _InContext:
    """``context``: the text around a record, as given or as its line shows it (``where``:
    the context itself, or the record's LineText)."""

    __slots__ = ()

    @property
    def context(self) -> str:
        where = self.where
        return where if where.__class__ is str else where.context(self.column)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name)
                   for name in (*self._compared, "context"))

    __hash__ = None  # type: ignore[assignment]


class LinkKind(StrEnum):
    """How a link is written (:attr:`Link.link_kind`): ``link`` (``[[..]]``), ``embed``
    (``![[..]]``), ``markdown`` (``[..](..)`` or ``![..](..)``), ``property`` (a wikilink
    in a front matter property) or ``canvas`` (a link of a ``.canvas`` file)."""

    LINK = "link"
    EMBED = "embed"
    MARKDOWN = "markdown"
    PROPERTY = "property"
    CANVAS = "canvas"


_PROPERTY = "property:"


def property_kind(name: str) -> str:
    """The :attr:`Link.kind` text of a wikilink in the front matter property ``name``:
    ``property:<name>``."""
    return _PROPERTY + name


def split_kind(kind: str) -> tuple[LinkKind, str | None]:
    """A :attr:`Link.kind` text (as the index's ``edges.kind`` and the JSON keep it) ->
    the kind and, for ``property:<name>``, the property's name (else None).  ValueError
    for a text that is no link kind."""
    if kind.startswith(_PROPERTY):
        return LinkKind.PROPERTY, kind[len(_PROPERTY):]
    return LinkKind(kind), None


@dataclass(slots=True, init=False, eq=False)
class Link(_InContext):
    """One link occurrence as written in a note.

    ``kind`` is ``link`` (``[[..]]``), ``embed`` (``![[..]]``), ``markdown``
    (``[..](..)`` or ``![..](..)``) or ``property:<name>`` (a wikilink in a
    front matter property).  ``raw`` is the text inside the brackets or
    parentheses with alias and size dropped (``Neuron#Axons``).  ``path`` is
    the link path (percent-decoded for markdown links) and ``subpath`` the part
    after the first ``#``, without it.  ``commented``: written inside a
    ``%%comment%%`` (Obsidian indexes it, but the writer commented it out).
    ``kind`` ``canvas``: a link of a ``.canvas`` file, from its node ``node``
    (a file node, or a link in a text node's markdown); see canvas.py.
    ``kind`` is that text, as the JSON shows it; :attr:`link_kind` and
    :attr:`property_name` are its parts (:func:`split_kind`).
    ``context`` is the text around the link (:meth:`LineText.context`); given as
    a LineText of its line, it is worked out when read.
    """

    kind: str
    raw: str
    path: str
    subpath: str | None
    alias: str | None
    line: int
    column: int
    where: "str | LineText"
    embed: bool
    commented: bool
    node: str | None
    _compared = ("kind", "raw", "path", "subpath", "alias", "line", "column", "embed",
                 "commented", "node")

    def __init__(self, kind: str, raw: str, path: str, subpath: str | None, alias: str | None,
                 line: int, column: int, context: "str | LineText" = "", embed: bool = False,
                 commented: bool = False, node: str | None = None,
                 *, where: "str | LineText | None" = None):  # (where: as dataclasses.replace gives it)
        self.kind, self.raw, self.path, self.subpath, self.alias = kind, raw, path, subpath, alias
        self.line, self.column, self.embed = line, column, embed
        self.commented, self.node = commented, node
        self.where = context if where is None else where

    @property
    def link_kind(self) -> LinkKind:
        """The kind without its property name (``property`` for ``property:<name>``)."""
        return split_kind(self.kind)[0]

    @property
    def property_name(self) -> str | None:
        """The name of the front matter property the link is written in; None for a link
        of the text (``kind`` not ``property:<name>``)."""
        kind = self.kind
        return kind[len(_PROPERTY):] if kind.startswith(_PROPERTY) else None

    @property
    def written(self) -> str:
        """The link as a user would recognise it in a message."""
        if self.kind == LinkKind.MARKDOWN:
            return f"{'!' if self.embed else ''}[..]({self.raw})"
        return f"{'!' if self.embed else ''}[[{self.raw}]]"


@dataclass(slots=True)
class Tag:
    """A tag occurrence, without the leading ``#`` and in its written casing."""

    name: str
    line: int
    column: int
    source: str = "inline"  # or "frontmatter"


@dataclass(slots=True)
class Heading:
    """A heading: its raw text, level (1-6) and line.

    ``container`` is None for a heading of the note (at the top level of the
    document); ``callout``, ``quote`` or ``list item`` names the outermost block
    holding one that is not (:attr:`Note.nested_headings`).
    """

    text: str
    level: int
    line: int
    container: str | None = None


@dataclass(slots=True)
class Block:
    """A block id (``^id``) and the line it is written on."""

    id: str
    line: int
    column: int


@dataclass(slots=True, init=False, eq=False)
class Citation(_InContext):
    """A citation written as text: ``doi``, ``url``, ``isbn`` or ``pandoc`` (``[@key]``);
    ``context`` as a Link's."""

    kind: str
    value: str
    line: int
    column: int
    where: "str | LineText"
    _compared = ("kind", "value", "line", "column")

    def __init__(self, kind: str, value: str, line: int, column: int,
                 context: "str | LineText" = "", *, where: "str | LineText | None" = None):
        self.kind, self.value, self.line, self.column = kind, value, line, column
        self.where = context if where is None else where


@dataclass(slots=True)
class Quote:
    """A quotation attributed to a named person in the text; ``cited``: its paragraph
    also cites something (an identifier, a link, a footnote reference), so the quote is
    tied to a source and can be evidence (docs/provenance.md)."""

    person: str
    text: str
    line: int
    column: int
    cited: bool = False


@dataclass(slots=True)
class Diagnostic:
    """A problem found in the vault (docs/cli.md lists every ``code``).

    ``path``: the vault path it is in; ``line`` and ``column``: where (1-based; the
    column counts characters; 1, 1 for a problem with the whole file); ``severity``:
    ``error`` or ``warning``; ``code``: a :class:`~vaultgraph.codes.Code` (both given
    as text are made members: ValueError for a text that is neither); ``message``: one line for people; ``target``: the link
    path or name it is about, if any; ``suggestions``: did-you-mean names, best first.
    """

    path: str
    line: int
    column: int
    severity: Severity
    code: Code
    message: str
    target: str | None = None
    suggestions: list[str] = field(default_factory=list)
    # A finding on a link inside a %%comment%% (check's --commented sets its severity).
    commented: bool = False

    def __post_init__(self) -> None:
        if self.severity.__class__ is not Severity:
            self.severity = Severity(self.severity)
        if self.code.__class__ is not Code:
            self.code = Code(self.code)

    def to_dict(self) -> dict[str, Any]:
        """The diagnostic as ``check --format json`` shows it (docs/cli.md)."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "target": self.target,
            "suggestions": list(self.suggestions),
        }


@dataclass(slots=True)
class Suppression:
    """An inline ``%% vaultgraph: ignore[code, ...] %%`` comment (docs/cli.md,
    "Inline suppression"): written at ``line``, ``column`` (1-based, in characters,
    where its ``%%`` opens), it silences the findings of ``codes`` (every code when
    empty; the text as written, unknown codes included) on lines ``first`` to ``last``
    (1-based, inclusive): its own line when text precedes it, else the block below it
    (the lines up to the next blank one)."""

    line: int
    column: int
    first: int
    last: int
    codes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Note:
    """A parsed markdown note; ``path`` is vault-relative POSIX."""

    path: str
    frontmatter: dict[str, Any] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Headings inside a callout, quote or list item: not headings of the note (Obsidian
    # neither lists nor links to them); kept only to say so when a link names one.
    nested_headings: list[Heading] = field(default_factory=list)
    # Inline ``%% vaultgraph: ignore[...] %%`` comments, in order (check's suppressions).
    suppressions: list[Suppression] = field(default_factory=list)
    # Footnote definitions ``[^label]: …`` at the top level: (first, last) 1-based lines of
    # each, its continuation lines included (provenance reads links there as footnotes).
    footnotes: list[tuple[int, int]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return note_name(self.path)


def note_name(path: str) -> str:
    """Obsidian's note name: the file name without ``.md``."""
    base = path.rsplit("/", 1)[-1]
    return base[:-3] if base.lower().endswith(".md") else base


@dataclass(slots=True)
class TagInfo:
    """A tag as the vault knows it: display casing (first seen) and the notes carrying it."""

    name: str
    notes: list[str]



@dataclass(frozen=True, slots=True)
class LinkPlace:
    """One link where it is written, as the answers that list links carry it
    (``views.link_place_json`` shapes it): written in ``source`` (a vault path) at
    ``line`` and ``column`` (1-based; the column counts characters), of ``kind``
    (``wikilink``, ``markdown``, ``property:<name>``...), leading to ``target`` (a
    vault path; None for a link that resolves to no file); ``context``: the text of its
    line around it (at most :data:`CONTEXT_CHARS` characters)."""

    source: str
    target: str | None
    line: int
    column: int
    kind: str
    context: str
