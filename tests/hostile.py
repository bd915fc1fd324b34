"""A vault of hostile files, built on demand (its 50 MB note is not kept in git)."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "\n".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8))

# vault path -> (content, the diagnostic codes the file must produce)
FILES: dict[str, tuple[str | bytes, set[str]]] = {
    "yaml/unclosed bracket.md": ("---\ntags: [a, b\n---\n[[Target]]\n", {"invalid-frontmatter"}),
    "yaml/tabs.md": ("---\na:\n\t- b\n---\n[[Target]]\n", {"invalid-frontmatter"}),
    "yaml/duplicate keys.md": ("---\na: 1\na: 2\n---\n[[Target]]\n", {"invalid-frontmatter"}),
    "yaml/bomb.md": (f"---\n{BOMB}\n---\n[[Target]]\n", {"invalid-frontmatter"}),
    # Obsidian's YAML parser ignores unknown tags (the value stays data): a warning, no code run
    "yaml/python tag.md": ("---\nx: !!python/object/apply:os.system ['echo hi']\n---\n[[Target]]\n",
                           {"yaml-tag"}),
    "yaml/list.md": ("---\n- a\n- b\n---\n[[Target]]\n", {"invalid-frontmatter"}),
    "yaml/scalar.md": ("---\njust text\n---\n[[Target]]\n", {"invalid-frontmatter"}),
    "yaml/never closed.md": ("---\ntitle: x\n\n[[Target]]\n", {"invalid-frontmatter"}),
    # deep enough to overflow libyaml's C stack (it segfaults) and Python's recursion limit
    "yaml/deep flow.md": ("---\na: " + "[" * 60_000 + "]" * 60_000 + "\n---\n[[Target]]\n",
                          {"invalid-frontmatter"}),
    "yaml/deep block.md": ("---\na: " + "- " * 60_000 + "x\n---\n[[Target]]\n",
                           {"invalid-frontmatter"}),
    "yaml/dates.md": ("---\ndays: [" + ", ".join(["2024-01-01"] * 1_500) + "]\n---\n[[Target]]\n",
                      set()),
    "encoding/latin1.md": ("caf\xe9 [[Target]]\n".encode("latin-1"), {"encoding"}),
    "encoding/mixed.md": ("ok ✓\n".encode() + "caf\xe9\n".encode("latin-1") + b"[[Target]]\n",
                          {"encoding"}),
    "encoding/bom.md": ("\ufeff---\ntags: [bom]\n---\n[[Target]]\n".encode(), set()),
    "encoding/crlf.md": (b"---\r\ntags: [crlf]\r\n---\r\n[[Target]]\r\nline #t\r\n", set()),
    "encoding/lone cr.md": (b"a\r[[Target]]\rb #t\r", set()),
    "binary/nul padded.md": (b"text [[Target]]\n" + b"\x00" * 100, {"encoding"}),
    "binary/image.md": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00", {"binary-file"}),
    "huge/one long line.md": ("x" * 1_000_000 + " [[Target]]\n", set()),
    "huge/ten thousand links.md": (" ".join(f"[[N{i}]]" for i in range(10_000)) + "\n",
                                   {"unresolved-link"}),
    # every link on a line of 33,000 characters: its context is that line, kept once
    "huge/many links on a line.md": (" ".join(["[[Target]]"] * 3_000) + "\n" + "[[Target]] x " * 3
                                     + "\n", set()),
    "huge/brackets.md": ("[" * 10_000 + "\n" + "[[x " * 10_000 + "\n", {"unclosed-link"}),
    # text that entities keep from being found as written, between 80,000 HTML tags: looking
    # for each piece in the rest of the line would take minutes
    "huge/entities and tags.md": ("a&amp;b<b>" * 80_000 + " [[Target]]\n", set()),
    # runs of 1 to 1,999 backticks, none closed: searching on from each for its closer would
    # take minutes (the parse time guard would cut the note off)
    "huge/backtick runs.md": ("".join("x" + "`" * i for i in range(1, 2_000)) + " [[Target]]\n",
                              set()),
    "deep/quotes.md": (">" * 5_000 + " [[Target]]\n\n[[Target]] after\n", {"too-deep"}),
    "deep/lists.md": ("\n".join("  " * i + "- [[Target]]" for i in range(300)) + "\n", {"too-deep"}),
    "names/C# basics.md": ("", {"unlinkable-name"}),
    "names/a^b.md": ("", {"unlinkable-name"}),
    "names/pipe|name.md": ("", {"unlinkable-name"}),
    "names/[[bracket]].md": ("", {"unlinkable-name"}),
    "names/ leading space.md": ("", {"unlinkable-name"}),
    "names/🔴 emoji.md": ("[[Target]] #🔴\n", {"unsourced-claim"}),  # 🔴 marks a claim
    "names/" + unicodedata.normalize("NFD", "Café") + ".md": ("", set()),
    "names/Case.md": ("", set()),
    "names/case.md": ("", {"duplicate-name"}),
    "names/links.md": ("[[Café]] [[🔴 emoji]] [[C# basics]] [[case]]\n", {"unresolved-link"}),
    "<img src=x onerror=alert(1)>.md": ("<script>alert('x')</script> [[Target]] \"quotes\", commas\n",
                                     set()),
    # Output encoding: vault text is data in every format (issue 17). Link text with a backtick,
    # a name that is HTML, names with a newline or a leading `::` (a forged GitHub Actions
    # command line), terminal escape sequences (ESC ]52 writes the clipboard, ESC [2J clears
    # the screen, ESC c resets, U+009B is a one-character CSI), a control character XML 1.0
    # forbids, a bidi override, a legacy `##[error]` command, and a tab (rich's own path).
    "\"><img src=x onerror=alert(1)>.md": ("[[Target]] `code` [[B`tick]] [[Target|a ` tick]]\n",
                                         {"unresolved-link"}),
    "names/new\n::error file=forged.md,line=1::forged.md": ("[[Target]] #🔴\n", {"unsourced-claim"}),
    "::warning file=forged.md::leading.md": ("[[Target]]\n", set()),
    "escapes/terminal.md": ("clip \x1b]52;c;cHduZWQ=\x07 clear \x1b[2J\ttab ##[error]x [[Target]] #🔴\n"
                            "[[\x1bc reset]] [[\x01ctl]] [[\x9b2J csi]] [[rtl \u202e txt]] ##[error]x\n"
                            "Target, unlinked \x1b]52;c;eA==\x07\n",
                            {"unresolved-link", "unsourced-claim"}),
    "escapes/orphan \x1bc\u202e.md": ("no links\n", set()),
    "Target.md": ("# Target\n", set()),
    "empty.md": ("", set()),
}
BIG_NOTE = ("huge/fifty megabytes.md", 50 * 1024 * 1024, {"too-large"})

# The vault's own configuration is vault content too.  A backtracking regex engine takes
# minutes for this filter on a name of 40 "a"s (the name is not excluded: it ends in .md).
SLOW_FILTER = "/^(a+)+$/"
SLOW_NAME = "a" * 40 + ".md"
FILES[SLOW_NAME] = ("[[Target]]\n", set())
APP_JSON = {"userIgnoreFilters": [SLOW_FILTER, "/(?<=x)lookbehind/"]}
# what is not a regular file, or not a folder to walk: vault path -> the diagnostic codes
SPECIAL: dict[str, set[str]] = {
    "special/fifo.md": {"special-file"},                # a FIFO: opening it for reading waits
    "special/zero.md": {"special-file"},                # a symlink to /dev/zero: reads without end
    "links-root": {"ignored-symlink"},                  # a symlink to /: the whole file system
    "deep" + "/d" * 100: {"too-deep"},                  # folder 101 levels deep: not read
}


def add_special(root: Path) -> None:
    """The :data:`SPECIAL` entries and :data:`APP_JSON` (POSIX only)."""
    (root / ".obsidian").mkdir(exist_ok=True)
    (root / ".obsidian" / "app.json").write_text(json.dumps(APP_JSON))
    (root / "special").mkdir(exist_ok=True)
    os.mkfifo(root / "special" / "fifo.md")
    os.symlink("/dev/zero", root / "special" / "zero.md")
    os.symlink("/", root / "links-root")
    deep = root / ("deep" + "/d" * 120)  # 121 levels
    deep.mkdir(parents=True)
    (deep / "too deep.md").write_text("[[Target]]\n")
    (root / DEEP_ENOUGH).write_text("[[Target]]\n")


DEEP_ENOUGH = "deep" + "/d" * 99 + "/deep enough.md"  # in a folder 100 levels deep: read


def build(root: Path) -> Path:
    """Write the hostile vault under ``root`` and return it."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, (content, _) in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    rel, size, _ = BIG_NOTE
    with open(root / rel, "wb") as handle:
        line = b"[[Target]] filler text for a very large note\n"
        handle.write(line * (size // len(line) + 1))
    if hasattr(os, "symlink"):
        os.symlink(root, root / "links-loop")                 # a loop back to the vault
        os.symlink(root / "missing.md", root / "dangling.md")  # broken
    if hasattr(os, "mkfifo"):
        add_special(root)
    return root
