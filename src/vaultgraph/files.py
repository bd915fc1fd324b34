"""What belongs to a vault: file discovery, ``.obsidian/app.json``, excluded files."""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import sys
import time
import unicodedata
from array import array
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from operator import attrgetter
from pathlib import Path

from .model import ERROR, WARNING, Diagnostic


MAX_CONFIG_BYTES = 1024 * 1024  # app.json is a few kB; a larger one is not read
# Compiling one /regex/ filter can take a quarter of a second (`\pL{300}`): a 1 MB app.json
# of such filters took most of an hour before any command began.  So each filter gets a
# small RE2 memory budget (it compiles in milliseconds or is refused), and only so many
# are compiled (a vault has a handful).
MAX_REGEX_FILTERS = 100
REGEX_MEMORY = 1 << 20  # bytes of RE2 program for one filter


class NotRegularFile(OSError):
    """The path names a FIFO, socket, device or folder: vaultgraph reads only regular files."""

    def __init__(self, filename):
        super().__init__(errno.EINVAL, "not a regular file", filename)


class TooLarge(Exception):
    """A file over the byte limit it was read with: ``size`` bytes (at least limit + 1)."""

    def __init__(self, size: int, limit: int):
        super().__init__(f"{size} bytes is over the limit of {limit}")
        self.size, self.limit = size, limit


_READ_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


