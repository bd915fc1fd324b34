"""The loaded vault: notes, resolved links, backlinks, tags and note lookup.

This is the Python API the CLI is a thin layer over::

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


@dataclass(slots=True)
class Edge:
    """A link occurrence in ``source`` together with where it resolves.  (Not frozen:
    one is made per link, 800,000 at 100k notes, and a frozen one takes three times
    as long to make.)"""

    source: str
    link: Link
    resolution: Resolution

    @property
    def target(self) -> str | None:
        return self.resolution.target

    @property
    def resolved(self) -> bool:
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
        self.index_stats: dict | None = None  # what the persistent index did, if used
        self.fingerprint: str | None = None  # of the files loaded, when the index was used
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
        return [path for path in self.files if not is_note(path)]

    def is_excluded(self, path: str) -> bool:
        return self.config.is_excluded(path)

    def visible_notes(self, include_excluded: bool = False) -> list[Note]:
        return [n for p, n in self.notes.items() if include_excluded or not self.is_excluded(p)]

    # -- links ----------------------------------------------------------------
    def outgoing(self, path: str) -> list[Edge]:
        return list(self._outgoing.get(path, ()))

    def backlinks(self, path: str, include_excluded: bool = False) -> list[Edge]:
        """Links from other notes to ``path`` (self-links excluded), in source order."""
        return [
            edge for edge in self._incoming.get(path, ())
            if edge.source != path and (include_excluded or not self.is_excluded(edge.source))
        ]

    # -- lookup ---------------------------------------------------------------
    @cached_property
    def finder(self) -> NoteFinder:
        return NoteFinder(self.resolver, {p: n.name for p, n in self.notes.items()},
                          {p: n.aliases for p, n in self.notes.items() if n.aliases})

    @property
    def name_index(self) -> dict[str, list[str]]:
        return self.finder.name_index

    @property
    def alias_index(self) -> dict[str, list[str]]:
        return self.finder.alias_index

    @property
    def suggester(self) -> "Suggester":
        return self.finder.suggester

    def find(self, query: str) -> list[str]:
        """Files a NOTE argument names (see NoteFinder.find)."""
        return self.finder.find(query)

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """Note names and aliases closest to ``text`` (rapidfuzz)."""
        return self.finder.suggester(text, limit)

    def note_path(self, query: str) -> str:
        """The one vault path ``query`` names; NoteLookupError otherwise."""
        return self.finder.note_path(query)

    def note(self, query: str) -> Note:
        path = self.note_path(query)
        if path not in self.notes:
            raise NoteLookupError(query, [], [])
        return self.notes[path]

    def suggestion_store(self):
        """Where did-you-mean answers are kept between runs: the index, when one is used."""
        if not self.index_stats:
            return None
        from .index import SuggestionStore, update_index_at

        location = Path(self.index_stats["location"])
        # Damaged (a loaded vault has read only its notes): made anew in this run.
        return SuggestionStore(location, on_damage=lambda: update_index_at(self.root, location,
                                                                           rebuild=True))

    # -- tags -----------------------------------------------------------------
    def tags(self, include_excluded: bool = False) -> dict[str, TagInfo]:
        """Folded tag -> display name (first seen) and the notes carrying exactly it."""
        index: dict[str, TagInfo] = {}
        for note in self.visible_notes(include_excluded):
            for tag in note.tags:
                info = index.setdefault(fold(tag.name), TagInfo(tag.name, []))
                if not info.notes or info.notes[-1] != note.path:
                    info.notes.append(note.path)
        return index

    def notes_with_tag(self, tag: str, include_excluded: bool = False) -> list[str]:
        """Notes carrying ``tag`` or any tag nested under it."""
        return notes_with_tag(self.tags(include_excluded), tag)

    # -- graph ----------------------------------------------------------------
    @cached_property
    def graph(self) -> "networkx.MultiDiGraph":
        from .graph import build_graph

        return build_graph(self)


def load(path: str | os.PathLike[str], config_dir: str = ".obsidian",
         progress: Callable[[int, int], None] | None = None, cache: bool = False,
         cache_dir: str | os.PathLike[str] | None = None, rebuild: bool = False,
         listing: Listing | None = None) -> Vault:
    """Read the vault at ``path``: discover files, parse notes, resolve links.

    With ``cache``, parsed notes are kept in an index outside the vault
    (``cache_dir``, default ``~/.cache/vaultgraph``) and only changed files are
    parsed again; ``rebuild`` starts that index afresh.  ``listing``: the vault's
    files as :func:`~vaultgraph.files.list_vault` gave them just before (not listed again).
    Raises VaultError when the vault is missing or unreadable, and
    ``index.CacheInsideVault`` (a ValueError) when the index's folder is inside it.
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
        return _load(root, listing or list_vault(root, config_dir), progress, cache, cache_dir,
                     rebuild)


def _load(root: Path, listing: Listing, progress: Callable[[int, int], None] | None,
          cache: bool, cache_dir: str | os.PathLike[str] | None, rebuild: bool) -> Vault:
    from .index import Index, healed, index_file, parse_files

    config, stats = listing.config, listing.stats
    files = list(stats)
    if cache:
        location = index_file(root, cache_dir)
        read, done = healed(location, lambda index: (index.notes(root, stats, progress),
                                                     index.stats), rebuild)
        notes, canvases = _split(read)
        vault = Vault(root, files, notes, config, listing.diagnostics, canvases)
        vault.index_stats = dict(done, location=str(location))
        vault.fingerprint = Index.fingerprint(stats)
        return vault
    notes, canvases = _split({p: note for p, _, note, _ in parse_files(root, stats.sources,
                                                                        progress)})
    return Vault(root, files, notes, config, listing.diagnostics, canvases)


def _split(read: dict[str, Note]) -> tuple[dict[str, Note], dict[str, Note]]:
    """Notes and canvases read together -> the notes, the canvases (each in path order)."""
    notes = {path: note for path, note in read.items() if not is_canvas(path)}
    return notes, {path: note for path, note in read.items() if is_canvas(path)}
