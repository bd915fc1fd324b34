"""The concept graph for other tools: GraphML, GEXF, node-link JSON, DOT, Mermaid, CSV.

One networkx MultiDiGraph is built (``export_graph``), with one edge per
(source, target, kind) and a ``count`` of the links it stands for; networkx's
own writers produce GraphML, GEXF and JSON, and DOT, Mermaid and CSV are
written here (networkx has no writer for them without extra packages).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import TYPE_CHECKING

from .escape import visible, xml_chars
from .report.csv import neutralise

if TYPE_CHECKING:
    import networkx as nx

    from .provenance import ProvenanceConfig
    from .vault import Vault

FORMATS = ("graphml", "gexf", "json", "dot", "mermaid", "csv")


def export_graph(vault: "Vault", attachments: bool = True, unresolved: bool = True,
                 tag: str | None = None, around: str | None = None, depth: int = 1,
                 include_excluded: bool = False,
                 provenance: "ProvenanceConfig | None" = None) -> "nx.MultiDiGraph":
    """The graph to export.  Node attributes: ``kind`` (note, attachment,
    unresolved), ``title``, ``tags`` (space-separated), ``exists``; edge
    attributes: ``kind`` and ``count``.  With ``provenance`` (the roles' configuration),
    also the node attributes ``role`` (a note's provenance role, "" for other nodes) and
    ``verdict`` (a claim's, else ""), and the edge attribute ``evidence`` (the evidence
    kinds of the links it stands for, space-separated; "" for links that are none)."""
    import networkx as nx

    full = vault.graph
    keep = set()
    for node, data in full.nodes(data=True):
        if data["kind"] == "attachment" and not attachments:
            continue
        if data["kind"] == "unresolved" and not unresolved:
            continue
        if data["excluded"] and not include_excluded:
            continue
        keep.add(node)
    if tag is not None:
        keep &= set(vault.notes_with_tag(tag, include_excluded))
    graph = nx.MultiDiGraph()
    for node in sorted(keep):
        data = full.nodes[node]
        graph.add_node(node, kind=data["kind"], title=data["title"],
                       tags=" ".join(data["tags"]), exists=data["exists"])
    counts = Counter((u, v, data["kind"]) for u, v, data in full.edges(data=True)
                     if u in keep and v in keep)
    kinds = _with_provenance(vault, graph, provenance) if provenance is not None else None
    for (u, v, kind), count in sorted(counts.items()):
        extra = {"evidence": _evidence_of(kind, kinds.get((u, v), ()))} \
            if kinds is not None else {}
        graph.add_edge(u, v, key=kind, kind=kind, count=count, **extra)
    if around is not None:
        graph = nx.ego_graph(graph, around, radius=depth, undirected=True) if around in graph \
            else nx.MultiDiGraph()
    return graph


def _with_provenance(vault: "Vault", graph: "nx.MultiDiGraph",
                     config: "ProvenanceConfig") -> dict[tuple[str, str], set[str]]:
    """Give ``graph``'s nodes their ``role`` and ``verdict``; the evidence kinds of the
    links from one node to another (a link is written in one end: ``supports`` and
    ``opposes`` links run from the evidence note to the claim)."""
    from .provenance import Provenance, Role

    found = Provenance(vault, config)
    for node, data in graph.nodes(data=True):
        role = found.roles.get(node)
        data["role"] = str(role) if role else ""
        data["verdict"] = found.verdict(node).verdict if role == Role.CLAIM else ""
    kinds: dict[tuple[str, str], set[str]] = {}
    for evidences in (*found.rests_on.values(), *found.opposed_by.values()):
        for evidence in evidences:
            if evidence.target:
                other = evidence.target if evidence.written_in == evidence.holder \
                    else evidence.holder
                kinds.setdefault((evidence.written_in, other), set()).add(str(evidence.kind))
    return kinds


def _evidence_of(link_kind: str, kinds) -> str:
    """The evidence kinds (space-separated) of the links of ``link_kind`` between two
    notes: a property's (``property:NAME``) from a front matter link, the others from
    links in the body (``supports``/``opposes``: from either)."""
    from .model import LinkKind, split_kind
    from .provenance import OPPOSES, SUPPORTS, EvidenceKind, split_evidence

    in_property = split_kind(link_kind)[0] == LinkKind.PROPERTY
    return " ".join(sorted(kind for kind in kinds if kind in (SUPPORTS, OPPOSES)
                           or (split_evidence(kind)[0] == EvidenceKind.PROPERTY) == in_property))


def _dot_id(text: str) -> str:
    """A DOT quoted string: control characters shown (``escape.visible``, as in every
    output people read: a DOT file is printed to a terminal too), then each backslash
    doubled (Graphviz reads ``\\N``, ``\\l`` in a label as escapes) and each quote escaped."""
    return '"' + visible(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot(graph: "nx.MultiDiGraph") -> str:
    lines = ["digraph vault {", "  node [shape=box, style=rounded];"]
    for node, data in graph.nodes(data=True):
        style = "" if data["exists"] else ", style=dashed"
        role = "".join(f", {name}={_dot_id(data[name])}" for name in ("role", "verdict")
                       if data.get(name))
        lines.append(f"  {_dot_id(node)} [label={_dot_id(data['title'])}, kind={_dot_id(data['kind'])}, "
                     f"tags={_dot_id(data['tags'])}, exists={str(data['exists']).lower()}{role}{style}];")
    for u, v, data in graph.edges(data=True):
        evidence = f", evidence={_dot_id(data['evidence'])}" if data.get("evidence") else ""
        lines.append(f"  {_dot_id(u)} -> {_dot_id(v)} [kind={_dot_id(data['kind'])}, "
                     f"count={data['count']}{evidence}];")
    return "\n".join(lines + ["}"]) + "\n"


def _mermaid_text(text: str) -> str:
    """A Mermaid label: entities for what Mermaid reads, control characters shown."""
    return (visible(text).replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;")
            .replace(">", "#gt;").replace("\n", " "))


def _mermaid(graph: "nx.MultiDiGraph") -> str:
    ids = {node: f"n{i}" for i, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for node, data in graph.nodes(data=True):
        shape = ('["', '"]') if data["exists"] else ('(["', '"])')
        lines.append(f"  {ids[node]}{shape[0]}{_mermaid_text(data['title'])}{shape[1]}")
    for u, v, data in graph.edges(data=True):
        label = data["kind"] if data["count"] == 1 else f"{data['kind']} x{data['count']}"
        lines.append(f"  {ids[u]} -->|{_mermaid_text(label)}| {ids[v]}")
    return "\n".join(lines) + "\n"


def _csv(graph: "nx.MultiDiGraph") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["source", "target", "kind", "count", "target_exists"])
    for u, v, data in graph.edges(data=True):
        writer.writerow([neutralise(u), neutralise(v), data["kind"], data["count"],
                         graph.nodes[v]["exists"]])
    return out.getvalue()


def _xml_safe(graph: "nx.MultiDiGraph") -> "nx.MultiDiGraph":
    """A copy of ``graph`` whose every string (node ids, edge keys, attribute values)
    holds only characters XML 1.0 allows (``escape.xml_chars``): a link with a
    control character would otherwise make a file no XML parser reads."""
    import networkx as nx

    def clean(value):
        return xml_chars(value) if isinstance(value, str) else value

    safe = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        safe.add_node(clean(node), **{k: clean(v) for k, v in data.items()})
    for u, v, key, data in graph.edges(keys=True, data=True):
        safe.add_edge(clean(u), clean(v), key=clean(key), **{k: clean(x) for k, x in data.items()})
    return safe


def write_graph(graph: "nx.MultiDiGraph", fmt: str) -> str:
    import networkx as nx

    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(_xml_safe(graph))) + "\n"
    if fmt == "gexf":
        return "\n".join(nx.generate_gexf(_xml_safe(graph))) + "\n"
    if fmt == "json":
        data = nx.node_link_data(graph, edges="edges")
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return {"dot": _dot, "mermaid": _mermaid, "csv": _csv}[fmt](graph)


# -- a claim's evidence (provenance CLAIM --format dot|mermaid|prov-json) --------------------------
def _evidence_label(node: dict) -> str:
    return f"{node['title']} [{node['role']}]"


def evidence_dot(data: dict) -> str:
    """`provenance CLAIM --format dot` from views.evidence_graph_view's dict: nodes
    labelled with title and role (``role`` and ``verdict`` attributes), edges labelled
    with the evidence kind and locator; counter-evidence red and dashed."""
    lines = ["digraph evidence {", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
    for node in data["nodes"]:
        extra = f", verdict={_dot_id(data['verdict'])}, penwidth=2" \
            if node["id"] == data["claim"] else ""
        lines.append(f"  {_dot_id(node['id'])} [label={_dot_id(_evidence_label(node))}, "
                     f"role={_dot_id(node['role'])}{extra}];")
    for edge in data["edges"]:
        label = edge["via"] + (f", {edge['locator']}" if edge["locator"] else "")
        style = ", color=red, style=dashed" if edge["counter"] else ""
        lines.append(f"  {_dot_id(edge['from'])} -> {_dot_id(edge['to'])} "
                     f"[label={_dot_id(label)}, via={_dot_id(edge['via'])}{style}];")
    return "\n".join(lines + ["}"]) + "\n"


def evidence_mermaid(data: dict) -> str:
    """`provenance CLAIM --format mermaid`: a flowchart; counter-evidence as dotted edges."""
    ids = {node["id"]: f"n{i}" for i, node in enumerate(data["nodes"])}
    lines = ["flowchart LR"]
    for node in data["nodes"]:
        outside = node["note"] is None
        shape = ('(["', '"])') if outside else ('["', '"]')
        lines.append(f"  {ids[node['id']]}{shape[0]}{_mermaid_text(_evidence_label(node))}{shape[1]}")
    for edge in data["edges"]:
        label = edge["via"] + (f", {edge['locator']}" if edge["locator"] else "")
        arrow = "-.->" if edge["counter"] else "-->"
        lines.append(f"  {ids[edge['from']]} {arrow}|{_mermaid_text(label)}| {ids[edge['to']]}")
    return "\n".join(lines) + "\n"


PROV_PREFIXES = {
    "vg": "urn:vaultgraph:ns#",
    "note": "urn:vaultgraph:note:",
    "ext": "urn:vaultgraph:external:",
    "person": "urn:vaultgraph:person:",
    "doi": "https://doi.org/",
    "isbn": "urn:isbn:",
}


def _prov_id(node: dict) -> str:
    """A node's PROV qualified name: ``note:`` + its vault path, ``doi:``/``isbn:`` + the
    identifier, ``person:`` + the name, else ``ext:`` + its graph id (percent-encoded
    where a qualified name's local part allows no character)."""
    from urllib.parse import quote

    def local(text: str) -> str:
        return quote(text, safe="/._-")

    if node["note"] is not None:
        return "note:" + local(node["note"])
    if node["role"] == "person":
        return "person:" + local(node["title"])
    for kind in ("doi", "isbn"):
        if node["identifiers"].get(kind):
            return f"{kind}:" + local(node["identifiers"][kind])
    return "ext:" + local(node["id"])


def evidence_prov(data: dict) -> str:
    """`provenance CLAIM --format prov-json`: the evidence graph in W3C PROV-JSON (the
    W3C member submission "PROV-JSON", 2013): notes and external sources are
    ``entity`` records (``prov:label``, ``prov:type`` ``vg:<role>``, the claim's
    ``vg:verdict``, identifiers as ``vg:doi``/``vg:url``/...), quoted people
    ``agent`` records (``prov:Person``); "rests on" is ``wasDerivedFrom``
    (``prov:generatedEntity`` the holder, ``prov:usedEntity`` what it rests on), a quote
    ``wasAttributedTo`` its speaker, and counter-evidence ``wasInfluencedBy`` with
    ``vg:relation`` ``opposes`` (PROV has no opposition; it is never a derivation).
    Each relation carries ``vg:via``, ``vg:writtenIn``, ``vg:line`` and the locator."""
    ids = {node["id"]: _prov_id(node) for node in data["nodes"]}
    entity: dict[str, dict] = {}
    agent: dict[str, dict] = {}
    for node in data["nodes"]:
        record = {"prov:label": node["title"]}
        if node["role"] == "person":
            record["prov:type"] = {"$": "prov:Person", "type": "xsd:QName"}
            agent[ids[node["id"]]] = record
            continue
        record["prov:type"] = {"$": f"vg:{node['role']}", "type": "xsd:QName"}
        for kind, value in node["identifiers"].items():
            record[f"vg:{kind}"] = value
        if node["id"] == data["claim"]:
            record["vg:verdict"] = data["verdict"]
            record["vg:sourced"] = data["sourced"]
        entity[ids[node["id"]]] = record
    relations: dict[str, dict[str, dict]] = {"wasDerivedFrom": {}, "wasAttributedTo": {},
                                             "wasInfluencedBy": {}}
    for number, edge in enumerate(data["edges"], 1):
        holder, target = ids[edge["from"]], ids[edge["to"]]
        extra = {"vg:via": edge["via"], "vg:writtenIn": edge["written_in"],
                 "vg:line": edge["line"]}
        if edge["locator"]:
            extra["vg:locator"] = edge["locator"]
        if edge["counter"]:
            relations["wasInfluencedBy"][f"_:i{number}"] = {
                "prov:influencee": holder, "prov:influencer": target,
                "vg:relation": "opposes", **extra}
        elif target in agent:
            relations["wasAttributedTo"][f"_:a{number}"] = {
                "prov:entity": holder, "prov:agent": target, **extra}
        else:
            relations["wasDerivedFrom"][f"_:d{number}"] = {
                "prov:generatedEntity": holder, "prov:usedEntity": target, **extra}
    document = {"prefix": dict(PROV_PREFIXES), "entity": entity}
    if agent:
        document["agent"] = agent
    document.update({name: found for name, found in relations.items() if found})
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
