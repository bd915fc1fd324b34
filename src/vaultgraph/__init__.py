"""vaultgraph: an Obsidian-faithful parser, concept graph and CLI for markdown vaults."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["load", "Vault", "__version__"]

if TYPE_CHECKING:
    from .vault import Vault, load


def __getattr__(name: str) -> Any:
    # Lazy, so that `import vaultgraph.cli` stays light.
    if name in ("load", "Vault"):
        from . import vault

        return getattr(vault, name)
    raise AttributeError(name)
