"""Plain data records shared by every layer: notes and what they contain.

Positions are 1-based lines and columns (columns count characters) in the
file as it is on disk, front matter included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass(slots=True)
class Link:
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
    """

    kind: str
    raw: str
    path: str
    subpath: str | None
    alias: str | None
    line: int
    column: int
    context: str = ""
    embed: bool = False
    commented: bool = False
    node: str | None = None

    @property
    def written(self) -> str:
        """The link as a user would recognise it in a message."""
        if self.kind == "markdown":
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


@dataclass(slots=True)
class Citation:
    """A citation written as text: ``doi``, ``url``, ``isbn`` or ``pandoc`` (``[@key]``)."""

    kind: str
    value: str
    line: int
    column: int
    context: str = ""


@dataclass(slots=True)
class Quote:
    """A quotation attributed to a named person in the text."""

    person: str
    text: str
    line: int
    column: int


@dataclass(slots=True)
class Diagnostic:
    path: str
    line: int
    column: int
    severity: str
    code: str
    message: str
    target: str | None = None
    suggestions: list[str] = field(default_factory=list)
    # A finding on a link inside a %%comment%% (check's --commented sets its severity).
    commented: bool = False

    def to_dict(self) -> dict[str, Any]:
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

