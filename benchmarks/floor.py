"""The floors every benchmark measures in its own run: reading every note, and a Python
regex scan of every note for links and tags (what the simplest tool would do)."""

from __future__ import annotations

import re
import time
from pathlib import Path

LINK = re.compile(r"!?\[\[([^\]\n|#]+)|\]\(([^)\s]+)\)")
TAG = re.compile(r"(?:^|\s)#([^\s#.,:;!?()\[\]\"']+)")


def floor(root: Path) -> tuple[float, float]:
    """Seconds to read every ``.md`` file under ``root``, then seconds to read and scan
    each for wikilinks, markdown links and tags with one regex each."""
    files = [p for p in root.rglob("*.md")]
    start = time.perf_counter()
    size = sum(len(p.read_bytes()) for p in files)
    read = time.perf_counter() - start
    assert size > 0
    start = time.perf_counter()
    found = 0
    for p in files:
        text = p.read_text(encoding="utf-8")
        found += len(LINK.findall(text)) + len(TAG.findall(text))
    assert found > 0
    return read, time.perf_counter() - start
