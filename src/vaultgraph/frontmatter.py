"""YAML front matter -> properties, property links, tags and aliases, with positions.

The YAML is read as Obsidian reads it (yamldialect.py: YAML 1.2, accepted or
rejected as a whole).  Front matter Obsidian rejects adds nothing -- no property,
tag, alias or link -- only an ``invalid-frontmatter`` diagnostic; the body is read
all the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from . import yamldialect
from .model import ERROR, WARNING, Diagnostic, LineText, Link, Tag, property_kind

from .syntax import is_valid_tag, split_linktext

# Kept for callers: the largest number of values a front matter may expand to.
MAX_NODES = yamldialect.MAX_NODES
_WHOLE_WIKILINK = re.compile(r"\s*(!?)\[\[([^\[\]\n]+)\]\]\s*")
# A text value of wikilinks only, separated by commas, semicolons or white space.
_ONE_WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n]+)\]\]")
_WIKILINKS_ONLY = re.compile(r"\s*!?\[\[[^\[\]\n]+\]\](?:\s*[,;]?\s*!?\[\[[^\[\]\n]+\]\])+\s*[,;]?\s*")
_COMMENTED_TAG = re.compile(r"[ \t]+#([^\s#]+)")
_DEPRECATED = {"tag": "tags", "alias": "aliases", "cssclass": "cssclasses"}
# The simplest front matter, read without YAML nodes (_Reader.read_simple): every line a
# `key: value` at the first column, the key a word, the value a plain scalar of words,
# digits and `_./-` (no indicator, colon, comment or bracket can be in it), a double-quoted
# text with no escape, line break or character YAML refuses, or a flow list of those
# separated by `, `.  Anything else (a blank line, a comment, a nested value...) is read
# by yamldialect.load.
_SIMPLE_PLAIN = r"[A-Za-z0-9](?:[A-Za-z0-9 _./-]*[A-Za-z0-9_./-])?"
_SIMPLE_QUOTED = r'"[^"\\\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]*"'
_SIMPLE_ITEM = re.compile(f"{_SIMPLE_PLAIN}|{_SIMPLE_QUOTED}")
_SIMPLE_PAIR = re.compile(
    f"([A-Za-z][A-Za-z0-9_-]{{0,63}}):(?: ({_SIMPLE_ITEM.pattern}"
    f"|\\[(?:(?:{_SIMPLE_ITEM.pattern})(?:, (?:{_SIMPLE_ITEM.pattern}))*)?\\])| ?)")
# An item of a block list under such a key (indented 0 or 2 spaces, as each other item
# of it), or an empty item (null).
_SIMPLE_ENTRY = re.compile(f"((?:  )?)-(?: ({_SIMPLE_ITEM.pattern})| ?)")
# Obsidian's list properties (Help [Properties]: tags, aliases, cssclasses; and their
# pre-1.4 names): written as text, they are split into items (list_items).
_TAG_KEYS, _ALIAS_KEYS = ("tags", "tag"), ("aliases", "alias")


@dataclass
class FrontMatter:
    data: dict[str, Any] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def list_items(value: Any, split_spaces: bool = False) -> list[str]:
    """The items of a list property (tags, aliases, cssclasses) as Obsidian reads them.

    A list gives its text items as written (a comma inside an item stays); text --
    ``aliases: First Name, Second Name`` -- is split at commas (and, for tags, at
    whitespace too) and each piece trimmed, empty pieces dropped, so ``Solo,`` is
    ``["Solo"]``.  Numbers count as their text; null, true/false and nested lists or
    mappings give nothing.  Sources: obsidian-importer issue 64 (``aliases: This, also
    that`` gives two aliases), the old help page [Add aliases to note] (whose own front
    matter is ``aliases: alias, aliases``), Help [Tags] for tags.
    """
    if isinstance(value, list):
        return [text.strip() for text in map(_item_text, value) if text and text.strip()]
    text = _item_text(value)
    if not text:
        return []
    pieces = re.split(r"[,\s]+" if split_spaces else ",", text)
    return [piece.strip() for piece in pieces if piece.strip()]


def _item_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        return None
    return value if isinstance(value, str) else yamldialect.number_text(value)


def _scalars(node: yaml.Node, seen: set[int]):
    """Every scalar node under ``node`` (mapping values, not keys) whose text holds
    ``[[`` (so its value is text: no number, null or boolean holds a ``[``), each shared
    node once."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        if "[[" in node.value:
            yield node
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            yield from _scalars(child, seen)
    elif isinstance(node, yaml.MappingNode):
        for _, child in node.value:
            yield from _scalars(child, seen)


_UNQUOTED_LINK = re.compile(r"\[\[[^\[\]\n]*\]\]")


def _flow_lists(node: yaml.Node, seen: set[int]):
    """Every flow list ``[[X]]`` under ``node``: a flow sequence whose only item is a
    flow sequence of one text (each shared node once)."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        if node.flow_style and len(node.value) == 1 and isinstance(
                node.value[0], yaml.SequenceNode) and node.value[0].flow_style \
                and node.start_mark.index + 1 == node.value[0].start_mark.index \
                and len(node.value[0].value) == 1 \
                and isinstance(node.value[0].value[0], yaml.ScalarNode):
            yield node
            return
        for child in node.value:
            yield from _flow_lists(child, seen)
    elif isinstance(node, yaml.MappingNode):
        for _, child in node.value:
            yield from _flow_lists(child, seen)


def _simple_scalar(text: str | None) -> Any:
    """The value of a scalar :data:`_SIMPLE_ITEM` matched (``text`` as written; None:
    an empty item)."""
    if text is None:
        return None
    return text[1:-1] if text[0] == '"' else yamldialect.plain_scalar(text)


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

    def read(self, content: str) -> FrontMatter:
        """One rule at the root: the front matter is a mapping Obsidian accepts, whose
        properties, tags, aliases and links are all taken, or it adds nothing but an
        ``invalid-frontmatter`` diagnostic."""
        if self.read_simple(content):
            return self.result
        root, data, rejection = yamldialect.load(content)
        if rejection is not None:
            problem = rejection.message
            if rejection.earlier_line is not None:
                problem = problem.replace(" in one mapping", " (first on line "
                                          f"{rejection.earlier_line + self.first_line})")
            if "{{" in content and problem.startswith("invalid YAML"):
                problem += " (a {{template}} placeholder with text around it? quote it)"
            self.diagnose(ERROR, "invalid-frontmatter", problem,
                          rejection.line + self.first_line, rejection.column + 1)
            return self.result
        if root is None:
            return self.result
        if not isinstance(root, yaml.MappingNode):
            line, col = self.position(root)
            kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
            self.diagnose(ERROR, "invalid-frontmatter",
                          f"front matter is {kind}, not a set of properties", line, col)
            return self.result
        self.result.data = data
        for node in yamldialect.unknown_tags(root) if "!" in content else ():
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.diagnose(WARNING, "yaml-tag", f'the YAML tag "{tag}" means nothing to '
                          "Obsidian: it is ignored and the value kept as written",
                          *self.position(node))
        self.walk(root, links="[[" in content)
        return self.result

    def read_simple(self, content: str) -> bool:
        """Read front matter of the simplest form without YAML nodes (:data:`_SIMPLE_PAIR`
        and :data:`_SIMPLE_ENTRY` lines: most front matter, a generated vault's all of
        it) and say so; False, nothing read, for any other.  What it reads is what
        :func:`yamldialect.load` and :meth:`walk` read (the same value for each scalar,
        the same tags, aliases and links at the same places: tests/test_frontmatter.py
        holds them equal); the keys are distinct even by case and none is deprecated, so
        no property is warned about."""
        pairs: list[list] = []  # [key, folded key, its line, items, kind]
        folded_keys = set()
        for number, line in enumerate(content.split("\n")):
            line_number = number + self.first_line
            match = _SIMPLE_PAIR.fullmatch(line)
            if match is None:  # an item of a block list, right under its key
                entry = _SIMPLE_ENTRY.fullmatch(line)
                if entry is None or not pairs or pairs[-1][4] not in ("null", entry.group(1)):
                    return False
                pairs[-1][4] = entry.group(1)  # (its indentation: the same for each item)
                pairs[-1][3].append((entry.group(2), line_number, entry.start(2)))
                continue
            key, value = match.groups()
            folded = key.lower()
            if (folded in folded_keys or folded in _DEPRECATED
                    or not isinstance(yamldialect.plain_scalar(key), str)):
                return False  # (a warning to give, a rejection, or a key that is no text)
            folded_keys.add(folded)
            if not value:  # null, or a block list's key
                pairs.append([key, folded, line_number, [], "null"])
            elif value[0] == "[":  # a flow list: each item where it is written
                items = [(item.group(), line_number, item.start()) for item in
                         _SIMPLE_ITEM.finditer(line, match.start(2) + 1, match.end(2) - 1)]
                pairs.append([key, folded, line_number, items, "flow"])
            else:
                pairs.append([key, folded, line_number, [(value, line_number, match.start(2))],
                              "whole"])
        data = {}
        for key, folded, line, items, kind in pairs:
            if folded == "tags" and "#" in content and (
                    kind == "null" or any(text is None for text, _, _ in items)):
                return False  # (a null tag is looked for in a comment: where YAML puts it)
            values = [yamldialect.held_value(_simple_scalar(text)) for text, _, _ in items]
            data[key] = None if kind == "null" else values[0] if kind == "whole" else values
        self.result.data = data
        links = "[[" in content
        for key, folded, line, items, kind in pairs:
            if folded == "tags":
                if kind == "null":  # (no `#` in the text: no tag in a comment to tell of)
                    self.tag_value(None, True, line, len(key) + 2)
                for text, line, col in items:
                    self.tag_value(_simple_scalar(text), kind == "whole", line, col + 1)
            elif folded == "aliases":
                self.result.aliases.extend(list_items(data[key]))
            if links:
                for text, line, col in items:
                    if text is not None and "[[" in text:  # (only quoted text holds `[`)
                        self.scalar_links(key, text[1:-1], line, col + 1)
        return True

    def walk(self, root: yaml.MappingNode, links: bool) -> None:
        seen_keys: dict[str, tuple[str, int]] = {}
        for key_node, value_node in root.value:
            key = yamldialect.key_text(key_node)
            line, col = self.position(key_node)
            folded = key.lower()
            if folded in seen_keys:
                first, first_line = seen_keys[folded]
                self.diagnose(WARNING, "duplicate-property",
                              f'property "{key}" differs from "{first}" (line {first_line}) '
                              "only by case; Obsidian treats them as one property", line, col)
            seen_keys.setdefault(folded, (key, line))
            if folded in _DEPRECATED:
                self.diagnose(WARNING, "deprecated-property",
                              f'"{key}" is deprecated since Obsidian 1.4 (dropped in 1.9); '
                              f'use "{_DEPRECATED[folded]}"', line, col)
            if folded in _TAG_KEYS:
                self.read_tags(value_node)
            elif folded in _ALIAS_KEYS:
                self.result.aliases.extend(list_items(self.result.data.get(key)))
            if links:
                self.read_links(key, value_node)

    def read_tags(self, node: yaml.Node) -> None:
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for value_node in nodes:
            if not isinstance(value_node, yaml.ScalarNode):
                continue
            self.tag_value(yamldialect.scalar_value(value_node), value_node is node,
                           *self.position(value_node))

    def tag_value(self, value: Any, whole: bool, line: int, col: int) -> None:
        """The tags of one scalar ``value`` of the tags property at ``line``, ``col``:
        the property's whole value (``whole``) or an item of its list."""
        if value is None:
            self.commented_tag(line, col)
        if not whole and isinstance(value, str):  # a list's text item
            names = [value.strip()] if value.strip() else []
        else:
            names = list_items(value if whole else [value], split_spaces=True)
        for name in names:
                name = name.lstrip("#")
                if is_valid_tag(name):
                    self.result.tags.append(Tag(name, line, col, "frontmatter"))
                else:
                    self.diagnose(WARNING, "invalid-tag",
                                  f'"{name}" is not a valid tag (tags need a non-digit '
                                  "and no spaces or punctuation)", line, col)

    def commented_tag(self, line: int, col: int) -> None:
        """``tags: #idea`` or ``- #idea``: in YAML a ``#`` after white space starts a
        comment, so the value is empty and the tag lost (Obsidian shows none): say so."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        match = _COMMENTED_TAG.match(text, col - 1)
        if match and is_valid_tag(match.group(1)):
            self.diagnose(WARNING, "invalid-tag",
                          f'"#{match.group(1)}" is a YAML comment here, not a tag (a # after '
                          f'a space starts a comment) -- write {match.group(1)} or "#'
                          f'{match.group(1)}"', line, match.start(1))

    def unquoted_links(self, node: yaml.Node) -> None:
        """``sources: [[A]]`` unquoted: to YAML a list holding a list holding ``A``, no
        link (Obsidian Help, "Properties": links in properties must be quoted).  Say
        so, wherever such a flow list is written (alone or as a list item)."""
        for found in _flow_lists(node, set()):
            line, col = self.position(found)
            text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
            match = _UNQUOTED_LINK.match(text, col - 1)
            if match:
                self.diagnose(WARNING, "unquoted-link",
                              f'{match.group()} is not a link: unquoted, YAML reads it as a '
                              f'list inside a list -- write "{match.group()}" (quoted)',
                              line, col)

    def read_links(self, key: str, node: yaml.Node) -> None:
        """The property links of property ``key``: each text value that is one wikilink or
        embed (``"[[A]]"``), or several separated by commas, semicolons or spaces
        (``"[[A]], [[B]]"``: each is a link, docs/obsidian-rules.md, "Front matter");
        text around a link (``"see [[A]]"``) makes the value no link."""
        if isinstance(node, yaml.ScalarNode):  # most values: no list inside, one text
            scalars = (node,) if "[[" in node.value else ()
        elif isinstance(node, yaml.SequenceNode) and all(
                isinstance(item, yaml.ScalarNode) for item in node.value):
            # A list of texts holds no list (so no unquoted link); an item written
            # twice through an alias is read once, as _scalars does.
            scalars = list({id(item): item for item in node.value if "[[" in item.value}
                           .values())
        else:
            self.unquoted_links(node)
            scalars = _scalars(node, set())
        for scalar in scalars:
            self.scalar_links(key, scalar.value, *self.position(scalar))

    def scalar_links(self, key: str, value: str, line: int, start: int) -> None:
        """The links of the text ``value`` of property ``key`` (see :meth:`read_links`),
        written at ``line``, ``start`` (where its scalar starts: its quote, if quoted)."""
        whole = _WHOLE_WIKILINK.fullmatch(value)
        if whole:
            found = [whole]
        elif _WIKILINKS_ONLY.fullmatch(value):
            found = list(_ONE_WIKILINK.finditer(value))
        else:
            return
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        cursor = start - 1
        for match in found:
            parts = split_linktext(match.group(2))
            if parts is None:
                continue
            col = start
            at = text.find("[[" + match.group(2), cursor) if len(found) > 1 \
                else text.find("[[", cursor)
            if at >= 0:
                col, cursor = at + 1, at + 2
            self.result.links.append(Link(
                kind=property_kind(key), raw=parts.raw, path=parts.path,
                subpath=parts.subpath, alias=parts.alias, line=line, column=col,
                context=LineText(text), embed=bool(match.group(1)),
            ))


def read_frontmatter(path: str, content: str, lines: list[str], first_line: int) -> FrontMatter:
    """Read the YAML whose first line is file line ``first_line`` (1-based); ``lines``:
    the file's lines.  Never raises; rejected YAML gives only a diagnostic."""
    return _Reader(path, lines, first_line).read(content)
