"""The concept graph: a networkx MultiDiGraph keyed by vault path."""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from .vault import Vault


def build_graph(vault: "Vault") -> nx.MultiDiGraph:
    """Nodes: notes, attachments and unresolved targets (``exists=False``).

    Edges: one per link occurrence, with kind, line, column, subpath and alias.
    Unresolved targets are keyed by the link path as written, as Obsidian's
    graph shows them.
    """
    graph = nx.MultiDiGraph()
    for path in vault.files:
        note = vault.notes.get(path)
        graph.add_node(
            path,
            kind="note" if note is not None else "attachment",
            title=note.name if note is not None else path.rsplit("/", 1)[-1],
            exists=True,
            excluded=vault.is_excluded(path),
            aliases=list(note.aliases) if note else [],
            tags=sorted({t.name for t in note.tags}) if note else [],
            frontmatter=dict(note.frontmatter) if note else {},
        )
    for edge in vault.edges:
        target = edge.target
        if target is None:
            target = edge.link.path
            if target not in graph:
                graph.add_node(target, kind="unresolved", title=target, exists=False,
                               excluded=False, aliases=[], tags=[], frontmatter={})
        link = edge.link
        graph.add_edge(edge.source, target, kind=link.kind, line=link.line,
                       column=link.column, subpath=link.subpath, alias=link.alias,
                       embed=link.embed)
    return graph
