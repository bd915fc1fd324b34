"""The CLI's side of ``vaultgraph watch``: ask the vault's watcher for a command's
answer instead of listing and reading the vault (docs/cli.md, "watch").

:func:`cli.main` calls :func:`answer_from_watcher` first thing, before click, rich or
any of vaultgraph's own modules are imported: this module uses the standard library
and ``places`` (stdlib only) alone.  It returns None -- the command then runs here as
without a watcher -- whenever the watcher cannot be trusted to answer now:

- the command is not one of :data:`SERVED` (read-only, writing nothing but stdout and
  stderr), or an option makes it write (``check --fix``, ``-o FILE``...), or asks for
  no index (``--no-cache``), help, the version or shell completion (:func:`served`);
- the vault has no watcher: no socket, or a stale one (connection refused: the watcher
  is gone; the file is left to the next watcher, which owns it);
- the watcher does not say a first byte within :data:`FIRST_BYTE_SECONDS` (busy with
  another client, stopped, hung), declines (another vault or index than its own, a
  request it could not bring its index up to date for), or goes before its answer is
  whole.

The protocol (one request, one answer per connection, over the Unix socket
``<cache dir>/<vault key>/watch.sock``, places.vault_folder): the request is a 4-byte
big-endian length and that many bytes of JSON (at most :data:`MAX_REQUEST`):
``{"argv": [...], "cwd": ..., "env": {...}, "stdout": {"tty": bool, "encoding": ...,
"errors": ...}, "stderr": {...}, "columns": int, "lines": int}``.  The answer is frames
of one kind byte and a 4-byte big-endian length and payload: ``A`` (accepted: the
first byte, at once), then ``O`` stdout bytes, ``E`` stderr bytes, in the order written,
and ``X`` the exit status (4 bytes, big-endian); or ``N``, declined (run it here).
"""

from __future__ import annotations

import json
import os
import socket
import stat
import struct
import sys

from .places import vault_folder

SOCKET_NAME = "watch.sock"
MAX_REQUEST = 1 << 20  # bytes of JSON; a larger request is refused unread
MAX_SOCKET_PATH = 107  # bytes (sockaddr_un's sun_path, less its NUL)
FIRST_BYTE_SECONDS = 0.1  # the watcher's first byte comes within this, or the run is ours
# Read-only commands whose whole effect is their output (and check's kept findings, a
# cache): the watcher may run them.
SERVED = frozenset({"backlinks", "links", "tags", "check", "provenance", "explain", "orphans",
                    "deadends", "wanted", "neighbors", "path", "hubs", "related", "mentions",
                    "stats", "report", "export"})
_GROUP_VALUES = ("--vault", "--config-dir", "--cache-dir")
# Options that write a file, ask for no index, or are answered without one.
_LOCAL_OPTIONS = ("--fix", "--write-baseline", "--output", "--no-cache", "--help", "--version")
_LOCAL_SHORT = ("-o", "-h", "-V")
_FALSE = ("", "0", "false", "f", "no", "n", "off")  # click's false booleans


def served(argv: list[str], env=os.environ) -> tuple | None:
    """(command, --vault, --config-dir, --cache-dir) of ``argv`` when a watcher may answer it, else
    None: a command of :data:`SERVED` with no option of ``_LOCAL_OPTIONS`` (a short one
    of ``_LOCAL_SHORT``, ``-ofile`` included) anywhere before ``--``, no
    ``$VAULTGRAPH_NO_CACHE`` and no shell completion.  The watcher asks the same of
    every request, whatever its client decided."""
    if env.get("_VAULTGRAPH_COMPLETE") or env.get("VAULTGRAPH_NO_CACHE", "").lower() not in _FALSE:
        return None
    given: dict[str, str | None] = dict.fromkeys(_GROUP_VALUES)
    command = None
    tokens = iter(argv)
    for token in tokens:
        if token == "--":
            break
        name = token.split("=", 1)[0]
        if name in _GROUP_VALUES:
            value = token[len(name) + 1:] if "=" in token else next(tokens, None)
            if value is None:
                return None
            given[name] = value
        elif name.startswith("--"):
            if name.startswith(_LOCAL_OPTIONS):  # (--fix-only too)
                return None
        elif token.startswith(_LOCAL_SHORT):
            return None
        elif command is None and not token.startswith("-"):
            command = token
    if command not in SERVED:
        return None
    return command, given["--vault"], given["--config-dir"], given["--cache-dir"]


