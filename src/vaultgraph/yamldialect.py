"""Front matter YAML read the way Obsidian reads it: the JavaScript ``yaml`` package (2.x,
YAML 1.2, core schema, default options), accepted or rejected as a whole.

PyYAML only scans and composes the text into nodes (with positions); nothing is
constructed by it, so no tag can run code.  On top of the nodes this module applies
the rules where ``yaml`` 2.x and PyYAML (YAML 1.1) disagree, each pinned by
``tests/test_yamldialect.py`` (expected decisions written from the JS package):

- values follow the 1.2 core schema: ``yes``/``on``/``no`` are text, ``2024-01-01`` and
  ``10:30`` are text (as written), ``0o17`` is 15 and ``017`` is 17, ``1_000`` and ``=``
  are text, ``1e3`` is 1000; ``<<`` is an ordinary key (no merge);
- a key that is a collection (``created: {{date}}``, every template vault) is
  accepted and becomes text as ``yaml`` writes it (``{ date }``); other keys become
  text as JavaScript writes them (``~`` -> ``""``, ``1.0`` -> ``"1"``);
- unknown tags (``!!python/object``, ``!foo``) are ignored: the value is kept as if
  untagged (core tags that do not fit their value give the text);
- tabs may separate tokens within a line (``a:<TAB>b``) and stand on blank or comment
  lines, but never indent; a comment needs white space before it; anchors may
  hold any character but spaces and ``,[]{}``; an anchor may be defined again (the
  last one before an alias wins); control characters are text;
- rejected: a key written twice in any mapping (compared by value: ``1`` and ``1.0``
  are the same key, ``1`` and ``"1"`` are not, ``Tags`` and ``tags`` are not); lines of
  a flow collection or quoted text inside a block collection that are not indented
  past that collection (``a: [b,`` / ``c]``); an alias whose uses times the aliases it
  holds exceed 100 (``maxAliasCount``); everything PyYAML cannot parse.

Bounds of our own (``yaml`` overflows its stack between 500 and 1,000 levels; we stop
sooner): nesting deeper than :data:`MAX_DEPTH` levels and documents whose aliases
expand to more than :data:`MAX_NODES` values are rejected.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import yaml
from yaml.resolver import BaseResolver

from .jstext import js_text

MAX_DEPTH = 200
MAX_NODES = 20_000
MAX_ALIAS_COUNT = 100  # yaml 2.x's maxAliasCount default

PLAIN = "!vaultgraph/plain"  # a plain scalar without an explicit tag: resolved here
_STR, _NULL, _BOOL = "tag:yaml.org,2002:str", "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool"
_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_SEQ, _MAP = BaseResolver.DEFAULT_SEQUENCE_TAG, BaseResolver.DEFAULT_MAPPING_TAG

# yaml 2.x core schema (dist/schema/core/*.js, common/null.js), tried in this order.
_CORE_NULL = re.compile(r"(?:~|[Nn]ull|NULL)?")
_CORE_BOOL = re.compile(r"[Tt]rue|TRUE|[Ff]alse|FALSE")
_CORE_OCT = re.compile(r"0o[0-7]+")
_CORE_INT = re.compile(r"[-+]?[0-9]+")
_CORE_HEX = re.compile(r"0x[0-9a-fA-F]+")
_CORE_NAN_INF = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN")
_CORE_EXP = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+")
_CORE_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)")
# Any of them: most values are words, told apart from every number with one match.
_CORE_ANY = re.compile("|".join(f"(?:{p.pattern})" for p in (
    _CORE_NULL, _CORE_BOOL, _CORE_OCT, _CORE_INT, _CORE_HEX, _CORE_NAN_INF, _CORE_EXP, _CORE_FLOAT)))
# The first characters any of them can start with: a text starting otherwise is text.
_CORE_FIRST = frozenset("~nNtTfF0123456789+-.")
# Every text _CORE_NULL and _CORE_BOOL match, and its value; the other patterns are
# numbers, which start with one of _NUMBER_FIRST.
_CORE_WORDS = {"": None, "~": None, "null": None, "Null": None, "NULL": None,
               "true": True, "True": True, "TRUE": True,
               "false": False, "False": False, "FALSE": False}
_NUMBER_FIRST = frozenset("0123456789+-.")

# libyaml composes in C, ten times faster, but recurses on the C stack (a crash
# near 30,000 levels).  Every level opens with one of these characters, so below
# this many the C loader is safe; else, and whenever it refuses a text, the
# Python loader below (which carries the 1.2 relaxations) decides.
_C_LOADER_MAX_OPENERS = 2_000
_OPENERS = re.compile(r"[\[{:?-]")
_BREAKS = "\0\r\n\x85\u2028\u2029"
# A `#` glued to the end of a token, which yaml 2.x refuses and libyaml reads as a
# comment: such texts go to the Python loader, which refuses it too.
_GLUED_COMMENT = re.compile(r"[\]}\"',|>+\-0-9]#")
# The non-specific tag `!` (white space or a flow indicator on each side): libyaml
# resolves its scalar by content; such texts go to the Python loader too.
_NON_SPECIFIC_TAG = re.compile(r"(?:^|(?<=[\s\[{,]))!(?=[\s,\]}]|$)", re.MULTILINE)
# yaml 2.x's tag characters (lexer.js ``tagChars``).
_TAG_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "-#;/?:@&=+$_.!~*'()")
_HEX = frozenset("0123456789abcdefABCDEF")


@dataclass
class Rejection:
    """Why the front matter is rejected; ``line``/``column`` 0-based in the YAML text;
    ``earlier_line``: where the key written twice was first written."""
    message: str
    line: int
    column: int
    earlier_line: int | None = None


class _Rejected(Exception):
    def __init__(self, message: str, mark=None, earlier=None):
        super().__init__(message)
        self.mark, self.earlier = mark, earlier


class _Resolver(BaseResolver):
    """Leaves plain scalars unresolved (:data:`PLAIN`): the 1.2 core schema is applied here."""

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            return PLAIN if implicit[0] else _STR
        # BaseResolver's answer without its path resolvers (none are added).
        return _SEQ if kind is yaml.SequenceNode else _MAP


class _Scanner(yaml.scanner.Scanner):
    """YAML 1.2 where PyYAML follows 1.1: tabs separate tokens within a line, anchor names."""

    def scan_to_next_token(self):
        if self.index == 0 and self.peek() == "\uFEFF":
            self.forward()
        while True:
            while self.peek() == " " or (self.peek() == "\t" and self._tab_separates()):
                self.forward()
            if self.peek() == "#":
                self._check_comment_start()
                while self.peek() not in _BREAKS:
                    self.forward()
            if self.scan_line_break():
                if not self.flow_level:
                    self.allow_simple_key = True
            else:
                return

    def _tab_separates(self) -> bool:
        """A tab inside a flow collection, after text on its line, or on a line holding
        nothing else but a comment; never indentation."""
        if self.flow_level or self.buffer[self.pointer - self.column:self.pointer].strip(" \t"):
            return True
        rest = self.pointer
        while self.buffer[rest] in " \t":
            rest += 1
        return self.buffer[rest] in _BREAKS + "#"

    def _check_comment_start(self) -> None:
        if self.pointer and self.buffer[self.pointer - 1] not in " \t\uFEFF" + _BREAKS:
            raise yaml.scanner.ScannerError(
                None, None, "a comment must be separated from what precedes it by a space",
                self.get_mark())

    def scan_block_scalar_ignored_line(self, start_mark):
        while self.peek() == " ":
            self.forward()
        if self.peek() == "#":
            self._check_comment_start()
        return super().scan_block_scalar_ignored_line(start_mark)

    def scan_plain_spaces(self, indent, start_mark):
        length = 0
        while self.peek(length) in " \t":
            length += 1
        whitespace = self.prefix(length)
        if "\t" not in whitespace:
            return super().scan_plain_spaces(indent, start_mark)
        # Tabs between words of plain text are part of it, as spaces are; before a
        # line break they are dropped and the break folds as usual.
        self.forward(length)
        if self.peek() in _BREAKS[1:]:
            return super().scan_plain_spaces(indent, start_mark)
        return [whitespace]

    def scan_flow_scalar(self, style):
        # `\ud83d\ude00` is one character, a lone `\ud800` U+FFFD (jstext.py).
        token = super().scan_flow_scalar(style)
        token.value = js_text(token.value)
        return token

    def scan_anchor(self, TokenClass):
        start_mark = self.get_mark()
        self.forward()
        length = 0
        while self.peek(length) not in _BREAKS + " \t,[]{}":
            length += 1
        if not length:
            raise yaml.scanner.ScannerError(None, None, "an anchor or alias needs a name",
                                            self.get_mark())
        value = self.prefix(length)
        self.forward(length)
        if TokenClass is yaml.AnchorToken:
            self._check_separated(start_mark)
        return TokenClass(value, start_mark, self.get_mark())

    def scan_tag(self):
        """yaml 2.x's tag (``lexer.js``): ``!`` and tag characters (``%HH`` escapes
        included), so ``![[img.png]]`` is the tag ``!`` glued to ``[[img.png]]``, which
        is rejected; ``!<…>`` is verbatim."""
        if self.peek(1) == "<":
            return super().scan_tag()
        start_mark = self.get_mark()
        length = 1
        while True:
            ch = self.peek(length)
            if ch in _TAG_CHARS:
                length += 1
            elif ch == "%" and self.peek(length + 1) in _HEX and self.peek(length + 2) in _HEX:
                length += 3
            else:
                break
        text = self.prefix(length)
        self.forward(length)
        self._check_separated(start_mark)
        split = text.rfind("!")
        if text == "!":
            value = (None, "!")
        elif split == len(text) - 1:
            raise yaml.scanner.ScannerError("while scanning a tag", start_mark,
                                            f"the tag {text} has no suffix", self.get_mark())
        else:
            value = (text[:split + 1], unquote(text[split + 1:], errors="replace"))
        return yaml.TagToken(value, start_mark, self.get_mark())

    def _check_separated(self, start_mark) -> None:
        """Outside flow collections, a tag or an anchor must be followed by white space
        or a line break (yaml 2.x, ``compose/resolve-props.js``: "Tags and anchors must
        be separated from the next token by white space")."""
        if not self.flow_level and self.peek() not in _BREAKS + " \t":
            raise yaml.scanner.ScannerError(
                "while scanning a tag or an anchor", start_mark,
                "tags and anchors must be separated from what follows by white space "
                "(quote a value that starts with ! or &)", self.get_mark())


class _Composer(yaml.composer.Composer):
    """An anchor may be defined again (the last wins); nesting is bounded; the
    non-specific tag ``!`` makes a scalar text (``! 1`` is "1", a bare ``!`` is "")."""

    def compose_scalar_node(self, anchor):
        event = self.peek_event()
        if event.tag == "!":  # PyYAML would resolve it by content, as if untagged
            event.tag = _STR
        return super().compose_scalar_node(anchor)

    def compose_node(self, parent, index):
        anchor = None
        if not self.check_event(yaml.AliasEvent):
            anchor = self.peek_event().anchor
            if anchor is not None:
                self.anchors.pop(anchor, None)
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Rejected(f"nested more than {MAX_DEPTH} levels deep",
                                self.peek_event().start_mark)
            node = super().compose_node(parent, index)
            if anchor is not None:
                node.anchor_name = anchor  # (an alias inside it to itself is written *name)
            return node
        finally:
            self._depth -= 1


class _Reader(yaml.reader.Reader):
    def check_printable(self, data):
        pass  # control characters are text in yaml 2.x


class _PythonLoader(_Reader, _Scanner, yaml.parser.Parser, _Composer, _Resolver):
    def __init__(self, stream):
        _Reader.__init__(self, stream)
        _Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _Composer.__init__(self)
        _Resolver.__init__(self)


_CParser = getattr(getattr(yaml, "_yaml", None), "CParser", None)
if _CParser:
    class _CLoader(_CParser, _Resolver):
        """No path resolvers are ever added (BaseResolver's own are none), so the
        resolver's path state is neither set up nor followed: the C parser calls
        descend/ascend at every node."""

        def __init__(self, stream):
            _CParser.__init__(self, stream)

        def descend_resolver(self, current_node, current_index):
            pass

        def ascend_resolver(self):
            pass
else:  # PyYAML built without libyaml
    _CLoader = None


def _compose(content: str) -> yaml.Node | None:
    if (_CLoader and (len(content) <= _C_LOADER_MAX_OPENERS
                      or len(_OPENERS.findall(content)) <= _C_LOADER_MAX_OPENERS)
            and not ("#" in content and _GLUED_COMMENT.search(content))
            and not ("!" in content and _NON_SPECIFIC_TAG.search(content))):
        loader = _CLoader(content)
        try:
            return loader.get_single_node()
        except yaml.YAMLError:
            pass  # the Python loader decides, with its 1.2 relaxations and wording
        finally:
            loader.dispose()
    loader = _PythonLoader(content)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return []


def _post_order(root: yaml.Node) -> list[yaml.Node]:
    """Every node under ``root`` once, each after all the nodes it holds (a node met
    again inside itself is skipped); without recursion."""
    order: list[yaml.Node] = []
    state: dict[int, bool] = {}  # node id -> done
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            state[id(node)] = True
            order.append(node)
        elif id(node) not in state:
            state[id(node)] = False
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(_children(node)))
    return order


