"""YAML front matter -> properties, property links, tags and aliases, with positions.

The YAML is composed once with PyYAML's safe loader so every value keeps its
line and column; nothing but plain YAML types is ever constructed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import yaml

from .model import ERROR, WARNING, Diagnostic, LineText, Link, Tag

from .syntax import is_valid_tag, split_linktext

# Largest number of values a front matter may expand to (aliases included):
# stops "billion laughs" documents before anything walks them.
MAX_NODES = 20_000
_WHOLE_WIKILINK = re.compile(r"\s*(!?)\[\[([^\[\]\n]+)\]\]\s*")
_DEPRECATED = {"tag": "tags", "alias": "aliases", "cssclass": "cssclasses"}
# libyaml composes in C, ten times faster, but recurses on the C stack (a crash
# near 30,000 levels).  Every level opens with one of these characters, so below
# this many the C loader is safe; above it the pure-Python loader is used, whose
# recursion ends in a RecursionError that is reported.
_C_LOADER_MAX_OPENERS = 2_000
_OPENERS = re.compile(r"[\[{:?-]")


@dataclass
class FrontMatter:
    data: dict[str, Any] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # guards against recursive aliases while counting
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, memo) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(
            _expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value
        )
    memo[key] = size
    return size


def _scalars(node: yaml.Node, seen: set[int]):
    """Every scalar string node under ``node``, each shared node once."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:str":
            yield node
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            yield from _scalars(child, seen)
    elif isinstance(node, yaml.MappingNode):
        for _, child in node.value:
            yield from _scalars(child, seen)


def _plain(value: Any) -> Any:
    """YAML values as JSON has them: dates become ISO strings, sets lists, keys strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float) and not math.isfinite(value):  # NaN and infinity are not JSON
        return None
    return value


_PythonLoader = yaml.SafeLoader
_CLoader = getattr(yaml, "CSafeLoader", None)


def _loader(content: str, fast: bool):
    if fast and _CLoader and len(_OPENERS.findall(content)) <= _C_LOADER_MAX_OPENERS:
        return _CLoader(content)
    return _PythonLoader(content)


class _Reader:
    def __init__(self, path: str, lines: list[str], first_line: int):
        self.path, self.lines, self.first_line = path, lines, first_line
        self.result = FrontMatter()

    def position(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + self.first_line, node.start_mark.column + 1

    def diagnose(self, severity: str, code: str, message: str, line: int, column: int):
        self.result.diagnostics.append(
            Diagnostic(self.path, line, column, severity, code, message)
        )

    def read(self, content: str, fast: bool = True) -> FrontMatter:
        loader = _loader(content, fast)
        loader_is_c = not isinstance(loader, _PythonLoader)
        try:
            root = loader.get_single_node()
            if root is None:
                return self.result
            if not isinstance(root, yaml.MappingNode):
                line, col = self.position(root)
                kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
                self.diagnose(ERROR, "invalid-frontmatter",
                              f"front matter is {kind}, not a set of properties", line, col)
                return self.result
            if "*" in content and _expanded_size(root, {}) > MAX_NODES:  # `*`: an alias
                line, col = self.position(root)
                self.diagnose(ERROR, "invalid-frontmatter",
                              f"front matter expands to more than {MAX_NODES} values "
                              "(aliases); ignored", line, col)
                return self.result
            data = loader.construct_document(root)
        except yaml.MarkedYAMLError as exc:
            if loader_is_c:  # report it as the Python loader words and places it
                return self.read(content, fast=False)
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + self.first_line if mark else self.first_line - 1
            col = mark.column + 1 if mark else 1
            problem = (exc.problem or exc.context or "invalid YAML").strip()
            if "{{" in content:
                problem += " (an unquoted {{template}} placeholder? quote it)"
            self.diagnose(ERROR, "invalid-frontmatter", f"invalid YAML: {problem}", line, col)
            return self.result
        except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
            if loader_is_c:
                return self.read(content, fast=False)
            self.diagnose(ERROR, "invalid-frontmatter",
                          f"invalid YAML: {type(exc).__name__}", self.first_line - 1, 1)
            return self.result
        finally:
            loader.dispose()
        if not isinstance(data, dict):  # e.g. a merge key gone wrong
            return self.result
        self.result.data = {str(k): _plain(v) for k, v in data.items()}
        self.walk(root, links="[[" in content)
        return self.result

    def walk(self, root: yaml.MappingNode, links: bool) -> None:
        seen_keys: dict[str, int] = {}
        for key_node, value_node in root.value:
            key = str(key_node.value)
            line, col = self.position(key_node)
            folded = key.lower()
            if folded in seen_keys:
                self.diagnose(ERROR, "invalid-frontmatter",
                              f'property "{key}" is defined twice (first on line '
                              f"{seen_keys[folded]}); Obsidian rejects such front matter",
                              line, col)
            seen_keys.setdefault(folded, line)
            if folded in _DEPRECATED:
                self.diagnose(WARNING, "deprecated-property",
                              f'"{key}" is deprecated since Obsidian 1.4 (dropped in 1.9); '
                              f'use "{_DEPRECATED[folded]}"', line, col)
            if folded in ("tags", "tag"):
                self.read_tags(value_node)
            elif folded in ("aliases", "alias"):
                self.result.aliases.extend(
                    str(n.value).strip() for n in self.values(value_node)
                    if str(n.value).strip()
                )
            if links:
                self.read_links(key, value_node)

    @staticmethod
    def values(node: yaml.Node) -> list[yaml.ScalarNode]:
        if isinstance(node, yaml.ScalarNode):
            return [] if node.tag == "tag:yaml.org,2002:null" else [node]
        if isinstance(node, yaml.SequenceNode):
            return [n for n in node.value if isinstance(n, yaml.ScalarNode)
                    and n.tag != "tag:yaml.org,2002:null"]
        return []

    def read_tags(self, node: yaml.Node) -> None:
        scalar_form = isinstance(node, yaml.ScalarNode)
        for value_node in self.values(node):
            line, col = self.position(value_node)
            text = str(value_node.value)
            names = re.split(r"[,\s]+", text) if scalar_form else [text.strip()]
            for name in filter(None, names):
                name = name.lstrip("#")
                if is_valid_tag(name):
                    self.result.tags.append(Tag(name, line, col, "frontmatter"))
                else:
                    self.diagnose(WARNING, "invalid-tag",
                                  f'"{name}" is not a valid tag (tags need a non-digit '
                                  "and no spaces or punctuation)", line, col)

    def read_links(self, key: str, node: yaml.Node) -> None:
        for scalar in _scalars(node, set()):
            match = _WHOLE_WIKILINK.fullmatch(str(scalar.value))
            if not match:
                continue
            parts = split_linktext(match.group(2))
            if parts is None:
                continue
            line, col = self.position(scalar)
            text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
            found = text.find("[[", col - 1)
            if found >= 0:
                col = found + 1
            self.result.links.append(Link(
                kind=f"property:{key}", raw=parts.raw, path=parts.path,
                subpath=parts.subpath, alias=parts.alias, line=line, column=col,
                context=LineText(text), embed=bool(match.group(1)),
            ))


def read_frontmatter(path: str, content: str, lines: list[str], first_line: int) -> FrontMatter:
    """Read the YAML whose first line is file line ``first_line`` (1-based)."""
    return _Reader(path, lines, first_line).read(content)