def vault_root(vault: str | None, config_dir: str | None, env=os.environ) -> str | None:
    """The vault a run would use: ``--vault``, ``$VAULTGRAPH_VAULT``, else the nearest
    folder at or above the current one holding the configuration folder (app's rule);
    None when there is none (a folder taken as a vault for its notes: asked of no
    watcher)."""
    vault = vault or env.get("VAULTGRAPH_VAULT") or None
    if vault:
        return vault
    here = os.getcwd()
    while True:
        if os.path.isdir(os.path.join(here, config_dir or ".obsidian")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def socket_path(root: str, cache_dir: str | None) -> str:
    """The watcher's socket of the vault ``root`` and the index folder ``cache_dir``."""
    return str(vault_folder(root, cache_dir) / SOCKET_NAME)


def _private_folder(path: str) -> bool:
    """Whether the socket's folder is this user's and no one else's (0700): a socket
    found elsewhere is not asked."""
    try:
        info = os.lstat(os.path.dirname(path))
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == getattr(os, "getuid", lambda: -1)()
            and not info.st_mode & 0o077)


def _terminal_size() -> tuple[int, int]:
    """The terminal's (columns, lines), 80 and 25 for what it does not tell (no terminal,
    or one that says 0, as a pseudo-terminal made by `script` may: rich takes those too)."""
    for fd in (1, 2, 0):
        try:
            size = os.get_terminal_size(fd)
        except OSError:
            continue
        return size.columns or 80, size.lines or 25
    return 80, 25


def _stream(stream, fd: int) -> dict:
    return {"tty": os.isatty(fd), "encoding": getattr(stream, "encoding", None) or "utf-8",
            "errors": getattr(stream, "errors", None) or "strict"}


def request(argv: list[str]) -> bytes:
    """The request for ``argv`` from this process: its folder, environment and terminal
    (its size: what rich would measure here, given to the watcher's run as ``COLUMNS``
    and ``LINES`` unless the environment sets them)."""
    env = dict(os.environ)
    columns, lines = _terminal_size()
    body = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": env,
                       "stdout": _stream(sys.stdout, 1), "stderr": _stream(sys.stderr, 2),
                       "columns": columns, "lines": lines}).encode("utf-8")
    return struct.pack(">I", len(body)) + body


def first_byte_seconds(env=os.environ) -> float:
    """How long the watcher's first byte is waited for: ``$VAULTGRAPH_WATCH_WAIT_MS``
    (milliseconds: for a slow or loaded machine), else :data:`FIRST_BYTE_SECONDS`."""
    given = env.get("VAULTGRAPH_WATCH_WAIT_MS", "")
    return int(given) / 1000 if given.isdigit() and 0 < int(given) < 600_000 else FIRST_BYTE_SECONDS


def _read_exactly(connection: socket.socket, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = connection.recv(min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def ask(path: str, message: bytes, first_byte: float = FIRST_BYTE_SECONDS) -> list | None:
    """The watcher's answer at ``path`` to ``message``: its frames (kind, payload) up to
    and with ``X``; None when it is to run here (see the module's docstring)."""
    if not hasattr(socket, "AF_UNIX") or len(os.fsencode(path)) > MAX_SOCKET_PATH \
            or not _private_folder(path):
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.settimeout(first_byte)
        connection.connect(path)
        connection.sendall(message)
        if connection.recv(1) != b"A":  # (b"" when it closed; b"N" declined)
            return None
        connection.settimeout(None)  # accepted: a large answer takes its time
        frames = []
        while True:
            head = _read_exactly(connection, 5)
            if head is None:
                return None  # gone before the answer was whole
            kind, size = head[:1], struct.unpack(">I", head[1:])[0]
            if kind == b"N":
                return None
            payload = _read_exactly(connection, size)
            if payload is None or kind not in (b"O", b"E", b"X") or \
                    (kind == b"X" and len(payload) != 4):
                return None
            frames.append((kind, payload))
            if kind == b"X":
                return frames
    except (OSError, ValueError):  # no watcher, a stale socket, no answer in time...
        return None
    finally:
        connection.close()


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def replay(frames: list) -> int:
    """Write the answer's output as the watcher's run wrote it; its exit status (141,
    quietly, when stdout's reader has gone: ``| head``)."""
    code = 0
    for kind, payload in frames:
        if kind == b"X":
            code = struct.unpack(">i", payload)[0]
        elif kind == b"O":
            try:
                _write(1, payload)
            except BrokenPipeError:
                return 141
        else:
            try:
                _write(2, payload)
            except OSError:
                pass
    return code


def answer_from_watcher(argv: list[str]) -> int | None:
    """The exit status of ``argv`` answered by the vault's watcher, its output written;
    None when the command is to run in this process (no watcher, not served...).
    Ctrl-C meanwhile ends the process with 130."""
    try:
        found = served(argv)
        if found is None:
            return None
        _, vault, config_dir, cache_dir = found
        root = vault_root(vault, config_dir)
        if root is None:
            return None
        frames = ask(socket_path(root, cache_dir or os.environ.get("VAULTGRAPH_CACHE_DIR")
                                 or None), request(argv), first_byte_seconds())
        return None if frames is None else replay(frames)
    except KeyboardInterrupt:
        os._exit(130)
    except (OSError, ValueError):  # (no current folder, an argument JSON cannot carry...)
        return None