def open_regular(path: str | os.PathLike[str]) -> tuple[int, os.stat_result]:
    """An open descriptor of the regular file at ``path`` and its stat, taken from the
    descriptor (not the path, which may be swapped after any check).  Opened without
    blocking, so a FIFO or a device is refused at once instead of waited on.  Symlinks
    are followed (discovery decides which to take).

    Raises :class:`NotRegularFile` for anything but a regular file, OSError when it
    cannot be opened."""
    fd = os.open(path, _READ_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(os.fspath(path))
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def _read_up_to(fd: int, size: int) -> bytes:
    """Up to ``size`` bytes from ``fd``: fewer only at the end of the file."""
    data = os.read(fd, size)
    if len(data) in (0, size):
        return data
    parts = [data]
    while size := size - len(data):
        if not (data := os.read(fd, size)):
            break
        parts.append(data)
    return b"".join(parts)


def read_bounded(path: str | os.PathLike[str], limit: int, cut: bool = False) -> bytes:
    """The bytes of the regular file at ``path``, reading at most ``limit`` + 1 bytes:
    the one way vaultgraph reads a file of the vault (notes, ``app.json``, canvases).

    A file over ``limit`` bytes (by its size, or by what could be read: it may grow)
    raises :class:`TooLarge`, or with ``cut`` gives its first ``limit`` + 1 bytes.
    A regular file whose size is 0 is empty: it is not read (files of /proc and /sys
    say 0 and can give without end, or block).  Raises :class:`NotRegularFile` for a
    FIFO, socket, device or folder, OSError when the file cannot be read."""
    fd, info = open_regular(path)
    try:
        if info.st_size == 0:
            return b""
        if info.st_size > limit and not cut:
            raise TooLarge(info.st_size, limit)
        # As many bytes as the size says, and one more to see a file that grew since; a
        # read of ``limit`` + 1 at once would allocate (and give back) ``limit`` bytes for
        # every note, which cost more than reading it.  os.read on the descriptor: a
        # buffered file object around it cost more than the read itself.
        want = min(info.st_size, limit) + 1
        data = _read_up_to(fd, want)
        if len(data) == want and want <= limit:  # it grew: read on, up to the limit
            data += _read_up_to(fd, limit + 1 - want)
    finally:
        os.close(fd)
    if len(data) > limit and not cut:
        raise TooLarge(len(data), limit)
    return data


@dataclass
class VaultConfig:
    """The settings of ``<config dir>/app.json`` that change what vaultgraph reports
    (``userIgnoreFilters``) or writes (``newLinkFormat``: ``shortest``, ``relative`` or
    ``absolute``, Obsidian's default shortest; ``useMarkdownLinks``, default false)."""

    config_dir: str = ".obsidian"
    ignore_filters: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    new_link_format: str = "shortest"
    use_markdown_links: bool = False

    def __post_init__(self) -> None:
        self._prefixes: dict[int, set[str]] = {}  # length -> the prefixes of that length
        expressions, regexes = [], 0
        for item in self.ignore_filters:
            if len(item) > 2 and item.startswith("/") and item.endswith("/"):
                regexes += 1
                if regexes > MAX_REGEX_FILTERS:
                    continue
                problem = _regex_problem(item[1:-1])
                if problem:
                    self._warn(f"userIgnoreFilters: {_shown(item)} {problem}; not applied")
                else:
                    expressions.append(item[1:-1])
            elif item:
                self._prefixes.setdefault(len(item.lower()), set()).add(item.lower())
        if regexes > MAX_REGEX_FILTERS:
            self._warn(f"userIgnoreFilters: {regexes} regular expressions; only the first "
                       f"{MAX_REGEX_FILTERS} are applied")
        self._prefix_lengths = sorted(self._prefixes)
        # One pattern for all expressions: a path is searched once, however many there are.
        self._expressions = None
        if expressions:
            self._expressions = _linear_regex("|".join(f"(?:{e})" for e in expressions))
            if self._expressions is None:
                self._warn("userIgnoreFilters: the regular expressions are too large to match "
                           "together; not applied")

    def _warn(self, message: str) -> None:
        self.diagnostics.append(Diagnostic(f"{self.config_dir}/app.json", 1, 1, WARNING,
                                           "invalid-config", message))

    @property
    def excludes_anything(self) -> bool:
        return bool(self._prefixes) or self._expressions is not None

    def is_excluded(self, path: str) -> bool:
        """True when an "Excluded files" filter matches: a prefix, or a /regex/ anywhere,
        both without case (Obsidian's rule: docs/obsidian-rules.md).  The time grows with
        the length of the path, not with the number of filters: prefixes are looked up by
        length, and the expressions are one RE2 pattern (linear-time matching)."""
        if self._prefixes:
            lowered = path.lower()
            for length in self._prefix_lengths:
                if length > len(lowered):
                    break
                if lowered[:length] in self._prefixes[length]:
                    return True
        return self._expressions is not None and bool(self._expressions.search(path))


def _shown(item: str, width: int = 80) -> str:
    return repr(item if len(item) <= width else item[:width] + "...")


def _re2_options(max_mem: int | None = None):
    import re2  # (loaded only for a vault with /regex/ filters)

    options = re2.Options()
    options.case_sensitive = False  # Obsidian compiles them with the "i" flag
    options.never_capture = True
    options.log_errors = False
    if max_mem:
        options.max_mem = max_mem
    return options


def _regex_problem(expression: str) -> str | None:
    """Why a /regex/ filter cannot be used (None: it can).  RE2 compiles it: matching
    takes time linear in the text, so no filter can hang a run (a JavaScript or Python
    regex like ``^(a+)+$`` backtracks for minutes on a 40-character name), within
    REGEX_MEMORY, so compiling it is quick too.  Lookaround and back-references are
    what RE2 leaves out."""
    try:
        import re2
    except ImportError:  # a dependency: missing only from a broken install
        return "cannot be matched safely without the google-re2 package"
    try:
        expression.encode("utf-8")
    except UnicodeEncodeError:  # (JSON can spell a lone surrogate)
        return "is not valid Unicode"
    try:
        re2.compile(expression, _re2_options(max_mem=REGEX_MEMORY))
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        return (f"is not a regular expression vaultgraph can match ({_shown(str(reason))}; "
                "lookaround and back-references are not supported)")
    return None


def _linear_regex(expression: str):
    """The RE2 pattern of ``expression`` (checked valid), or None when it is too large."""
    import re2

    try:
        return re2.compile(expression, _re2_options(max_mem=64 << 20))
    except re2.error:
        return None


def load_config(root: Path, config_dir: str = ".obsidian") -> VaultConfig:
    """``<config dir>/app.json`` of the vault at ``root``.  It is vault content: a file
    over MAX_CONFIG_BYTES, not regular (a FIFO, a device), not JSON or nested too deeply
    gives an ``invalid-config`` warning and the defaults."""
    where = f"{config_dir}/app.json"
    line = column = 1
    try:
        settings = json.loads(read_bounded(root / config_dir / "app.json", MAX_CONFIG_BYTES))
    except FileNotFoundError:
        return VaultConfig(config_dir)
    except TooLarge as exc:
        problem = f"app.json is over {exc.limit // 1024} kB; not read"
    except RecursionError:
        problem = "cannot read app.json: nested too deeply"
    except OSError as exc:
        problem = f"cannot read app.json: {exc.strerror or exc}"
    except json.JSONDecodeError as exc:  # where the JSON goes wrong, as a note's findings
        line, column = exc.lineno, exc.colno
        problem = f"app.json is not valid JSON: {exc.msg}; its settings are not used"
    except ValueError as exc:
        problem = f"cannot read app.json: {exc}"
    else:
        if not isinstance(settings, dict):
            settings = {}
        filters = settings.get("userIgnoreFilters") or []
        link_format = settings.get("newLinkFormat")
        return VaultConfig(
            config_dir,
            [f for f in filters if isinstance(f, str)] if isinstance(filters, list) else [],
            new_link_format=link_format if link_format in ("shortest", "relative", "absolute")
            else "shortest",
            use_markdown_links=settings.get("useMarkdownLinks") is True,
        )
    return VaultConfig(config_dir, diagnostics=[Diagnostic(where, line, column, WARNING,
                                                           "invalid-config", problem)])


NOTE_ENDINGS = (".md", ".MD", ".Md", ".mD")


def is_note(path: str) -> bool:
    return path.endswith(NOTE_ENDINGS)


def is_canvas(path: str) -> bool:
    """A JSON Canvas file (``.canvas``): a file, not a note, whose links are read."""
    return path[-7:].lower() == ".canvas"


# ".canvas" in every case (is_canvas's rule, as endings: one C call tells a path apart)
SOURCE_ENDINGS = NOTE_ENDINGS + tuple(
    "." + "".join(c.upper() if n >> i & 1 else c for i, c in enumerate("canvas")) for n in range(64))


def is_source(path: str) -> bool:
    """A file whose links are read: a note or a canvas."""
    return path.endswith(SOURCE_ENDINGS)


class FileStats(dict):
    """Vault path -> (size, change time in ns), and ``taken_at``: the time (ns) the walk
    began.  The change time is the later of the file's mtime and ctime: an edit that puts
    the mtime back (``touch -d``, ``os.utime``) still moves the ctime, which no one can
    set (git compares both too).  A file whose change time is not well before
    ``taken_at`` may change again within the same tick after being read, so that time
    alone proves nothing (see index.RACY_NS)."""

    def __init__(self, items, taken_at: int):
        super().__init__(items)
        self.taken_at = taken_at

    @cached_property
    def notes(self) -> list[str]:
        """The notes among the files, in path order."""
        return [path for path in self if path.endswith(NOTE_ENDINGS)]  # (no call per file)

    @cached_property
    def sources(self) -> list[str]:
        """The files whose links are read -- notes and canvases -- in path order."""
        return [path for path in self if path.endswith(SOURCE_ENDINGS)]  # (is_source)

    @cached_property
    def path_bytes(self) -> bytes:
        """The paths joined by NULs, as bytes (what the index digests and keeps)."""
        return "\0".join(self).encode("utf-8", "surrogateescape")

    @cached_property
    def numbers(self) -> array:
        """Size, mtime, size, mtime, ... in path order, as 64-bit numbers."""
        return array("q", chain.from_iterable(self.values()))


# From this many files on, a forked child stats half of them while this process
# stats the rest (at 100k files the stat calls are about half of a warm run).
PARALLEL_STAT = 20_000


def _stat(files: list[str]) -> array:
    """Size, change time, size, change time, ... of the files (symlinks followed;
    FileStats says why the change time is the later of mtime and ctime); -1 and the
    error number where stat fails.  (Not ``DirEntry.stat``: each entry would keep
    its stat result, 100 MB for 100k files.)"""
    numbers = array("q")
    stat_of = os.stat
    for file in files:
        try:
            stat = stat_of(file)
        except OSError as exc:
            numbers.extend((-1, exc.errno or 0))
            continue
        mtime, ctime = stat.st_mtime_ns, stat.st_ctime_ns
        numbers.extend((stat.st_size, mtime if mtime > ctime else ctime))  # (max, without a call)
    return numbers


def _can_fork() -> bool:
    """Forking without exec is safe on Linux in a process with one thread."""
    import threading

    return sys.platform == "linux" and threading.active_count() == 1


def stat_all(files: list[str]) -> array:
    """:func:`_stat` of the files; for many, the second half in a forked child."""
    if len(files) < PARALLEL_STAT or not _can_fork():
        return _stat(files)
    half = len(files) // 2
    try:
        read_end, write_end = os.pipe()
        pid = os.fork()
    except OSError:
        return _stat(files)
    if pid == 0:  # the child: its numbers down the pipe, then gone at once (no cleanup)
        status = 1
        try:
            os.close(read_end)
            with open(write_end, "wb") as pipe:
                pipe.write(_stat(files[half:]).tobytes())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    numbers = _stat(files[:half])
    with open(read_end, "rb") as pipe:
        sent = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status == 0 and len(sent) == 16 * (len(files) - half):
        numbers.frombytes(sent)
    else:  # the child failed: do its half here
        numbers.extend(_stat(files[half:]))
    return numbers


MAX_FOLDER_DEPTH = 100  # folders nested deeper are not read (a `too-deep` warning)


def is_within(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or inside it; both absolute and resolved
    (``os.path.realpath``).  Compares whole components: "/" holds everything, and
    "/vault2" is not inside "/vault"."""
    try:
        return os.path.commonpath((path, folder)) == folder
    except ValueError:  # on different drives, or one relative
        return False


def discover(root: Path) -> tuple[FileStats, list[Diagnostic]]:
    """Every file in the vault: sorted vault-relative POSIX path -> (size, change time in
    ns: the later of mtime and ctime).

    Names starting with ``.`` are not part of a vault.  Folder symlinks are
    followed only to folders outside the vault that were not seen before
    (Obsidian ignores loops and links back into the vault), and never to a folder
    holding the vault (``/`` among them).  Folders over MAX_FOLDER_DEPTH deep are
    not read (``too-deep``); FIFOs, sockets and devices are not files of the vault
    (``special-file``).  The walk keeps its own stack: time and memory grow with the
    number of entries, not with the depth.
    """
    taken_at = time.time_ns()
    files: dict[str, tuple[int, int]] = {}
    problems: list[Diagnostic] = []
    real_root = os.path.realpath(root)
    seen_dirs = {real_root}

    found: list[str] = []  # files to stat, all at once at the end
    paths: list[str] = []  # their vault paths
    # folders to list, next one last: (path, vault path, real path of the parent, depth,
    # is a symlink)
    stack: list[tuple[str, str, str, int, bool]] = []

    def walk(folder: str, prefix: str, real_folder: str, depth: int) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as exc:
            problems.append(Diagnostic(prefix.rstrip("/") or ".", 1, 1, ERROR,
                                       "unreadable-file", f"cannot list folder: {exc.strerror}"))
            return
        plain_prefix = prefix.isascii()
        others = []  # folders, symlinks and odd names: looked at in name order
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                continue
            try:
                # Most entries: a regular file with a plain name, known from the listing alone.
                if plain_prefix and name.isascii() and entry.is_file(follow_symlinks=False):
                    found.append(entry.path)
                    paths.append(prefix + name)
                    continue
            except OSError:
                pass  # reported below
            others.append(entry)
        others.sort(key=attrgetter("name"))
        folders = []
        for entry in others:
            rel = prefix + entry.name
            try:
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
                is_link = entry.is_symlink()
                exists = is_dir or is_file or not is_link or os.path.exists(entry.path)
            except OSError as exc:
                problems.append(Diagnostic(rel, 1, 1, ERROR, "unreadable-file",
                                           f"cannot stat: {exc.strerror}"))
                continue
            if is_dir:
                if depth >= MAX_FOLDER_DEPTH:
                    problems.append(Diagnostic(rel, 1, 1, WARNING, "too-deep",
                                               f"folder nested over {MAX_FOLDER_DEPTH} levels "
                                               "deep; not read"))
                    continue
                folders.append((entry.path, rel, real_folder, depth + 1, is_link))
            elif is_file:
                try:
                    rel.encode("utf-8")
                except UnicodeEncodeError:
                    shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                    problems.append(Diagnostic(shown, 1, 1, WARNING, "invalid-filename",
                                               "file name is not valid UTF-8; skipped"))
                    continue
                found.append(entry.path)
                paths.append(rel)
            elif not exists:
                problems.append(Diagnostic(rel, 1, 1, WARNING, "ignored-symlink",
                                           "broken symlink; not followed"))
            else:
                problems.append(Diagnostic(rel, 1, 1, WARNING, "special-file",
                                           "not a regular file or folder (a FIFO, socket or "
                                           "device); not read"))
        stack.extend(reversed(folders))  # in name order, each before the next's

    walk(str(root), "", real_root, 0)
    while stack:  # depth first, in name order (which symlink to a folder is taken first)
        folder, rel, real_parent, depth, is_link = stack.pop()
        # the real path of a plain folder is its parent's and its name: no realpath
        # (whose cost grows with the depth) but for symlinks
        real = os.path.realpath(folder) if is_link else os.path.join(real_parent,
                                                                     os.path.basename(folder))
        if is_link and (real in seen_dirs or is_within(real_root, real)
                        or is_within(real, real_root)):
            problems.append(Diagnostic(rel, 1, 1, WARNING, "ignored-symlink",
                                       "folder symlink points inside the vault, to a folder "
                                       "holding it or into a loop; not followed"))
            continue
        seen_dirs.add(real)
        walk(folder, rel + "/", real, depth)
    numbers = stat_all(found)
    for rel, size, mtime in zip(paths, numbers[0::2], numbers[1::2]):
        if size < 0:  # mtime: the error number
            problems.append(Diagnostic(rel, 1, 1, ERROR, "unreadable-file",
                                       f"cannot stat: {os.strerror(mtime)}"))
        else:
            files[rel] = (size, mtime)
    problems.sort(key=attrgetter("path"))
    return FileStats(sorted(files.items()), taken_at), problems


@dataclass
class Listing:
    """What a vault's folder says before any note is read: its configuration, its files,
    and the diagnostics of both (configuration, discovery, file names)."""

    config: VaultConfig
    stats: FileStats
    found: list[Diagnostic]  # discovery's

    @cached_property
    def diagnostics(self) -> list[Diagnostic]:
        """The configuration's, discovery's and the file names' (worked out when asked:
        a query that shows none of them does not pay for checking every name)."""
        return self.config.diagnostics + self.found + name_problems(list(self.stats))


def list_vault(root: Path, config_dir: str = ".obsidian") -> Listing:
    """Read ``<config dir>/app.json`` and list the vault's files."""
    config = load_config(root, config_dir)
    stats, problems = discover(root)
    return Listing(config, stats, problems)


UNLINKABLE_CHARACTERS = "#^|[]"
_UNLINKABLE = re.compile(f"[{re.escape(UNLINKABLE_CHARACTERS)}]")


def _reads_back(name: str) -> bool:
    """``[[name]]`` links to ``name``: true of ``wiki [link]`` and ``Sq]uare`` (brackets a
    wikilink takes, syntax/wikilinks.py), not of ``a]]b`` or ``x[[y``."""
    from .syntax.wikilinks import NextIndex, wikilink_at

    written = f"[[{name}]]"
    found = wikilink_at(written, 0, len(written), NextIndex(written))
    return found is not None and found[0].path == name and found[2] == len(written)


def _unlinkable_characters(stem: str) -> list[str]:
    """The characters of ``stem`` that keep a link from naming it: ``#``, ``^`` and ``|``
    always; ``[`` and ``]`` only when ``[[stem]]`` does not read back as ``stem``."""
    bad = set(_UNLINKABLE.findall(stem))
    if bad & {"[", "]"} and _reads_back(stem):
        bad -= {"[", "]"}
    return sorted(bad)


def name_problems(files: list[str]) -> list[Diagnostic]:
    """Names Obsidian cannot link to, and paths that differ only by case."""
    problems = []
    keys = [path.lower() if path.isascii() else unicodedata.normalize("NFC", path).lower()
            for path in files]
    if len(set(keys)) < len(keys):
        seen: dict[str, str] = {}
        for path, key in zip(files, keys):
            if key in seen:
                problems.append(Diagnostic(path, 1, 1, WARNING, "duplicate-name",
                                           f'"{path}" and "{seen[key]}" differ only by case or '
                                           "Unicode form; links cannot tell them apart"))
            seen.setdefault(key, path)
    for path in files:
        name = path.rpartition("/")[2]
        stem = name[:-3] if name[-3:].lower() == ".md" else name
        bad = _unlinkable_characters(stem) if _UNLINKABLE.search(stem) else []
        if bad:
            problems.append(Diagnostic(path, 1, 1, WARNING, "unlinkable-name",
                                       f'the name contains {" ".join(bad)}, which Obsidian reads '
                                       "as link syntax: links to this file cannot resolve"))
        elif stem[:1].isspace() or stem[-1:].isspace():
            problems.append(Diagnostic(path, 1, 1, WARNING, "unlinkable-name",
                                       "the name starts or ends with a space, which links trim: "
                                       "links to this file cannot resolve"))
    return problems
