"""Every diagnostic code vaultgraph reports, with its default severity: the one registry.

``Severity`` and ``Code`` are ``str`` enums: a member equals, hashes and prints as its
text (``Code.CASE_MISMATCH == "case-mismatch"``), so JSON, SQLite rows and comparisons
with text see the documented strings.  docs/cli.md ("Diagnostic codes") describes each
code; tests/test_codes.py keeps that table and this one the same.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is: ``error`` or ``warning``."""

    ERROR = "error"
    WARNING = "warning"


class Code(StrEnum):
    """A diagnostic code (its text, e.g. ``unresolved-link``) and ``severity``, the one it
    is reported with unless ``check``'s options change it (``--unresolved``,
    ``--commented``).  ``Code("no-such-code")`` raises ValueError."""

    severity: Severity

    def __new__(cls, text: str, severity: Severity) -> "Code":
        member = str.__new__(cls, text)
        member._value_ = text
        member.severity = severity
        return member

    # A link's (broken.why_broken)
    UNRESOLVED_LINK = "unresolved-link", Severity.ERROR
    MISSING_HEADING = "missing-heading", Severity.ERROR
    MISSING_BLOCK = "missing-block", Severity.ERROR
    MISSING_ATTACHMENT = "missing-attachment", Severity.ERROR
    AMBIGUOUS_LINK = "ambiguous-link", Severity.WARNING
    CASE_MISMATCH = "case-mismatch", Severity.WARNING
    # A file's (parse, canvas, frontmatter, files)
    INVALID_CANVAS = "invalid-canvas", Severity.ERROR
    INVALID_FRONTMATTER = "invalid-frontmatter", Severity.ERROR
    DEPRECATED_PROPERTY = "deprecated-property", Severity.WARNING
    DUPLICATE_PROPERTY = "duplicate-property", Severity.WARNING
    YAML_TAG = "yaml-tag", Severity.WARNING
    UNQUOTED_LINK = "unquoted-link", Severity.WARNING
    INVALID_TAG = "invalid-tag", Severity.WARNING
    ENCODING = "encoding", Severity.WARNING
    BINARY_FILE = "binary-file", Severity.WARNING
    TOO_LARGE = "too-large", Severity.WARNING
    PARSE_TIMEOUT = "parse-timeout", Severity.WARNING
    TOO_DEEP = "too-deep", Severity.WARNING
    CUT_LINK = "cut-link", Severity.WARNING
    UNCLOSED_LINK = "unclosed-link", Severity.WARNING
    SPACE_IN_LINK = "space-in-link", Severity.WARNING
    PARSE_ERROR = "parse-error", Severity.ERROR
    UNREADABLE_FILE = "unreadable-file", Severity.ERROR
    IGNORED_SYMLINK = "ignored-symlink", Severity.WARNING
    SPECIAL_FILE = "special-file", Severity.WARNING
    INVALID_FILENAME = "invalid-filename", Severity.WARNING
    DUPLICATE_NAME = "duplicate-name", Severity.WARNING
    UNLINKABLE_NAME = "unlinkable-name", Severity.WARNING
    INVALID_CONFIG = "invalid-config", Severity.WARNING
    # Provenance's (provenance.py)
    UNSOURCED_CLAIM = "unsourced-claim", Severity.WARNING
    DANGLING_CITATION = "dangling-citation", Severity.WARNING
    CONFLICTING_EVIDENCE = "conflicting-evidence", Severity.WARNING
    NO_BIBLIOGRAPHY = "no-bibliography", Severity.WARNING
    INVALID_BIBLIOGRAPHY = "invalid-bibliography", Severity.WARNING
    # check's own (lint.py)
    UNUSED_SUPPRESSION = "unused-suppression", Severity.WARNING


# code text -> its default severity (``check --select``/``--ignore`` accept these keys)
CODES: dict[str, Severity] = {code.value: code.severity for code in Code}


def read_codes(texts: list[str], known: "list[str] | dict[str, Severity]" = CODES) -> list[str]:
    """Codes as written in options and config files (``["a,b", "c"]``: each text split
    at commas, spaces around a code ignored, empty parts dropped) -> the codes, in order.
    ValueError when one is not in ``known`` (default: every code); its message names
    each unknown code with the known one closest to it (``did you mean
    "unresolved-link"?``: difflib's closest match with a ratio >= 0.6), then
    the known codes."""
    codes = [code.strip() for text in texts for code in text.split(",") if code.strip()]
    unknown = [code for code in codes if code not in known]
    if unknown:
        from difflib import get_close_matches

        names = []
        for code in unknown:
            close = get_close_matches(code, list(known), n=1)
            names.append(f'{code} (did you mean "{close[0]}"?)' if close else code)
        raise ValueError(f"unknown code(s): {', '.join(names)}; "
                         f"known: {', '.join(sorted(known))}")
    return codes


