"""The package's layers (docs/architecture.md): every module imports only its own layer
and the layers below it, with no cycle, imports inside functions included.

Imports under ``if TYPE_CHECKING:`` are exempt (they never run); so is
``from vaultgraph import __version__``, a constant of the package root, which Python
runs before any of its modules anyway (it imports nothing itself until ``load`` or
``Vault`` is asked for).  A module missing from LAYERS fails the test: a new module
is given its layer when it is written.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "vaultgraph"

# Lowest first; a module may import its own layer (without a cycle) and those below.
LAYERS: list[tuple[str, list[str]]] = [
    ("records", ["codes", "model", "escape", "places", "process", "jstext"]),
    ("syntax", ["identifiers", "yamldialect", "syntax", "syntax.tags", "syntax.wikilinks", "syntax.citations",
                "syntax.dispatch", "syntax.scan", "syntax.blocks", "syntax.dropped", "frontmatter"]),
    ("files", ["files"]),
    ("parsing", ["parse", "canvas", "bibliography"]),
    ("resolution", ["resolve", "suggest", "lookup", "broken"]),
    ("store", ["codec", "checked", "answers", "index"]),
    ("domain", ["vault", "graph", "provenance", "lint", "check", "findings", "queries", "edits"]),
    ("application", ["app", ""]),  # "": the package root (vaultgraph.load, Vault)
    ("views", ["views", "render", "sarif", "export", "report", "report.csv", "report.html",
               "report.json", "report.md"]),
    ("cli", ["ask", "watch", "cli", "__main__"]),
]
LAYER_OF = {module: rank for rank, (_, modules) in enumerate(LAYERS) for module in modules}
EXEMPT = {("", "__version__")}  # (module, name) pairs any layer may import


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Module name relative to the package ("" for its root, "report.md") -> its file."""
    found = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules ``name`` imports anywhere in its code (functions included),
    leaving out ``if TYPE_CHECKING:`` blocks and EXEMPT names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(node) for block in ast.walk(tree)
               if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
               for statement in block.body for node in ast.walk(statement)}
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    here = [part for part in here if part]
    found: set[str] = set()

    def add(module: str) -> None:  # the nearest module of the package above ``module``
        while module and module not in known:
            module = module.rpartition(".")[0]
        if module != name:
            found.add(module)

    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "vaultgraph" or alias.name.startswith("vaultgraph."):
                    add(alias.name.removeprefix("vaultgraph").lstrip("."))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            elif node.module == "vaultgraph" or (node.module or "").startswith("vaultgraph."):
                module = node.module.removeprefix("vaultgraph").lstrip(".")
            else:
                continue
            for alias in node.names:
                submodule = f"{module}.{alias.name}".lstrip(".")
                if submodule in known:
                    add(submodule)
                elif (module, alias.name) not in EXEMPT:
                    add(module)
    return found


def import_graph(package: Path = PACKAGE) -> nx.DiGraph:
    known = modules(package)
    graph = nx.DiGraph()
    for name, path in known.items():
        graph.add_node(name)
        graph.add_edges_from((name, target) for target in imports(name, path, known))
    return graph


def violations(graph: nx.DiGraph) -> list[str]:
    """Every import of a higher layer, every cycle and every module of no layer."""
    found = [f"{module or 'vaultgraph'}: in no layer of tests/test_layers.py"
             for module in graph if module not in LAYER_OF]
    for source, target in graph.edges:
        if source in LAYER_OF and target in LAYER_OF and LAYER_OF[target] > LAYER_OF[source]:
            found.append(f"{source or 'vaultgraph'} ({LAYERS[LAYER_OF[source]][0]}) imports "
                         f"{target or 'vaultgraph'} ({LAYERS[LAYER_OF[target]][0]}), a higher layer")
    found += [f"import cycle: {' -> '.join(sorted(cycle))}"
              for cycle in nx.strongly_connected_components(graph) if len(cycle) > 1]
    return found


def test_every_module_imports_only_downwards_without_a_cycle():
    assert violations(import_graph()) == []


def test_the_layers_name_only_modules_that_exist():
    assert set(LAYER_OF) - set(modules()) == set()


@pytest.mark.parametrize("line, found", [
    # an upward import inside a function (the store asking the domain)
    ("def f():\n    from .check import CODES\n", "codec (store) imports check (domain)"),
    ("import vaultgraph.cli\n", "codec (store) imports cli (cli)"),
    ("from . import findings\n", "codec (store) imports findings (domain)"),
    ("from .index import healed\n", "import cycle: "),  # index imports codec: same layer, a cycle
])
def test_an_upward_import_or_a_cycle_fails(tmp_path, line, found):
    copy = tmp_path / "vaultgraph"
    for name, path in modules().items():
        target = copy / path.relative_to(PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    codec = copy / "codec.py"
    codec.write_text(codec.read_text(encoding="utf-8") + "\n" + line, encoding="utf-8")
    assert any(found in problem for problem in violations(import_graph(copy)))


def test_type_checking_imports_and_the_version_are_exempt(tmp_path):
    (tmp_path / "__init__.py").write_text('__version__ = "1"\n', encoding="utf-8")
    (tmp_path / "model.py").write_text(
        "from typing import TYPE_CHECKING\nfrom . import __version__\n"
        "if TYPE_CHECKING:\n    from .cli import x\n", encoding="utf-8")
    (tmp_path / "cli.py").write_text("from .model import y\n", encoding="utf-8")
    assert set(import_graph(tmp_path).edges) == {("cli", "model")}
