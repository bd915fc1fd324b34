"""vaultgraph: an Obsidian-faithful parser, concept graph and CLI for markdown vaults.

The Python API (docs/api.md): ``vaultgraph.load(path)`` reads a vault and returns a
:class:`Vault`; the records it holds (``Note``, ``Link``, ``Tag``...) and the errors it
raises are importable from here too.  Nothing is imported until one is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> the module that defines it (imported on first use, so that `import vaultgraph.cli`
# stays light).
_PUBLIC = {
    "load": "vault", "Vault": "vault", "Edge": "vault", "VaultError": "vault",
    "NoteLookupError": "lookup", "CacheInsideVault": "index",
    "Resolution": "resolve",
    "Note": "model", "Link": "model", "Tag": "model", "Heading": "model", "Block": "model",
    "Citation": "model", "Diagnostic": "model", "TagInfo": "model",
    "check_vault": "findings", "CheckResult": "check",
}
__all__ = [*_PUBLIC, "__version__"]

if TYPE_CHECKING:
    from .check import CheckResult
    from .findings import check_vault
    from .index import CacheInsideVault
    from .lookup import NoteLookupError
    from .model import Block, Citation, Diagnostic, Heading, Link, Note, Tag, TagInfo
    from .resolve import Resolution
    from .vault import Edge, Vault, VaultError, load


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    # (Each import written out, not import_module: tests/test_layers.py reads them.)
    if module == "vault":
        from . import vault as found
    elif module == "model":
        from . import model as found
    elif module == "lookup":
        from . import lookup as found
    elif module == "index":
        from . import index as found
    elif module == "resolve":
        from . import resolve as found
    elif module == "check":
        from . import check as found
    elif module == "findings":
        from . import findings as found
    else:
        raise AttributeError(f"module 'vaultgraph' has no attribute {name!r}")
    return getattr(found, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