def _document_order(root: yaml.Node) -> list[yaml.Node]:
    """Every node under ``root`` once, in the order the text first writes it."""
    order: list[yaml.Node] = []
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            order.append(node)
            stack.extend(reversed(_children(node)))
    return order


def _check_shape(root: yaml.Node, lines: list[str]) -> None:
    """Depth, duplicate keys and flow indentation, without recursion (C-composed trees
    may be deep)."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int, int | None]] = [(root, 1, None)]
    while stack:
        node, depth, block_indent = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise _Rejected(f"nested more than {MAX_DEPTH} levels deep", node.start_mark)
        if block_indent is not None:
            _check_flow_indent(node, block_indent, lines)
        if isinstance(node, yaml.MappingNode):
            _check_unique_keys(node)
        inner = block_indent
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style:
            inner = node.start_mark.column
        elif isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            inner = None  # checked as a whole with its flow collection
        stack.extend((child, depth + 1, inner) for child in _children(node))


def _check_flow_indent(node: yaml.Node, indent: int, lines: list[str]) -> None:
    """Inside a block collection indented ``indent``, every further line of a flow
    collection or of quoted text must be indented more (the closing bracket of a
    collection may stand at ``indent``); blank lines, and comment lines of a
    collection, do not count.  yaml 2.x: "must be sufficiently indented"."""
    start, end = node.start_mark, node.end_mark
    if end.line <= start.line:
        return
    collection = isinstance(node, (yaml.MappingNode, yaml.SequenceNode))
    if (not node.flow_style) if collection else node.style not in ("'", '"'):
        return
    closer = "]" if isinstance(node, yaml.SequenceNode) else "}"
    for number in range(start.line + 1, min(end.line, len(lines) - 1) + 1):
        text = lines[number]
        body = text.lstrip(" ")
        if not body.strip(" \t") or (collection and body.startswith("#")):
            continue
        spaces = len(text) - len(body)
        last = number == end.line and collection and body.startswith(closer)
        if spaces < indent or (spaces == indent and not last):
            kind = "list" if closer == "]" else "mapping" if collection else "quoted text"
            raise _Rejected(f"this line of a flow {kind} must be indented more than its "
                            "property", yaml.Mark("", 0, number, spaces, None, None))


def _key_identity(node: yaml.Node) -> tuple:
    """What yaml 2.x compares to find a key written twice (``uniqueKeys``)."""
    if isinstance(node, yaml.ScalarNode):
        value = _scalar(node)
        if isinstance(value, bool) or value is None:
            return ("value", value)
        if isinstance(value, (int, float)):
            return ("number", value) if value == value else ("nan", id(node))
        return ("text", value)
    return ("node", id(node))


def _check_unique_keys(node: yaml.MappingNode) -> None:
    seen: dict[tuple, yaml.Node] = {}
    for key, _ in node.value:
        identity = _key_identity(key)
        if identity in seen:
            raise _Rejected(f'the key "{_key_text(key)}" is written twice in one mapping; '
                            "Obsidian rejects such front matter", key.start_mark,
                            seen[identity].start_mark)
        seen[identity] = key


class _AliasCounter:
    """yaml 2.x's guard against alias bombs (nodes/Alias.js, nodes/toJS.js): an anchor
    counts once, and once more at each use; a use is refused when that count x the
    anchor's alias count exceeds 100.  PyYAML
    replaces an alias by its node, so a node met again in document order is an alias."""

    def __init__(self):
        self.order: dict[int, int] = {}
        self.count: dict[int, int] = {}
        self.alias_count: dict[int, int] = {}

    def run(self, root: yaml.Node) -> None:
        stack: list[yaml.Node] = [root]
        while stack:
            node = stack.pop()
            if id(node) in self.order:
                self.use(node)  # met again: an alias
                continue
            self.order[id(node)] = len(self.order)
            self.count[id(node)], self.alias_count[id(node)] = 1, 0  # the anchor counts once
            stack.extend(reversed(_children(node)))

    def use(self, node: yaml.Node) -> None:
        key = id(node)
        self.count[key] += 1
        if self.alias_count[key] == 0:
            self.alias_count[key] = self.held(node, self.order[key])
        if self.count[key] * self.alias_count[key] > MAX_ALIAS_COUNT:
            raise _Rejected("aliases used too often (more than 100 values through one "
                            "anchor); Obsidian refuses this as a resource attack",
                            node.start_mark)

    def held(self, node: yaml.Node, defined_at: int) -> int:
        """``getAliasCount``: 1 for a scalar, the largest of its items for a collection,
        an alias item counting its anchor's uses x alias count."""
        if not isinstance(node, (yaml.SequenceNode, yaml.MappingNode)):
            return 1
        best, stack = 0, list(_children(node))
        results: dict[int, int] = {}
        # Items defined inside this node are visited after it in document order;
        # items met before it are aliases.
        for child in stack:
            key = id(child)
            if self.order.get(key, defined_at + 1) <= defined_at or key in results:
                value = self.count.get(key, 0) * self.alias_count.get(key, 0)
            else:
                results[key] = value = self.held(child, self.order.get(key, defined_at))
            best = max(best, value)
        return best


