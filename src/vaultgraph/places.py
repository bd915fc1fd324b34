"""Where vaultgraph writes: never inside a vault, and its index private to the user.

The rules (docs/cli.md, "The index" and "Writing files"):

- nothing is written inside the vault: not a report or export (``-o``), not the
  index (``--cache-dir``, ``$XDG_CACHE_HOME``); ``is_inside`` decides, by the file
  system's identity of folders (so symlinks, ``..``, bind mounts and case-insensitive
  file systems cannot hide that a path is in the vault);
- the index's folder is created 0700 and its files 0600 (``private_folder``,
  ``private_umask``, ``private_files``); a per-vault folder or index file of ours that
  is looser is tightened; a per-vault folder that is not ours (another owner, a
  symlink, not a folder) is not used.
"""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def is_inside(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> bool:
    """Whether ``path`` (existing or not) is ``folder`` or lies under it, symlinks
    followed: some folder on the way from ``path``'s real location up to ``/`` is the
    same folder (same device and inode) as ``folder``.  False when ``folder`` does
    not exist."""
    try:
        top = os.stat(folder)
    except (OSError, ValueError):
        return False
    here = os.path.realpath(os.path.abspath(path))
    while True:
        try:
            if os.path.samestat(os.stat(here), top):
                return True
        except (OSError, ValueError):
            pass  # not there (yet): its parent may be
        parent = os.path.dirname(here)
        if parent == here:
            return False
        here = parent


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/vaultgraph``; ``~/.cache/vaultgraph`` when that variable is
    unset, empty or relative (the XDG Base Directory spec: "If an implementation
    encounters a relative path in any of these variables it should consider the path
    invalid and ignore it" -- a relative one would follow the current folder, into a
    vault)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "vaultgraph"


def vault_folder(vault_root: str | os.PathLike[str],
                 cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The folder of one vault's own files in the cache: ``<cache dir>/<hash of the
    vault's real path>`` (its index, ``index.index_file``; a watcher's socket,
    ``watch.py``), ``cache_dir`` (default :func:`default_cache_dir`) made absolute.
    Light (stdlib only): the CLI finds a watcher's socket with it before importing
    anything else."""
    import hashlib

    folder = Path(cache_dir).absolute() if cache_dir else default_cache_dir()
    key = hashlib.sha256(os.path.realpath(vault_root).encode("utf-8", "surrogateescape"))
    return folder / key.hexdigest()[:16]


def _ours(info: os.stat_result) -> bool:
    return not hasattr(os, "getuid") or info.st_uid == os.getuid()


def private_folder(folder: Path) -> None:
    """Make ``folder`` (the index's own, per vault) exist and be private: missing
    folders on the way are created 0700; ``folder`` itself, when it exists looser and
    is ours, is tightened to 0700.  Raises PermissionError when ``folder`` is not a
    folder of ours (a symlink, a file, another user's): the index is then not used."""
    missing = []
    for parent in (folder, *folder.parents):
        if os.path.lexists(parent):
            break
        missing.append(parent)
    for parent in reversed(missing):
        try:
            parent.mkdir(mode=0o700)
        except FileExistsError:  # another run made it just now
            pass
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or not _ours(info):
        raise PermissionError(f"{folder} is not a folder of this user's")
    if info.st_mode & 0o077:
        os.chmod(folder, 0o700)


@contextmanager
def private_umask() -> Iterator[None]:
    """Files and folders created inside the block are private to the user (umask 077);
    SQLite creates an index's -wal, -shm and -journal files with its database's mode."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def private_files(database: Path) -> None:
    """Tighten ``database`` and its -wal, -shm and -journal files to 0600 where they
    exist looser and are ours (an index made by an older version, or by SQLite
    outside ``private_umask``)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = f"{database}{suffix}"
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode) and _ours(info) and info.st_mode & 0o077:
            os.chmod(path, 0o600)
