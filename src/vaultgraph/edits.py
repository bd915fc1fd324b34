"""Editing a vault safely: the link rewrites of ``mv`` and ``check --fix``, planned as
plain records, then written atomically.

A plan is computed whole before anything is written:

- :class:`TextFile`: a file as read (its bytes, their sha1, the text without a BOM);
- :class:`Edit`: one replacement in one file -- 0-based character offsets into the
  text (end excluded), the old and the new text, the 1-based line and column of the
  link or key it belongs to, and why;
- :func:`plan_move` finds, with the vault's model (every link, where it resolves now)
  and resolve.py (where it would resolve after the move), the links that must be
  rewritten; :func:`link_text` writes each one's new path by Obsidian's rules
  (docs/obsidian-rules.md, "Renaming and moving");
- :func:`apply` checks every file still holds the bytes it was planned from (sha1,
  just before writing), writes each edited file atomically (a temporary file in the
  same folder, fsync, rename; the file's mode kept) and renames the moved files.

Only the characters of a link's path (or of a key) change: the rest of the file --
its line endings, BOM, trailing newline, other links -- stays byte for byte.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import posixpath
import re
import stat
import tempfile
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable
from urllib.parse import quote, unquote

from .files import is_note
from .model import Link
from .resolve import Resolver, fold, folder_of

if TYPE_CHECKING:
    from .vault import Vault

LINE_BREAK = re.compile(r"\r\n|\r|\n")  # markdown-it's line breaks (parse._normalise)
_TEXT_KINDS = ("link", "embed", "markdown", "canvas")  # the others: property links
# Characters a wikilink's path cannot hold (Obsidian refuses them in file names).
_NOT_IN_WIKILINK = set("[]|#^\n\r")
# Safe unescaped in a markdown link destination as Obsidian writes one (encodeURI's set,
# less the parentheses, which would end the destination when unbalanced).
_URI_SAFE = "/;,?:@&=+$-_.!~*'"


class EditError(Exception):
    """A plan cannot be made or applied; nothing was written.  ``problems``: one line
    each (a vault path first when the problem is in a file)."""

    def __init__(self, message: str, problems: Iterable[str] = ()):
        super().__init__(message)
        self.problems = list(problems)


class ChangedOnDisk(EditError):
    """A file changed on disk since it was read for the plan; nothing was written."""


@dataclass
class TextFile:
    """A file read for editing: ``data`` as on disk, ``sha1`` of it, ``text`` (strict
    UTF-8, without its BOM, line endings as written) and where each line starts."""

    path: str
    data: bytes
    sha1: str
    bom: bool
    text: str
    starts: list[int]

    @classmethod
    def read(cls, root: Path, path: str) -> "TextFile":
        """Raises EditError when the file cannot be read or is not valid UTF-8 (its
        bytes could not be written back as they were)."""
        try:
            data = (root / path).read_bytes()
        except OSError as exc:
            raise EditError(f"{path}: cannot be read: {exc.strerror or exc}") from None
        bom = data.startswith(b"\xef\xbb\xbf")
        try:
            text = data[3 if bom else 0:].decode("utf-8")
        except UnicodeDecodeError:
            raise EditError(f"{path}: not valid UTF-8; it is not edited") from None
        starts = [0] + [m.end() for m in LINE_BREAK.finditer(text)]
        return cls(path, data, hashlib.sha1(data).hexdigest(), bom, text, starts)

    def offset(self, line: int, column: int) -> int:
        """1-based line and column (characters) -> 0-based offset into ``text``."""
        if not 0 < line <= len(self.starts):
            raise IndexError(line)
        return self.starts[line - 1] + column - 1

    def encoded(self, text: str) -> bytes:
        return (b"\xef\xbb\xbf" if self.bom else b"") + text.encode("utf-8")


@dataclass(frozen=True)
class Edit:
    """One replacement: in file ``path`` (its vault path before any move), characters
    ``start``..``end`` (0-based, end excluded) of its text, ``old`` -> ``new``; ``line``
    and ``column`` (1-based) of the link or key; ``why``: one line for people."""

    path: str
    start: int
    end: int
    old: str
    new: str
    line: int
    column: int
    why: str
    target: str | None = None  # the vault path the link is to lead to (None: a key)


@dataclass(frozen=True)
class ResolutionChange:
    """A link that did not lead to a moved file but whose resolution the move changes
    (``captured``: it leads to a moved file afterwards; ``released``: it leads elsewhere
    or nowhere).  ``before``/``after``: target paths (None: nowhere); ``rewritten``:
    rewritten to keep its target (``--keep-resolution``)."""

    source: str
    line: int
    column: int
    written: str
    before: str | None
    after: str | None
    kind: str
    rewritten: bool = False


@dataclass
class Plan:
    """What an edit command will do: ``renames`` (old -> new vault path, files only, in
    path order; ``folders``: the folders renamed, old -> new), ``edits`` per file,
    ``files``: the files read, ``changes``: resolutions the move changes,
    ``problems``: what could not be planned (the plan is refused when any); ``unread``:
    notes whose links were not read (too large, unreadable, not parsed in time): a link
    there is not rewritten."""

    renames: dict[str, str] = field(default_factory=dict)
    folders: dict[str, str] = field(default_factory=dict)
    edits: dict[str, list[Edit]] = field(default_factory=dict)
    files: dict[str, TextFile] = field(default_factory=dict)
    changes: list[ResolutionChange] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)

    def new_text(self, path: str) -> str:
        """The text of ``path`` with its edits made."""
        text = self.files[path].text
        for edit in sorted(self.edits.get(path, ()), key=lambda e: e.start, reverse=True):
            text = text[:edit.start] + edit.new + text[edit.end:]
        return text

    def diff(self) -> str:
        """A unified diff of every file changed (paths as before/after the move), then
        one ``rename from/to`` pair per file moved without edits."""
        out = []
        for path in sorted(self.edits):
            new_path = self.renames.get(path, path)
            before = self.files[path].text.splitlines(keepends=True)
            after = self.new_text(path).splitlines(keepends=True)
            lines = list(difflib.unified_diff(before, after, f"a/{path}", f"b/{new_path}"))
            out.extend(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
                       for line in lines)
        for old, new in self.renames.items():
            if old not in self.edits:
                out.append(f"rename from {old}\nrename to {new}\n")
        return "".join(out)


# -- link text --------------------------------------------------------------------

def _without_md(path: str) -> str:
    return path[:-3] if path.lower().endswith(".md") else path


def relative_path(target: str, source: str) -> str:
    """Obsidian's "Relative path to file" from the note ``source`` to ``target``
    (``MetadataCache.fileToLinktext``: ``../`` per folder up to the deepest folder of
    ``source``'s that holds ``target``; no ``./``)."""
    up, folder = "", folder_of(source)
    while folder and not target.startswith(folder + "/"):
        up, folder = "../" + up, folder_of(folder)
    return up + (target[len(folder) + 1:] if folder else target)


def shortest_path(target: str, files: Iterable[str] | Resolver) -> str:
    """Obsidian's "Shortest path when possible": the file name when no other file of the
    vault has that name (ignoring case; ``Note`` also finds a file named ``Note`` with
    no extension before ``Note.md``), else the vault path.  ``target`` as written in
    the link (``.md`` dropped or not)."""
    name = target.rsplit("/", 1)[-1]
    resolver = files if isinstance(files, Resolver) else Resolver(files)
    found = list(resolver.by_name.get(fold(name), ()))
    if not found:
        found = list(resolver.by_name.get(fold(name) + ".md", ()))
    return name if len(found) == 1 else target


def link_text(link: Link, target: str, source: str, resolver: Resolver,
              link_format: str = "shortest") -> str | None:
    """The path to write in ``link`` (as decoded: no percent-encoding) so that, from
    the note ``source``, it leads to ``target`` among the files of ``resolver``; None
    when no form does.  The link's own style is kept where it can be (docs/
    obsidian-rules.md, "Renaming and moving"): a relative path (``./``, ``../``) stays
    relative (``./`` written when it does not start with ``../``), a path from the
    root (``/``) stays one, a path-qualified link keeps at least as many folders (more
    when fewer would lead elsewhere), a bare name follows ``link_format``
    (``newLinkFormat``): ``shortest`` writes the name when it leads to the target from
    ``source`` (the same-folder rule included), else Obsidian's rule
    (:func:`shortest_path`); ``relative`` and ``absolute`` as Obsidian writes them.
    ``.md`` is written when the link wrote it (always for other files)."""
    written = link.path.strip()
    full = target if (not is_note(target) or fold(written).endswith(".md")) \
        else _without_md(target)
    forms: list[str] = []
    if written.startswith(("./", "../")):
        relative = relative_path(full, source)  # (./ kept: without it, a name)
        forms.append(relative if relative.startswith("../") else "./" + relative)
    elif written.startswith("/"):
        forms.append("/" + full)
    elif "/" in written:
        parts = full.split("/")
        forms.extend("/".join(parts[-n:]) for n in range(min(written.count("/") + 1,
                                                              len(parts)), len(parts) + 1))
    elif link_format == "relative":
        forms.append(relative_path(full, source))
    elif link_format == "absolute":
        forms.append(full)
    else:  # the name when it leads there (the same-folder rule too), else Obsidian's
        forms.extend((full.rsplit("/", 1)[-1], shortest_path(full, resolver)))
    forms.extend((full, "/" + full))  # when the style's forms lead elsewhere
    for form in forms:
        if resolver.resolve(form, source).target == target:
            return form
    return None


# -- finding a link in its file ----------------------------------------------------

_MARKDOWN_OPEN = re.compile(r"\]\([ \t]*(?:\r\n|\r|\n)?[ \t]*")


def path_span(file: TextFile, link: Link) -> tuple[int, int, bool]:
    """Where the path of ``link`` (before any ``#``) is written in ``file``: 0-based
    start and end offsets, and whether it is a markdown destination in ``<...>``.
    Raises EditError when the text there is not that link (a file changed since it
    was indexed, or a link written in a way not understood)."""
    where = f"{file.path}:{link.line}:{link.column}"
    try:
        at = file.offset(link.line, link.column)
    except IndexError:
        raise EditError(f"{where}: the link is not there (the file changed?)") from None
    text = file.text
    if link.kind == "canvas":
        raise EditError(f"{where}: links of a canvas are not rewritten yet")
    if link.kind != "markdown":
        if text.startswith("![[", at):
            at += 1
        written = link.raw.partition("#")[0]
        if not text.startswith("[[", at) or not text.startswith(link.raw, at + 2):
            raise EditError(f"{where}: the link [[{link.raw}]] is not written there")
        return at + 2, at + 2 + len(written), False
    if text.startswith("!", at):
        at += 1
    for match in _MARKDOWN_OPEN.finditer(text, at, min(len(text), at + 20000)):
        start = match.end()
        angle = text.startswith("<", start)
        if angle:
            end = text.find(">", start + 1)
            if end < 0:
                continue
            destination, start = text[start + 1:end], start + 1
        else:
            end, depth = start, 0
            while end < len(text) and not text[end].isspace():
                char = text[end]
                if char == "\\":
                    end += 2
                    continue
                if char == "(":
                    depth += 1
                elif char == ")":
                    if depth == 0:
                        break
                    depth -= 1
                end += 1
            destination = text[start:end]
        written = destination.partition("#")[0]
        if _unescaped(destination) == link.raw:
            return start, start + len(written), angle
    raise EditError(f"{where}: the link ({link.raw}) is not written there")


def _unescaped(destination: str) -> str:
    """A markdown destination as the parser gives it: backslash escapes and character
    references decoded (CommonMark)."""
    import html

    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", destination))


def encoded_path(path: str, link: Link, angle: bool, old: str) -> str | None:
    """``path`` as written in ``link``'s syntax, or None when it cannot be: a wikilink
    cannot hold ``[]|#^``; a markdown destination is percent-encoded as Obsidian writes
    it (encodeURI: spaces as %20...), characters beyond ASCII kept as they were
    written when the old destination wrote them so; in ``<...>`` only ``<>`` and line
    breaks are impossible.  A property link also refuses quotes and backslashes (its
    YAML string would change)."""
    if link.kind == "markdown":
        if angle:
            return None if set(path) & set("<>\r\n") else path
        if not any(ord(c) > 127 for c in old):
            return quote(path, safe=_URI_SAFE)
        return "".join(c if ord(c) > 127 else quote(c, safe=_URI_SAFE) for c in path)
    if set(path) & _NOT_IN_WIKILINK:
        return None
    if link.kind not in _TEXT_KINDS and set(path) & set("\"'\\"):  # a property link
        return None
    return path


# -- mv ----------------------------------------------------------------------------

def moves_for(vault: "Vault", source: str, dest: str) -> tuple[dict[str, str], dict[str, str]]:
    """The files ``mv source dest`` renames (old -> new vault path) and the folder
    renamed ({} for a file).  ``source``: a file or folder of the vault."""
    if source in set(vault.files):
        return {source: dest}, {}
    prefix = source.rstrip("/") + "/"
    files = {p: dest.rstrip("/") + "/" + p[len(prefix):] for p in vault.files
             if p.startswith(prefix)}
    return files, {source.rstrip("/"): dest.rstrip("/")}


def plan_move(vault: "Vault", renames: dict[str, str], folders: dict[str, str] | None = None,
              keep_resolution: bool = False, link_format: str | None = None) -> Plan:
    """The plan of renaming ``renames`` (old -> new vault path of each file): every link
    that led to a renamed file is rewritten to lead to its new path; so is a link of a
    renamed note whose target the move would change (a relative path, a same-folder
    name).  Any other link whose resolution the move changes is reported in
    ``changes``, and rewritten to keep its target with ``keep_resolution``.
    ``link_format``: ``newLinkFormat`` (default: the vault's ``.obsidian/app.json``).
    A link that cannot be found in its file or written to lead to its target is a
    ``problem``."""
    plan = Plan(dict(sorted(renames.items())), dict(folders or {}))
    link_format = link_format or vault.config.new_link_format
    after = Resolver([renames.get(p, p) for p in vault.files])
    planned: dict[str, list[tuple]] = {}  # file -> (link, new path, why, target)
    for edge in vault.edges:
        link = edge.link
        if not link.path.strip():
            continue  # [[#Heading]]: the note itself wherever it is
        source = renames.get(edge.source, edge.source)
        before = edge.target
        wanted = renames.get(before, before) if before is not None else None
        now = after.resolve(link.path, source).target
        if now == wanted:
            continue
        ours = before in renames or (edge.source in renames and wanted is not None)
        if not ours:
            kind = "captured" if now in renames.values() else "released"
            rewrite = keep_resolution and wanted is not None
            plan.changes.append(ResolutionChange(edge.source, link.line, link.column,
                                                 link.written, before, now, kind, rewrite))
            if not rewrite:
                continue
        new = link_text(link, wanted, source, after, link_format)
        if new is None:
            plan.problems.append(f"{edge.source}:{link.line}:{link.column}: no link text "
                                 f"leads to {wanted} from {source}")
            continue
        why = (f"now {wanted}" if before in renames else f"kept on {wanted}")
        planned.setdefault(edge.source, []).append((link, new, why, wanted))
    for path, items in planned.items():
        (_plan_canvas if path.endswith(".canvas") else _plan_file)(vault.root, plan, path, items)
    plan.unread = sorted({d.path for d in vault.diagnostics if d.code in _UNREAD} | {
        path for path, note in vault.notes.items()
        if any(d.code in _UNREAD for d in note.diagnostics)})
    read_as_indexed(vault, plan)
    if not plan.problems:
        verify(plan, after)
    return plan


# Codes of a note whose links were not read (a link there cannot be rewritten).
_UNREAD = {"too-large", "parse-timeout", "parse-error", "unreadable-file", "binary-file"}
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_KEY_END = re.compile(r"\s*:\s*")


def _plan_canvas(root: Path, plan: Plan, path: str, items: list[tuple]) -> None:
    """A canvas's file nodes rewritten: the ``"file"`` value of each node whose file was
    renamed becomes the new vault path (a canvas names files by their whole path).
    Links in a text node's markdown are a problem (not rewritten yet)."""
    import json

    try:
        file = plan.files.get(path) or TextFile.read(root, path)
    except EditError as exc:
        plan.problems.append(str(exc))
        return
    wanted: dict[str, str] = {}  # old "file" value -> new
    count: dict[str, int] = {}
    for link, _new, _why, target, *_ in items:
        where = f"{path}:{link.line}:{link.column}"
        if not link.context.startswith("file node"):
            plan.problems.append(f"{where}: links in a canvas's text nodes are not rewritten yet")
            continue
        old = link.raw[:len(link.raw) - len(link.subpath) - 1] if link.subpath else link.raw
        if wanted.setdefault(old, target) != target:
            plan.problems.append(f"{where}: {old} leads to two files")
        count[old] = count.get(old, 0) + 1
    plan.files[path] = file
    edits = []
    tokens = list(_JSON_STRING.finditer(file.text))
    for key, value in zip(tokens, tokens[1:]):
        if key.group() != '"file"' or not _JSON_KEY_END.fullmatch(
                file.text, key.end(), value.start()):
            continue
        try:
            decoded = json.loads(value.group())
        except ValueError:
            continue
        if decoded in wanted:
            count[decoded] -= 1
            line = bisect_right(file.starts, value.start())
            new = json.dumps(wanted[decoded], ensure_ascii=False)[1:-1]
            edits.append(Edit(path, value.start() + 1, value.end() - 1, value.group()[1:-1],
                              new, line, value.start() - file.starts[line - 1] + 1,
                              f"now {wanted[decoded]}", None))
    if any(count.values()):
        plan.problems.append(f"{path}: its file nodes are not all found in its JSON")
    if edits:
        plan.edits[path] = edits


def _plan_file(root: Path, plan: Plan, path: str, items: list[tuple]) -> None:
    try:
        file = plan.files.get(path) or TextFile.read(root, path)
    except EditError as exc:
        plan.problems.append(str(exc))
        return
    plan.files[path] = file
    edits = plan.edits.setdefault(path, [])
    for link, new, why, target, *alias in items:
        try:
            start, end, angle = path_span(file, link)
        except EditError as exc:
            plan.problems.append(str(exc))
            continue
        old = file.text[start:end]
        written = encoded_path(new, link, angle, old)
        if written is None:
            plan.problems.append(f"{path}:{link.line}:{link.column}: {new!r} cannot be "
                                 f"written in a {link.kind} link")
            continue
        if alias and alias[0] and link.kind != "markdown" and link.alias is None:
            row = file.text[file.starts[link.line - 1]:start].lstrip()
            if row.startswith("|") or set(alias[0]) & set("[]|\"\r\n"):
                continue  # (a table's | is written \|; a quote would end a YAML string)
            end = start + len(link.raw)  # [[Alias#sub]] -> [[Target#sub|Alias]]
            old = file.text[start:end]
            written += link.raw[len(link.raw.partition("#")[0]):] + "|" + alias[0]
        if written != old:
            edits.append(Edit(path, start, end, old, written, link.line, link.column, why,
                              target))
    if not edits:
        del plan.edits[path]


def read_as_indexed(vault: "Vault", plan: Plan) -> None:
    """A problem for each file of ``plan`` whose bytes differ from those the index read
    (the links' places came from there): it changed on disk since it was read."""
    from .answers import file_sha1

    for path, file in plan.files.items():
        if file_sha1(vault.connection, path) not in (None, file.sha1):
            plan.problems.append(f"{path}: changed on disk since it was read")


def verify(plan: Plan, after: Resolver) -> None:
    """Parse every edited note again as it will be and check each link rewritten reads
    back as a link leading where it was meant to (a problem otherwise): the plan is
    proved, not trusted."""
    from .parse import parse_text

    import json

    for path, edits in plan.edits.items():
        if path.endswith(".canvas"):
            try:
                json.loads(plan.new_text(path))
            except ValueError:
                plan.problems.append(f"{path}: would no longer be valid JSON")
            continue
        if not is_note(path):
            continue
        new_path = plan.renames.get(path, path)
        note = parse_text(new_path, plan.new_text(path))
        shift = _shifts(edits)
        found = {(link.line, link.column): link for link in note.links}
        for edit in edits:
            if edit.target is None:
                continue  # a key renamed
            link = found.get((edit.line, edit.column + shift[(edit.line, edit.column)]))
            where = f"{path}:{edit.line}:{edit.column}"
            if link is None:
                plan.problems.append(f"{where}: the rewritten link would not read back as "
                                     "a link")
            elif edit.target is not None and \
                    after.resolve(link.path, new_path).target != edit.target:
                plan.problems.append(f"{where}: the rewritten link would not lead to "
                                     f"{edit.target}")


def _shifts(edits: list[Edit]) -> dict[tuple[int, int], int]:
    """How far each edited link's column moves when the edits before it on its line are
    made (an edit never spans lines: a link's path holds no line break)."""
    shift: dict[tuple[int, int], int] = {}
    by_line: dict[int, int] = {}
    for edit in sorted(edits, key=lambda e: e.start):
        shift[(edit.line, edit.column)] = by_line.get(edit.line, 0)
        by_line[edit.line] = by_line.get(edit.line, 0) + len(edit.new) - len(edit.old)
    return shift


# -- writing -----------------------------------------------------------------------

def write_atomic(target: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to ``target`` atomically: a temporary file in the same folder,
    flushed to disk (fsync), given ``mode`` (the old file's permission bits), renamed
    over ``target``; the folder is synced too.  The temporary file is removed if
    anything fails."""
    folder = target.parent
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".vaultgraph",
                                         dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def check_unchanged(root: Path, plan: Plan) -> None:
    """ChangedOnDisk unless every file of ``plan`` still holds the bytes it was planned
    from (sha1 compared) and every file to rename is still there with its new path
    free."""
    changed = []
    for path, file in plan.files.items():
        try:
            data = (root / path).read_bytes()
        except OSError:
            data = None
        if data is None or hashlib.sha1(data).hexdigest() != file.sha1:
            changed.append(f"{path}: changed on disk since it was read")
    for old, new in plan.renames.items():
        if not os.path.lexists(root / old):
            changed.append(f"{old}: no longer there")
        if os.path.lexists(root / new):
            changed.append(f"{new}: now exists")
    if changed:
        raise ChangedOnDisk("files changed on disk since they were read; nothing was written",
                            changed)


def apply(root: Path, plan: Plan) -> None:
    """Write ``plan``: every file checked unchanged first (ChangedOnDisk: nothing
    written) and the new folders made, then each edited file replaced atomically (mode
    kept), then the renames (a folder renamed as one).  Should anything fail on the way
    (a rename refused, Ctrl-C), the files already written get their old bytes back and
    the renames made are undone before the error is raised: the vault is left as it
    was.  Raises EditError when the plan has problems or cannot be written."""
    if plan.problems:
        raise EditError("the plan has problems; nothing was written", plan.problems)
    check_unchanged(root, plan)
    moves = plan.folders or plan.renames
    for new in moves.values():
        parent = (root / new).parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EditError(f"{new}: its folder cannot be made: {exc.strerror or exc}; "
                            "nothing was written") from None
    written: list[str] = []
    moved: list[tuple[str, str]] = []
    try:
        for path in plan.edits:
            file = plan.files[path]
            target = root / path
            mode = stat.S_IMODE(os.stat(target).st_mode)
            write_atomic(target, file.encoded(plan.new_text(path)), mode)
            written.append(path)
        for old, new in moves.items():
            if os.path.lexists(root / new):
                raise FileExistsError(f"{new} now exists")
            os.rename(root / old, root / new)
            moved.append((old, new))
    except BaseException as exc:
        for old, new in reversed(moved):
            os.rename(root / new, root / old)
        for path in written:
            target = root / path
            write_atomic(target, plan.files[path].data, stat.S_IMODE(os.stat(target).st_mode))
        if isinstance(exc, OSError):
            raise EditError(f"{exc}; every file was put back as it was") from None
        raise


@dataclass
class MoveResult:
    """What ``mv`` did (or, with ``dry_run``, would do): ``source`` and ``dest`` (vault
    paths), the ``plan``, ``written`` (False for a dry run), ``undo``: the command that
    moves it back (one line, quoted for a POSIX shell)."""

    source: str
    dest: str
    plan: Plan
    written: bool
    undo: str

    @property
    def edits(self) -> list[Edit]:
        return [edit for path in sorted(self.plan.edits) for edit in
                sorted(self.plan.edits[path], key=lambda e: e.start)]


# -- check --fix -------------------------------------------------------------------

FIX_CUTOFF = 90  # the did-you-mean score (rapidfuzz ratio, 0-100) a fix needs
FIXABLE = ("unresolved-link", "missing-attachment", "deprecated-property")
_LEGACY_KEY = re.compile(r"(tag|alias|cssclass)[ \t]*:", re.IGNORECASE)


def plan_fixes(vault: "Vault", findings: Iterable, codes: Iterable[str] = FIXABLE) -> Plan:
    """The safe fixes of ``findings`` (model.Diagnostic records) whose code is in
    ``codes``, as a Plan (no renames):

    - ``unresolved-link``: a link whose did-you-mean answers hold exactly one scoring at
      least FIX_CUTOFF, or one typo away (a character added, dropped, changed, or two
      swapped: rapidfuzz's OSA distance 1, case folded), is pointed at that note; when the answer is an alias, a wikilink
      without one gets it as its text (``[[Alias]]`` -> ``[[Target|Alias]]``);
    - ``unresolved-link``/``missing-attachment`` of a markdown link (or an embed) whose
      file name is that of exactly one file of the vault (the file moved): pointed at it;
    - ``deprecated-property``: ``tag:``/``alias:``/``cssclass:`` renamed ``tags``/
      ``aliases``/``cssclasses``, unless the note has that key already.

    Only the link's path (and an added alias) or the key's name changes.  A finding
    with no safe fix is left as it is."""
    from rapidfuzz import fuzz
    from rapidfuzz.distance import OSA

    codes = set(codes)
    resolver = vault.resolver
    planned: dict[str, list[tuple]] = {}
    keys: list = []
    for finding in findings:
        if finding.code not in codes:
            continue
        if finding.code == "deprecated-property":
            keys.append(finding)
            continue
        note = (vault.canvases if finding.path.endswith(".canvas") else vault.notes).get(
            finding.path)
        link = next((l for l in (note.links if note else ()) if
                     (l.line, l.column) == (finding.line, finding.column)), None)
        if link is None or link.kind == "canvas" or not link.path.strip():
            continue
        target, alias = None, None
        name = link.path.strip().rsplit("/", 1)[-1]
        by_name = resolver.by_name.get(fold(name), ())
        if "/" in link.path.strip() and len(by_name) == 1:
            target = by_name[0]  # moved: the one file of that name
        elif finding.code == "unresolved-link":
            aliased = set(vault.alias_index.get(fold(link.path.strip()), ()))
            if len(aliased) == 1:  # [[NT]], NT an alias of one note: [[Note|NT]]
                target, alias = aliased.pop(), link.path.strip()
            else:
                written = fold(link.path.strip())
                # An answer is a name or an alias, or "Name|alias" (a note and the alias
                # of it closest to the text): scored on what the writer would have typed.
                good = [answer for answer in finding.suggestions
                        if fuzz.ratio(written, fold(_typed(answer))) >= FIX_CUTOFF
                        or OSA.distance(written, fold(_typed(answer))) <= 1]
                if len(good) != 1:
                    continue
                name, bar, alias_of = good[0].partition("|")
                named = resolver.by_name.get(fold(name) + ".md", ())
                aliased = set(vault.alias_index.get(fold(name), ())) if not bar else set()
                targets = set(named) | aliased  # (a note whose alias is its own name: one)
                if len(targets) != 1:
                    continue
                target, alias = targets.pop(), alias_of or (None if named else name)
        if target is None:
            continue
        new = link_text(link, target, finding.path, resolver, vault.config.new_link_format)
        if new is not None:
            planned.setdefault(finding.path, []).append(
                (link, new, f"fixed: leads to {target}", target, alias))
    plan = Plan()
    for path, items in planned.items():
        _plan_file(vault.root, plan, path, items)
    for finding in keys:
        _plan_key(vault, plan, finding)
    read_as_indexed(vault, plan)
    if not plan.problems:
        verify(plan, resolver)
    return plan


def _typed(answer: str) -> str:
    """What a did-you-mean answer offers to type: ``Name|alias`` -> ``alias``."""
    return answer.partition("|")[2] or answer


def _plan_key(vault: "Vault", plan: Plan, finding) -> None:
    note = vault.notes.get(finding.path)
    if note is None:
        return
    try:
        file = plan.files.get(finding.path) or TextFile.read(vault.root, finding.path)
        at = file.offset(finding.line, finding.column)
    except (EditError, IndexError):
        return
    match = _LEGACY_KEY.match(file.text, at)
    if match is None:
        return
    key = match.group(1)
    new = {"tag": "tags", "alias": "aliases", "cssclass": "cssclasses"}[key.lower()]
    if any(str(k).lower() == new for k in note.frontmatter):
        return  # both keys: merging them is for the writer
    plan.files[finding.path] = file
    plan.edits.setdefault(finding.path, []).append(Edit(
        finding.path, at, at + len(key), key, new, finding.line, finding.column,
        f"fixed: {key} renamed {new}"))