def number_text(value: float | int) -> str:
    """A number as JavaScript's ``String()`` writes it."""
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def _scalar(node: yaml.ScalarNode) -> Any:
    """A scalar's value under the 1.2 core schema (explicit core tags that do not fit
    the text, and unknown tags, give the text)."""
    text, tag = node.value, node.tag
    if tag == _STR:
        return text
    if tag == PLAIN:
        return text if text and text[0] not in _CORE_FIRST else _core(text)
    wanted = _CORE_TYPES.get(tag)
    if wanted is None:
        return text
    value = _core(text) if text else text
    return value if type(value) is wanted else text


_CORE_TYPES = {_NULL: type(None), _BOOL: bool, _INT: int, _FLOAT: float}


def _js_integer(value: int | float) -> int | float:
    """An integer as JavaScript's one kind of number holds it: exact up to 2^53, else
    the nearest double (infinity past the largest)."""
    if isinstance(value, int) and -2 ** 53 <= value <= 2 ** 53:
        return value
    try:
        value = float(value)
    except OverflowError:
        return math.inf
    return int(value) if value.is_integer() and abs(value) <= 2 ** 53 else value


def _core(text: str) -> Any:
    if text in _CORE_WORDS:
        return _CORE_WORDS[text]
    if text[0] not in _NUMBER_FIRST or not _CORE_ANY.fullmatch(text):
        return text
    if _CORE_OCT.fullmatch(text):
        return _js_integer(int(text[2:], 8))
    if _CORE_INT.fullmatch(text):
        # Past 15 digits, read as the double JavaScript makes of it (Python's int()
        # also refuses texts of over 4,300 digits).
        return int(text) if len(text.lstrip("+-")) <= 15 else _js_integer(float(text))
    if _CORE_HEX.fullmatch(text):
        return _js_integer(int(text[2:], 16))
    if _CORE_NAN_INF.fullmatch(text):
        if text.lower().endswith("nan"):
            return math.nan
        return -math.inf if text[0] == "-" else math.inf
    if _CORE_EXP.fullmatch(text) or _CORE_FLOAT.fullmatch(text):
        return float(text)
    return text


