"""What belongs to a vault: file discovery, ``.obsidian/app.json``, excluded files."""

from __future__ import annotations

import json
import os
import re
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


@dataclass
class VaultConfig:
    """The settings of ``<config dir>/app.json`` that change what vaultgraph reports."""

    config_dir: str = ".obsidian"
    ignore_filters: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._patterns: list[re.Pattern[str]] = []
        for item in self.ignore_filters:
            if len(item) > 2 and item.startswith("/") and item.endswith("/"):
                try:
                    self._patterns.append(re.compile(item[1:-1]))
                except re.error:
                    self.diagnostics.append(Diagnostic(
                        f"{self.config_dir}/app.json", 1, 1, WARNING, "invalid-config",
                        f"userIgnoreFilters: {item!r} is not a valid regular expression"))
            elif item:
                self._patterns.append(re.compile(re.escape(item), re.IGNORECASE))

    @property
    def excludes_anything(self) -> bool:
        return bool(self._patterns)

    def is_excluded(self, path: str) -> bool:
        """True when an "Excluded files" filter matches: a prefix, or a /regex/ anywhere."""
        return any(
            pattern.match(path) if pattern.flags & re.IGNORECASE else pattern.search(path)
            for pattern in self._patterns
        )


def load_config(root: Path, config_dir: str = ".obsidian") -> VaultConfig:
    app_json = root / config_dir / "app.json"
    try:
        settings = json.loads(app_json.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return VaultConfig(config_dir)
    except (OSError, ValueError) as exc:
        return VaultConfig(config_dir, diagnostics=[Diagnostic(
            f"{config_dir}/app.json", 1, 1, WARNING, "invalid-config",
            f"cannot read app.json: {exc}")])
    if not isinstance(settings, dict):
        settings = {}
    filters = settings.get("userIgnoreFilters") or []
    return VaultConfig(
        config_dir,
        [f for f in filters if isinstance(f, str)] if isinstance(filters, list) else [],
    )


NOTE_ENDINGS = (".md", ".MD", ".Md", ".mD")


def is_note(path: str) -> bool:
    return path.endswith(NOTE_ENDINGS)


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
        numbers.extend((stat.st_size, max(stat.st_mtime_ns, stat.st_ctime_ns)))
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


def discover(root: Path) -> tuple[FileStats, list[Diagnostic]]:
    """Every file in the vault: sorted vault-relative POSIX path -> (size, change time in
    ns: the later of mtime and ctime).

    Names starting with ``.`` are not part of a vault.  Folder symlinks are
    followed only to folders outside the vault that were not seen before
    (Obsidian ignores loops and links back into the vault).
    """
    taken_at = time.time_ns()
    files: dict[str, tuple[int, int]] = {}
    problems: list[Diagnostic] = []
    real_root = os.path.realpath(root)
    seen_dirs = {real_root}

    found: list[str] = []  # files to stat, all at once at the end
    paths: list[str] = []  # their vault paths

    def walk(folder: str, prefix: str) -> None:
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
        for entry in others:
            rel = prefix + entry.name
            try:
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
                is_link = entry.is_symlink()
            except OSError as exc:
                problems.append(Diagnostic(rel, 1, 1, ERROR, "unreadable-file",
                                           f"cannot stat: {exc.strerror}"))
                continue
            if is_dir:
                real = os.path.realpath(entry.path)
                if is_link and (real in seen_dirs or real_root.startswith(real + os.sep)
                                or real.startswith(real_root + os.sep)):
                    problems.append(Diagnostic(rel, 1, 1, WARNING, "ignored-symlink",
                                               "folder symlink points inside the vault, to a "
                                               "parent of it or into a loop; not followed"))
                    continue
                seen_dirs.add(real)
                walk(entry.path, rel + "/")
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
            elif is_link:
                problems.append(Diagnostic(rel, 1, 1, WARNING, "ignored-symlink",
                                           "broken symlink; not followed"))

    walk(str(root), "")
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
    diagnostics: list[Diagnostic]


def list_vault(root: Path, config_dir: str = ".obsidian") -> Listing:
    """Read ``<config dir>/app.json`` and list the vault's files."""
    config = load_config(root, config_dir)
    stats, problems = discover(root)
    return Listing(config, stats, config.diagnostics + problems + name_problems(list(stats)))


UNLINKABLE_CHARACTERS = "#^|[]"
_UNLINKABLE = re.compile(f"[{re.escape(UNLINKABLE_CHARACTERS)}]")


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
        if _UNLINKABLE.search(stem):
            bad = sorted(set(_UNLINKABLE.findall(stem)))
            problems.append(Diagnostic(path, 1, 1, WARNING, "unlinkable-name",
                                       f'the name contains {" ".join(bad)}, which Obsidian reads '
                                       "as link syntax: links to this file cannot resolve"))
        elif stem[:1].isspace() or stem[-1:].isspace():
            problems.append(Diagnostic(path, 1, 1, WARNING, "unlinkable-name",
                                       "the name starts or ends with a space, which links trim: "
                                       "links to this file cannot resolve"))
    return problems