# What each code means: docs/cli.md's "Diagnostic codes" table, cell for cell (markdown;
# tests/test_codes.py keeps the two the same).  ``check --format sarif`` gives each rule
# this help.
HELP: dict[str, str] = {
    'unresolved-link': 'no file matches the link (also: a link written with an alias, a URL inside `[[ ]]`, a markdown link whose destination only looks like a URL (`[t](<(https://x)>)`: it does not start with its scheme, so it is a path), a relative path that does not exist, a file whose name holds `#^\\|[]` and so cannot be linked). `no note named "X"` for a bare name; `no note at "F/X" nor at any path ending with it` for a link with a folder (a note `X` elsewhere does not match it)',
    'missing-heading': 'the note exists but has no such heading (chained `#A#B` included)',
    'missing-block': 'the note exists but has no such `^block` id',
    'missing-attachment': 'a link to a file type Obsidian opens (image, audio, video, PDF, canvas, base) that is not in the vault',
    'ambiguous-link': "several files match equally well; Obsidian's choice is unpredictable, so rename one or write the folder",
    'case-mismatch': "the link resolves to a file whose name matches it only without regard to case (by Obsidian's same-folder, shortest-path or exact-path rule) while a file spelled exactly like the link exists elsewhere: the message names the file chosen, the rule that chose it and the file spelled exactly",
    'invalid-canvas': 'a `.canvas` file that is not valid UTF-8 or JSON, not a JSON object, or has nodes that are not objects or file nodes without a path; its (other) links are not read',
    'invalid-frontmatter': 'Obsidian rejects the front matter: YAML its parser refuses (a key written twice, `{{date}}, {{time}}`, a flow list whose lines are not indented, ...), not a set of properties, or never closed. It then adds no property, tag, alias or link; the body is still read ([obsidian-rules.md](obsidian-rules.md#front-matter))',
    'deprecated-property': '`tag`, `alias` or `cssclass` instead of `tags`, `aliases`, `cssclasses`',
    'duplicate-property': 'two properties whose names differ only by case (`Tags`, `tags`): YAML accepts both, but Obsidian matches property names without case (`Tags` is `tags`), so they are one property written twice',
    'yaml-tag': 'an explicit YAML tag Obsidian does not know (`!!python/object`, `!foo`): ignored, the value is kept as plain data (nothing is ever run)',
    'unquoted-link': 'a property value written `[[Note]]` without quotes: YAML reads it as a list inside a list, not a link (Obsidian Help, "Properties": links in properties are quoted); write `"[[Note]]"`',
    'invalid-tag': 'a front matter tag that is not a valid tag (`1984`, `my tag`), or one lost as a YAML comment (`tags: #idea`)',
    'encoding': 'not valid UTF-8, or NUL bytes in the text; the note is read with replacement characters and its links still count',
    'binary-file': 'a `.md` file with binary content; not parsed',
    'too-large': 'a note over 16 MB; not parsed (links to it still resolve)',
    'parse-timeout': 'parsing the note took over 20 s; its links and tags are not read (links to it still resolve)',
    'too-deep': 'blocks nested over 100 levels (quotes in lists in quotes...); the deeper content is not read. On a folder: it is over 100 levels deep; its contents are not read',
    'cut-link': "a wikilink cut in two, so no link is read: by a table row's unescaped `\\|` (write `\\\\|`; a line right under a table is a row too), or by a line break; or a link in a table cell past the header's columns, which GFM drops",
    'unclosed-link': '`[[` or `![[` and a name, with no `]]` on its line',
    'space-in-link': "`[t](My Note.md)`: a space ends a markdown link's destination, so it is text; write `My%20Note.md` or `<My Note.md>`",
    'parse-error': 'the markdown parser failed on the note (a bug: please report it); its links and tags are not read',
    'unreadable-file': 'a file or folder that cannot be read (permissions), or a note that is no longer a regular file when it is read',
    'invalid-filename': 'a file name that is not valid UTF-8; the file is skipped',
    'duplicate-name': 'two paths that differ only by case or Unicode normalisation; links cannot tell them apart',
    'unlinkable-name': 'a file name holding `#`, `^` or `\\|`, brackets that `[[name]]` does not read back (`a]]b`, `x[[y`, `a]`; `wiki [link]` is fine), or starting or ending with a space: links to it cannot resolve',
    'ignored-symlink': 'a broken symlink, or a folder symlink into the vault, to a folder holding it (`/` included), or into a loop',
    'special-file': 'a FIFO, socket or device (or a symlink to one) in the vault; not read',
    'invalid-config': '`app.json` cannot be read (over 1 MB, not a regular file, not JSON, nested too deeply), or an excluded-files `/regex/` is not one RE2 can match (invalid, uses lookaround or back-references, over 1 MB compiled, or after the first 100)',
    'unsourced-claim': 'a claim note from which no source can be reached ([provenance.md](provenance.md))',
    'dangling-citation': 'an evidence link (References section, `sources:` property, `source::` field, footnote) to a note that is not in the vault, or a pandoc citation key `[@key]` found in no bibliography (with did-you-mean over the keys the bibliographies hold)',
    'conflicting-evidence': 'a note that both `supports` and `opposes` the same claim',
    'no-bibliography': 'notes cite pandoc keys `[@key]` but the vault has no bibliography (`.bib`, CSL-JSON, a `bibliography:` property or `--bibliography`): said once, on the first key, instead of a finding for each',
    'invalid-bibliography': 'a BibTeX entry or CSL-JSON item that cannot be read, a key written twice in one file, a named bibliography that cannot be read or is no library',
    'unused-suppression': "a `%% vaultgraph: ignore[...] %%` comment that silences nothing: a code it names has no finding on the lines it covers, or is not a code (ruff's RUF100); see [Inline suppression](#inline-suppression)",
}