# The most characters a key's text is built to: aliases can make it grow exponentially.
MAX_KEY_TEXT = 10_000


def _flow_text(node: yaml.Node, depth: int = 0, inside: tuple = (),
               budget: list | None = None) -> str:
    """A collection as yaml 2.x's ``String()`` writes a flow collection used as a key.
    An alias to a collection it is inside is written ``*name`` as yaml 2.x writes it
    (``&a [*a]: 1`` is its key "[ *a ]"), or ``*`` where the C parser kept no anchor
    name (we write "[ * ]"); a text that would pass MAX_KEY_TEXT characters (aliases of
    aliases) is cut with "…".  Without both, ``&a [*a, *a]: 1`` took 2^200 steps."""
    if budget is None:
        budget = [MAX_KEY_TEXT]
    if depth > MAX_DEPTH or budget[0] <= 0:
        return "…"
    if id(node) in inside:
        return "*" + getattr(node, "anchor_name", "")
    if isinstance(node, yaml.ScalarNode):
        value = _scalar(node)
        if isinstance(value, str):
            return value if not node.style else '"' + value.replace('"', '\\"') + '"'
        return "null" if value is None else "true" if value is True else \
            "false" if value is False else number_text(value)
    inside = (*inside, id(node))
    if isinstance(node, yaml.SequenceNode):
        items = [_flow_text(child, depth + 1, inside, budget) for child in node.value]
        text = "[ " + ", ".join(items) + " ]" if items else "[]"
        budget[0] -= len(text)
        return text
    pairs = []
    for key, value in node.value:
        pair = _flow_text(key, depth + 1, inside, budget)
        if not isinstance(key, yaml.ScalarNode):
            pair = "? " + pair
        if not (isinstance(value, yaml.ScalarNode) and _scalar(value) is None):
            pair += ": " + _flow_text(value, depth + 1, inside, budget)
        pairs.append(pair)
    text = "{ " + ", ".join(pairs) + " }" if pairs else "{}"
    budget[0] -= len(text)
    return text


