"""One written form for each identifier of a source: DOI, ISBN, URL, citation key.

The same paper is cited as ``https://doi.org/10.1038/X``, ``doi:10.1038/x`` and
``DOI: 10.1038/X``; the same book as ``ISBN 0-306-40615-2`` and ``978-0306406157``.
Provenance compares identifiers only in the form these functions give
(docs/provenance.md, "Identifiers"), so every way of writing one names one source.

- DOI (:func:`doi`): the prefixes ``https://doi.org/``, ``http://dx.doi.org/``,
  ``doi:``, ``DOI:``, ``info:doi/`` dropped, percent-escapes decoded, ASCII letters
  lower-cased (DOIs are case-insensitive: DOI Handbook 2.4), matched by Crossref's
  recommended pattern ``10.\\d{4,9}/[-._;()/:A-Z0-9]+`` (plus ``<>+`` of the old SICI
  DOIs), trailing punctuation and unbalanced closing brackets dropped.
- ISBN (:func:`isbn`): ``ISBN``/``ISBN-10``/``ISBN-13`` prefixes, hyphens and spaces
  dropped, the check digit validated and an ISBN-10 written as its ISBN-13
  (python-stdnum).  A number whose check digit is wrong is no ISBN.
- URL (:func:`url`): scheme and host lower-cased, the default port (80, 443)
  dropped, percent-escapes upper-cased, one trailing slash of the path dropped,
  the fragment dropped (RFC 3986 section 6.2.2-6.2.3); the query is kept as written
  (tracking parameters are part of what was cited).  A ``doi.org`` URL is a DOI.
- citation key (:func:`key`): pandoc's ``@key`` without the ``@`` (keys are
  case-sensitive in pandoc and BibTeX: kept as written).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

# Crossref's recommended pattern for modern DOIs, plus `<>+` (SICI DOIs, 10.1002/...)
DOI_BODY = r"10\.\d{4,9}/[-._;()/:A-Za-z0-9<>+]*[A-Za-z0-9<>+()/_-]"
_DOI = re.compile(DOI_BODY)
_DOI_PREFIX = re.compile(
    r"^\s*(?:(?:https?://)?(?:dx\.|www\.)?doi\.org/|info:doi/|doi\s*:\s*)", re.IGNORECASE)
_ISBN_PREFIX = re.compile(r"^\s*ISBN(?:-1[03])?\s*:?\s*", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_PAIRS = {")": "(", ">": "<"}
# Most URLs written: a host of letters, digits, dots and hyphens, no port or user, a path
# and query of printable ASCII without spaces or backslashes, maybe a fragment.  Such a
# URL's form needs no urlsplit (:func:`url` reads it so; tests/test_identifiers.py
# compares the two ways).
_PLAIN_URL = re.compile(r"(https?)://([a-z0-9.-]+)(/[!$&'()*+,;=a-z0-9._~/:@%-]*)?"
                        r"(?:\?([!$&'()*+,;=a-z0-9._~/:@%?-]*))?(?:#[!-~]*)?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Identifier:
    """An identifier in its one form: ``kind`` ``doi``, ``isbn``, ``url`` or ``pandoc``
    (a citation key), ``value`` as :func:`normalise` gives it."""

    kind: str
    value: str

    def __str__(self) -> str:
        return f"@{self.value}" if self.kind == "pandoc" else \
            self.value if self.kind == "url" else f"{self.kind}:{self.value}"


def balanced(text: str) -> str:
    """``text`` cut before its first closing ``)`` or ``>`` that opens nothing, and
    without trailing ``.,;:`` (what follows a DOI in prose: ``(doi:10.1/x).``)."""
    depth = {"(": 0, "<": 0}
    for at, char in enumerate(text):
        if char in depth:
            depth[char] += 1
        elif char in _PAIRS:
            if depth[_PAIRS[char]] == 0:
                text = text[:at]
                break
            depth[_PAIRS[char]] -= 1
    return text.rstrip(".,;:")


def doi(text: str) -> str | None:
    """The DOI ``text`` writes (any of the forms in the module docstring), lower-cased;
    None when it writes none.  ``doi("https://doi.org/10.1000/ABC")`` == ``"10.1000/abc"``."""
    body = _DOI_PREFIX.sub("", text.strip(), count=1)
    if "%" in body:
        body = unquote(body)
    match = _DOI.match(body.strip())
    if not match:
        return None
    found = balanced(match.group())
    return found.lower() if _DOI.fullmatch(found) else None


def isbn(text: str) -> str | None:
    """The ISBN-13 (13 digits, no hyphens) ``text`` writes, with or without ``ISBN``,
    hyphens or spaces, as ISBN-10 or ISBN-13; None when it is none or its check digit
    is wrong (python-stdnum validates)."""
    from stdnum import isbn as stdisbn
    from stdnum.exceptions import ValidationError

    body = _ISBN_PREFIX.sub("", text, count=1).strip()
    if not re.fullmatch(r"[0-9Xx][0-9Xx\s-]{8,20}", body):
        return None
    try:
        return stdisbn.compact(stdisbn.to_isbn13(stdisbn.validate(body)))
    except ValidationError:
        return None


def url(text: str) -> str | None:
    """The URL ``text`` is (``http``/``https`` only) in its one form (module
    docstring); None for anything else or a URL without a host."""
    text = text.strip()
    plain = _PLAIN_URL.fullmatch(text)
    if plain is not None:
        scheme, host, path, query = plain.groups(default="")
        if "%" in path:
            path = _ESCAPE.sub(lambda m: m.group().upper(), path)
        if path.endswith("/"):
            path = path[:-1]
        if query and "%" in query:
            query = _ESCAPE.sub(lambda m: m.group().upper(), query)
        return f"{scheme.lower()}://{host.lower()}{path}" + (f"?{query}" if query else "")
    return _split_url(text)


def _split_url(text: str) -> str | None:
    """:func:`url` by urlsplit, for any URL."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    path = _ESCAPE.sub(lambda m: m.group().upper(), parts.path)
    if path.endswith("/"):
        path = path[:-1]
    query = _ESCAPE.sub(lambda m: m.group().upper(), parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


def key(text: str) -> str | None:
    """A citation key as pandoc reads it: ``@key`` or ``key`` (no spaces), without the
    ``@``; None for text that is none."""
    body = text.strip()
    if body.startswith("@"):
        body = body[1:]
    body = body.strip("{}")
    return body if body and re.fullmatch(r"[\w][\w:.#$%&+?<>~/-]*", body) else None


def normalise(kind: str, text: str) -> str | None:
    """``text`` written as an identifier of ``kind`` (``doi``, ``isbn``, ``url``,
    ``pandoc``) in its one form; None when it is not one."""
    reader = {"doi": doi, "isbn": isbn, "url": url, "pandoc": key}.get(kind)
    return reader(text) if reader else None


def identify(text: str) -> Identifier | None:
    """Whatever identifier ``text`` is: a DOI in any form (a ``doi.org`` URL
    included), an ISBN, an http(s) URL or a ``@key``; None for other text (a note
    name, say).  A bare word is not read as a citation key: only ``@key`` is."""
    stripped = text.strip()
    found = doi(stripped)
    if found and (_DOI_PREFIX.match(stripped) or stripped[:3] == "10."):
        return Identifier("doi", found)
    if stripped.startswith("@"):
        found = key(stripped)
        return Identifier("pandoc", found) if found else None
    if re.match(r"https?://", stripped, re.IGNORECASE):
        found = url(stripped)
        return Identifier("url", found) if found else None
    found = isbn(stripped)
    if found and (_ISBN_PREFIX.match(stripped) or not re.search(r"[^\d\sXx-]", stripped)):
        return Identifier("isbn", found)
    return None
