"""The loaded vault: notes, resolved links, backlinks, tags and note lookup.

``vaultgraph.load`` and ``Vault`` are the Python API (docs/api.md)::

    import vaultgraph
    vault = vaultgraph.load("path/to/vault")
    note = vault.note("Neuron")
    for edge in vault.backlinks(note.path):
        print(edge.source, edge.link.line, edge.link.context)
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .files import Listing, VaultConfig, is_canvas, is_note, list_vault
from .lookup import NoteFinder, NoteLookupError
from .model import Diagnostic, Link, Note, TagInfo
from .resolve import Resolution, Resolver, fold, resolved_per_folder

if TYPE_CHECKING:
    import networkx

    from .suggest import Suggester


class VaultError(Exception):
    """The vault itself cannot be read (missing, not a folder, unreadable)."""


# Not frozen: one is made per link (800,000 at 100k notes), and a frozen one takes three
# times as long to make.
@dataclass(slots=True)
class Edge:
    """A link occurrence in the note or canvas ``source`` (a vault path) together with
    where it resolves: ``link`` as written, ``resolution`` (``target``: the vault path
    it leads to, or None when it leads nowhere)."""

    source: str
    link: Link
    resolution: Resolution

    @property
    def target(self) -> str | None:
        """The vault path the link leads to; None when it leads nowhere."""
        return self.resolution.target

    @property
    def resolved(self) -> bool:
        """Whether the link leads to a file of the vault."""
        return self.resolution.target is not None


def notes_with_tag(index: dict[str, TagInfo], tag: str) -> list[str]:
    """Notes carrying ``tag`` or a tag nested under it; ``index``: folded tag -> TagInfo."""
    wanted = fold(tag.strip().lstrip("#")).rstrip("/")
    found: set[str] = set()
    for key, info in index.items():
        if key == wanted or key.startswith(wanted + "/"):
            found.update(info.notes)
    return sorted(found)


class Vault:
    """A vault as read by :func:`load`: its files, parsed notes and resolved links.

    Every path is vault-relative with ``/`` separators (``Concepts/Neuron.md``).

    - ``root``: the vault folder (a Path).
    - ``files``: every file's path, in path order (notes, canvases and attachments).
    - ``notes``: path -> :class:`~vaultgraph.model.Note`, each ``.md`` file parsed, in
      path order.
    - ``canvases``: path -> Note holding the links of each ``.canvas`` file (a file, not
      a note: only ``path`` and ``links`` are filled).
    - ``diagnostics``: problems with the vault's files rather than with a note's text
      (unreadable files, odd names, a bad ``.obsidian/app.json``): Diagnostic records.
      A note's own problems are in its ``Note.diagnostics``.
    - ``edges``: every link of every note and canvas as an :class:`Edge`: the notes'
      in path order, then the canvases', each in the order written.

    A Vault is a snapshot: it does not follow later edits of the files.
    """

    def __init__(self, root: Path, files: list[str], notes: dict[str, Note],
                 config: VaultConfig, diagnostics: list[Diagnostic],
                 canvases: dict[str, Note] | None = None):
        self.root = root
        self.files = files
        self.notes = notes
        # The links of the .canvas files (canvas.py): files, not notes, but their links count.
        self.canvases = canvases or {}
        self.config = config
        self.diagnostics = diagnostics
        self._index_stats: dict | None = None  # what the persistent index did, if used
        self.resolver = Resolver(files)
        self.edges: list[Edge] = []
        self._outgoing: dict[str, list[Edge]] = defaultdict(list)
        self._incoming: dict[str, list[Edge]] = defaultdict(list)
        self._resolve_all()

    # -- construction -------------------------------------------------------
    def _resolve_all(self) -> None:
        resolve, edges, incoming = resolved_per_folder(self.resolver), self.edges, self._incoming
        for path, note in chain(self.notes.items(), self.canvases.items()):
            outgoing = self._outgoing[path]
            for link in note.links:
                resolution = resolve(link.path, path)
                edge = Edge(path, link, resolution)
                edges.append(edge)
                outgoing.append(edge)
                if resolution.target is not None:
                    incoming[resolution.target].append(edge)

    # -- files ----------------------------------------------------------------
    @cached_property
    def attachments(self) -> list[str]:
        """The paths of the files that are not notes (images, PDFs, canvases...)."""
        return [path for path in self.files if not is_note(path)]

    def is_excluded(self, path: str) -> bool:
        """Whether Obsidian's *Excluded files* setting (``.obsidian/app.json``) matches
        ``path``.  Excluded notes still resolve links."""
        return self.config.is_excluded(path)

    def visible_notes(self, include_excluded: bool = False) -> list[Note]:
        """The notes, in path order, without the excluded ones unless ``include_excluded``."""
        return [n for p, n in self.notes.items() if include_excluded or not self.is_excluded(p)]

    # -- links ----------------------------------------------------------------
    def outgoing(self, path: str) -> list[Edge]:
        """The links written in the note or canvas ``path``, in the order written
        (empty for a path that is not one)."""
        return list(self._outgoing.get(path, ()))

    def backlinks(self, path: str, include_excluded: bool = False) -> list[Edge]:
        """The links from other notes and canvases that lead to ``path`` (a link of a
        note to itself is left out; so are links from excluded notes unless
        ``include_excluded``), in the order of ``edges``."""
        return [
            edge for edge in self._incoming.get(path, ())
            if edge.source != path and (include_excluded or not self.is_excluded(edge.source))
        ]

    # -- lookup ---------------------------------------------------------------
    @cached_property
    def _finder(self) -> NoteFinder:
        return NoteFinder(self.resolver, {p: n.name for p, n in self.notes.items()},
                          {p: n.aliases for p, n in self.notes.items() if n.aliases})

    @property
    def name_index(self) -> dict[str, list[str]]:
        return self._finder.name_index

    @property
    def alias_index(self) -> dict[str, list[str]]:
        return self._finder.alias_index

    @property
    def suggester(self) -> "Suggester":
        return self._finder.suggester

    def find(self, query: str) -> list[str]:
        """Every vault path ``query`` may name, as the CLI's NOTE arguments are read
        (docs/cli.md): a vault path (``.md`` optional), a note name, an alias, a link
        path or a ``[[wikilink]]``, ignoring case; else the note whose name alone
        starts with it.  Several paths when it names several; empty when none."""
        return self._finder.find(query)

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """At most ``limit`` note names and aliases closest to ``text``, best first
        (the names ``check`` offers as did-you-mean)."""
        return self._finder.suggester(text, limit)

    def note_path(self, query: str) -> str:
        """The one vault path ``query`` names (see :meth:`find`); raises
        NoteLookupError when it names no file or several."""
        return self._finder.note_path(query)

    def note(self, query: str) -> Note:
        """The note ``query`` names (see :meth:`find`); raises NoteLookupError when it
        names no file, several, or a file that is not a note (an attachment)."""
        path = self.note_path(query)
        if path not in self.notes:
            raise NoteLookupError(query, [], [])
        return self.notes[path]

    def suggestion_store(self):
        """Where did-you-mean answers are kept between runs: the index, when one is used."""
        if not self._index_stats:
            return None
        from .index import SuggestionStore, update_index_at

        location = Path(self._index_stats["location"])
        # Damaged (a loaded vault has read only its notes): made anew in this run.
        return SuggestionStore(location, on_damage=lambda: update_index_at(self.root, location,
                                                                           rebuild=True))

    # -- tags -----------------------------------------------------------------
    def tags(self, include_excluded: bool = False) -> dict[str, TagInfo]:
        """Every tag of the notes (without excluded notes unless ``include_excluded``):
        the tag folded to lower case, without ``#`` -> TagInfo (its spelling as first
        seen, and the paths of the notes carrying exactly it, in path order).  A nested
        tag ``a/b`` is its own entry; :meth:`notes_with_tag` takes nesting into account."""
        index: dict[str, TagInfo] = {}
        for note in self.visible_notes(include_excluded):
            for tag in note.tags:
                info = index.setdefault(fold(tag.name), TagInfo(tag.name, []))
                if not info.notes or info.notes[-1] != note.path:
                    info.notes.append(note.path)
        return index

    def notes_with_tag(self, tag: str, include_excluded: bool = False) -> list[str]:
        """The paths of the notes carrying ``tag`` (``#`` optional, case ignored) or a
        tag nested under it (``a`` finds ``a/b``), in path order."""
        return notes_with_tag(self.tags(include_excluded), tag)

    # -- graph ----------------------------------------------------------------
    @cached_property
    def graph(self) -> "networkx.MultiDiGraph":
        """The vault as a networkx MultiDiGraph, built on first use (docs/api.md)."""
        from .graph import build_graph

        return build_graph(self)


def load(path: str | os.PathLike[str], config_dir: str = ".obsidian",
         progress: Callable[[int, int], None] | None = None, cache: bool = False,
         cache_dir: str | os.PathLike[str] | None = None, rebuild: bool = False,
         _listing: Listing | None = None) -> Vault:
    """Read the vault at ``path``: discover its files, parse its notes, resolve links.

    ``config_dir``: the vault's Obsidian settings folder (its *Excluded files* and
    link settings are read from ``app.json`` there).  ``progress(done, total)`` is
    called as notes are read.  With ``cache``, parsed notes are kept in an index
    outside the vault (``cache_dir``, default ``$XDG_CACHE_HOME/vaultgraph`` or
    ``~/.cache/vaultgraph``) and only changed files are parsed again; ``rebuild``
    starts that index afresh.  Without ``cache`` nothing is written anywhere.

    Returns a :class:`Vault`.  Raises VaultError when the vault is missing, not a
    folder or unreadable, and CacheInsideVault (a ValueError) when ``cache`` is asked
    for and the index's folder is inside the vault.  A file that cannot be read or
    parsed is not an error: it is a Diagnostic (``Vault.diagnostics``,
    ``Note.diagnostics``).
    """
    root = Path(path)
    if not root.exists():
        raise VaultError(f"vault not found: {root}")
    if not root.is_dir():
        raise VaultError(f"vault is not a folder: {root}")
    if not os.access(root, os.R_OK | os.X_OK):
        raise VaultError(f"vault folder is not readable: {root}")
    from .index import gc_paused

    with gc_paused():
        return _load(root, _listing or list_vault(root, config_dir), progress, cache, cache_dir,
                     rebuild)


def _load(root: Path, listing: Listing, progress: Callable[[int, int], None] | None,
          cache: bool, cache_dir: str | os.PathLike[str] | None, rebuild: bool) -> Vault:
    from .index import healed, index_file, parse_files

    config, stats = listing.config, listing.stats
    files = list(stats)
    if cache:
        location = index_file(root, cache_dir)
        read, done = healed(location, lambda index: (index.notes(root, stats, progress),
                                                     index.stats), rebuild)
        notes, canvases = _split(read)
        vault = Vault(root, files, notes, config, listing.diagnostics, canvases)
        vault._index_stats = dict(done, location=str(location))
        return vault
    notes, canvases = _split({p: note for p, _, note, _ in parse_files(root, stats.sources,
                                                                        progress)})
    return Vault(root, files, notes, config, listing.diagnostics, canvases)


def _split(read: dict[str, Note]) -> tuple[dict[str, Note], dict[str, Note]]:
    """Notes and canvases read together -> the notes, the canvases (each in path order)."""
    notes = {path: note for path, note in read.items() if not is_canvas(path)}
    return notes, {path: note for path, note in read.items() if is_canvas(path)}