def _key_text(node: yaml.Node) -> str:
    """A key as the JavaScript object's property name."""
    if not isinstance(node, yaml.ScalarNode):
        return _flow_text(node)
    value = _scalar(node)
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return number_text(value)


_KNOWN_TAGS = {PLAIN, _STR, _NULL, _BOOL, _INT, _FLOAT,
               "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}


def unknown_tags(root: yaml.Node) -> list[yaml.Node]:
    """Nodes with an explicit tag outside the core schema (``!!python/object``, ``!foo``),
    in document order, each once: yaml 2.x ignores them with a warning."""
    return [node for node in _document_order(root) if node.tag not in _KNOWN_TAGS]


def key_text(node: yaml.Node) -> str:
    """The property name a key node gives (JavaScript's ``String()`` of the key)."""
    return _key_text(node)


def scalar_value(node: yaml.ScalarNode) -> Any:
    """A scalar node's value under the YAML 1.2 core schema (str, int, float, bool, None)."""
    return _scalar(node)


def plain_scalar(text: str) -> Any:
    """The value :func:`scalar_value` gives the node of a plain scalar (unquoted, no
    tag) written ``text`` on one line."""
    return text if text and text[0] not in _CORE_FIRST else _core(text)


def held_value(value: Any) -> Any:
    """A scalar's value as :func:`load`'s value holds it (numbers as JSON holds them)."""
    return value if isinstance(value, str) else _plain_number(value)


def _plain_number(value: Any) -> Any:
    """Numbers as JSON can hold them: NaN and infinities are null; 1.0 is 1 (JavaScript
    has one kind of number)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer() and abs(value) < 2 ** 53:
            return int(value)
    return value


def _construct(root: yaml.Node) -> Any:
    """The value of the document, without recursion; a shared (aliased) node is built
    once and shared, a node inside itself is null."""
    built: dict[int, Any] = {}
    if isinstance(root, yaml.ScalarNode):
        return _plain_number(_scalar(root))

    def value(node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return _plain_number(_scalar(node))
        return built.get(id(node))  # None for a node inside itself

    for node in _post_order(root):
        if isinstance(node, yaml.ScalarNode):
            continue
        if isinstance(node, yaml.SequenceNode):
            built[id(node)] = [value(child) for child in node.value]
        else:
            built[id(node)] = {_key_text(key): value(item) for key, item in node.value}
    return built[id(root)]


_QUOTED = ("'", '"')


def _tree_value(root: yaml.Node, lines: list[str]) -> Any:
    """What ``_check_shape`` then ``_construct`` give for a document without aliases (a
    tree: no node is met twice), in one walk; raises ``_Rejected`` where one of their
    checks might fire (not worded: the caller runs those passes again to say it as they
    do).  Front matter is shallow, so the walk recurses (at most MAX_DEPTH levels)."""
    if isinstance(root, yaml.ScalarNode):
        return _plain_number(_scalar(root))
    return _tree(root, 1, None, lines)


def _tree(node: yaml.Node, depth: int, indent: int | None, lines: list[str]) -> Any:
    """A collection's value (see _tree_value); ``depth``: its level (the root is 1);
    ``indent``: the column of the block collection it is inside, if any."""
    if node.value and depth >= MAX_DEPTH:
        raise _Rejected("too deep")
    if indent is not None and node.flow_style and node.end_mark.line > node.start_mark.line:
        _check_flow_indent(node, indent, lines)
    inner = None if node.flow_style else node.start_mark.column
    if isinstance(node, yaml.SequenceNode):
        items = []
        for child in node.value:
            if isinstance(child, yaml.ScalarNode):
                if (inner is not None and child.style in _QUOTED
                        and child.end_mark.line > child.start_mark.line):
                    _check_flow_indent(child, inner, lines)
                value = _scalar(child)
                items.append(value if isinstance(value, str) else _plain_number(value))
            else:
                items.append(_tree(child, depth + 1, inner, lines))
        return items
    built: dict[str, Any] = {}
    for key, child in node.value:
        if isinstance(key, yaml.ScalarNode):
            if (inner is not None and key.style in _QUOTED
                    and key.end_mark.line > key.start_mark.line):
                _check_flow_indent(key, inner, lines)
            text = _scalar(key)
            if not isinstance(text, str):
                text = _key_text(key)
        else:
            _tree(key, depth + 1, inner, lines)
            text = _flow_text(key)
        # Keys written twice (_key_identity) give the same text; keys that only share
        # their text (`1` and "1") are sorted out by the passes.
        if text in built:
            raise _Rejected("a key written twice, maybe")
        if isinstance(child, yaml.ScalarNode):
            if (inner is not None and child.style in _QUOTED
                    and child.end_mark.line > child.start_mark.line):
                _check_flow_indent(child, inner, lines)
            value = _scalar(child)
            built[text] = value if isinstance(value, str) else _plain_number(value)
        else:
            built[text] = _tree(child, depth + 1, inner, lines)
    return built


def _expanded_size(root: yaml.Node) -> int:
    """How many values the document holds once every alias is expanded (capped)."""
    sizes: dict[int, int] = {}
    for node in _post_order(root):
        sizes[id(node)] = min(MAX_NODES + 1, 1 + sum(sizes.get(id(c), 1) for c in _children(node)))
    return sizes[id(root)]


# YAML 1.2 breaks lines only at \r and \n; PyYAML and libyaml (1.1) also at NEL, LS and
# PS, which yaml 2.x keeps as text (`title: a<U+2028>b`, pasted from the web).  They
# are swapped for characters of a private-use plane while the text is composed.
_FOREIGN_BREAKS = {"\x85": "\U000F0085", "\u2028": "\U000F2028", "\u2029": "\U000F2029"}
_HIDE = str.maketrans(_FOREIGN_BREAKS)
_RESTORE = str.maketrans({v: k for k, v in _FOREIGN_BREAKS.items()})


def _hide_foreign_breaks(content: str) -> str | None:
    """``content`` with NEL, LS and PS swapped (same length), or None when it has none
    (or already holds a stand-in)."""
    if content.isascii() or not any(ch in content for ch in _FOREIGN_BREAKS):
        return None
    if any(ch in content for ch in _FOREIGN_BREAKS.values()):
        return None
    return content.translate(_HIDE)


def _restore_foreign_breaks(root: yaml.Node) -> None:
    for node in _document_order(root):
        if isinstance(node, yaml.ScalarNode):
            node.value = node.value.translate(_RESTORE)


def load(content: str) -> tuple[yaml.Node | None, Any, Rejection | None]:
    """Read front matter YAML as Obsidian does.

    Returns ``(root node, value, None)`` when Obsidian accepts it -- the value made of
    dict (str keys), list, str, int, float, bool and None, the root node None for an
    empty document -- or ``(None, None, Rejection)`` when it rejects it.  Never raises
    for any input text; time and memory stay bounded (see the module docstring)."""
    return _load(content, tree_walk=True)


def _load(content: str, tree_walk: bool) -> tuple[yaml.Node | None, Any, Rejection | None]:
    """:func:`load`; ``tree_walk=False`` always runs the separate passes (the reference
    that tests hold the one-walk reading of alias-free documents, _tree_value, to)."""
    if not content.endswith("\n"):
        content += "\n"  # a block scalar (`|`) at the end keeps its line break, as in yaml 2.x
    hidden = _hide_foreign_breaks(content)
    if hidden is not None:
        content = hidden
    lines = content.split("\n")
    try:
        root = _compose(content)
        if root is None:
            return None, None, None
        if hidden is not None:
            _restore_foreign_breaks(root)
        if tree_walk and "*" not in content:  # no alias: a tree
            try:
                return root, _tree_value(root, lines), None
            except (_Rejected, RecursionError):
                pass  # the passes below find it again and say what it is
        _check_shape(root, lines)
        if "*" in content:  # an alias: `*`
            if _expanded_size(root) > MAX_NODES:
                raise _Rejected(f"front matter expands to more than {MAX_NODES} values "
                                "through aliases", root.start_mark)
            _AliasCounter().run(root)
        return root, _construct(root), None
    except _Rejected as exc:
        mark, last_line = exc.mark, _last_line(content)
        return None, None, Rejection(str(exc), min(mark.line, last_line) if mark else 0,
                                     mark.column if mark else 0,
                                     exc.earlier.line if exc.earlier else None)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        last_line = _last_line(content)
        return None, None, Rejection(f"invalid YAML: {problem}",
                                     min(mark.line, last_line) if mark else -1,
                                     mark.column if mark else 0)
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        return None, None, Rejection(f"invalid YAML: {type(exc).__name__}", -1, 0)


def _last_line(content: str) -> int:
    """The 0-based number of the text's last line (marks past the text point at its end)."""
    return content.rstrip("\n").count("\n")
