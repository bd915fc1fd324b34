"""NOTE arguments -> vault paths: by path, name, alias, link path or a unique start of a name."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING

from .model import note_name
from .resolve import Resolver, fold

if TYPE_CHECKING:
    from .suggest import NoteName, Suggester


class NoteLookupError(LookupError):
    """A NOTE argument matched no file, or several."""

    SHOWN_STARTS = 5

    def __init__(self, query: str, matches: list[str], suggestions: list[str],
                 starts: list[str] | None = None):
        """``starts``: the note names (as written, sorted) that begin with ``query``,
        when there are several (one would have matched)."""
        self.query, self.matches, self.suggestions = query, matches, suggestions
        self.starts = starts or []
        if matches:
            message = f'"{query}" matches {len(matches)} notes: ' + ", ".join(matches)
        elif self.starts:
            shown = ", ".join(f'"{s}"' for s in self.starts[:self.SHOWN_STARTS])
            more = ", ..." if len(self.starts) > self.SHOWN_STARTS else ""
            message = (f'no note matches "{query}"; {len(self.starts)} note names start with '
                       f"it ({shown}{more}): give more of the name")
        else:
            message = f'no note matches "{query}"'
            if suggestions:
                message += "; did you mean " + ", ".join(f'"{s}"' for s in suggestions) + "?"
        super().__init__(message)


def _written(query: str) -> str:
    """A NOTE argument without spaces around it, nor the brackets and alias of a wikilink."""
    text = query.strip()
    if text.startswith("[[") and text.endswith("]]"):
        text = text[2:-2].split("|")[0]
    return text


class NoteFinder:
    """The rules by which a NOTE argument names files (docs/cli.md), over lookups a
    subclass answers (answers.IndexNoteFinder: SQL over the index's names and aliases):

    - ``resolver``: Obsidian's link resolution over the vault's files (its ``by_path``:
      folded path -> paths);
    - ``name_index`` / ``alias_index``: folded note name / alias -> the paths of the
      notes, in path order;
    - ``lookup_names``: every note name and alias as did-you-mean keys -> the note's
      name and the alias (suggest.NoteName; an alias's key is ``suggest.alias_key``);
    - :meth:`names_starting`."""

    resolver: Resolver
    name_index: Mapping[str, list[str]]
    alias_index: Mapping[str, list[str]]
    lookup_names: Mapping[str, "NoteName"]

    def __init__(self, resolver: Resolver):
        self.resolver = resolver

    @cached_property
    def suggester(self) -> "Suggester":
        """Did-you-mean over note names and aliases, each note listed once (by its name
        or its closest alias): answers are suggest.NoteName."""
        from .suggest import NoteName, Suggester

        return Suggester(self.lookup_names, by_owner=True)

    def find(self, query: str) -> list[str]:
        """Files a NOTE argument names: vault path, note name, alias, link path, then
        the one note name that starts with it."""
        text = _written(query)
        key = fold(text)
        for candidate in (key, key + ".md"):
            if candidate in self.resolver.by_path:
                return sorted(self.resolver.by_path[candidate])
        for index in (self.name_index, self.alias_index):
            if key in index:
                return sorted(index[key])
        resolution = self.resolver.resolve(text, "")
        if resolution.target and resolution.rule != "self":
            return list(resolution.candidates) if resolution.ambiguous else [resolution.target]
        # Long claim titles: a unique start of a note name is enough.
        starts = self.names_starting(key) if key else []
        return sorted(starts[0]) if len(starts) == 1 else []

    def names_starting(self, key: str) -> list[list[str]]:
        """The notes of each folded note name starting with ``key``, one list per name."""
        raise NotImplementedError

    def note_path(self, query: str) -> str:
        """The one vault path ``query`` names; NoteLookupError otherwise."""
        matches = self.find(query)
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise NoteLookupError(query, matches, [])
        key = fold(_written(query))
        starts = sorted({note_name(paths[0]) for paths in self.names_starting(key)}) if key else []
        raise NoteLookupError(query, [], [hit.text for hit in self.suggester(query)], starts)
