"""Citation syntax in plain text: DOIs, ISBNs, URLs, pandoc keys, locators, attributed quotes.

These are patterns, not markdown-it rules: they run on the text tokens
markdown-it leaves (so nothing inside code or math is read).
"""

from __future__ import annotations

import re
from typing import Iterator

from .. import identifiers

# Crossref's pattern (identifiers.DOI_BODY), cut where brackets stop balancing
DOI = re.compile(r"(?<![\w./])(" + identifiers.DOI_BODY + ")")
ISBN = re.compile(r"\bISBN(?:-1[03])?:?\s*((?:97[89][\s-]?)?(?:\d[\s-]?){9}[\dXx])\b")
# brackets balanced afterwards (identifiers.balanced): `(see https://x.org/a_(b))`
URL = re.compile(r"\bhttps?://[^\s<>\"\]\[]*[^\s<>\"\]\[.,;:!?]")
# pandoc citations live in brackets: `[@key]`, `[see @a, p. 3; @b]` (a bare `@name` is a mention)
PANDOC_GROUP = re.compile(r"\[([^\[\]]*@[^\[\]]*)\]")
PANDOC_KEY = re.compile(r"(?<![\w@])-?@([A-Za-z0-9_][\w:.#$%&+?<>~/-]*[A-Za-z0-9_]|[A-Za-z0-9_])")
# `p. 115`, `pp. 10-12`, `EPub p. 115`, `loc. 2200`, `ch. 5`, `§ 3`, `p 5`; a word of its
# own (`ajp.153` in a DOI is no page, nor `p53` a protein), a dot or space before the number
LOCATOR = re.compile(
    r"(?<![\w./-])(?:(?:EPub|ePub|Kindle|print)\s+)?"
    r"(?:(?:pp?|loc|ch|chap|sec|para)(?:\.\s*|\s+)|§\s*)\d+(?:\s*[-–]\s*\d+)?(?![\w.]\w)",
    re.IGNORECASE,
)
_DOI_URL = re.compile(r"https?://(?:dx\.)?doi\.org/(10\..+)", re.IGNORECASE)

_NAME = r"((?:(?:[A-Z]\.|[A-Z][\w'’-]+)\s+){0,3}[A-Z][\w'’-]+)"  # `C. Neill Epperson`
_SAYS = (r"(?:said|says|wrote|writes|argued|argues|called|calls|put|puts|explained|explains|"
         r"noted|notes|told|stated|states|warned|warns|added|adds|concluded|concludes)")
_QUOTED = r"[\"“]([^\"“”]{3,}?)[\"”]"
# `Name [, appositive,] says ... "quote"`; `"quote," Name says`; `in Name's words, "quote"`
_SPEAKER_FIRST = re.compile(_NAME + r"(?:,[^,\"“”]{1,80},)?\s+" + _SAYS + r"\b[^\"“”.]{0,80}?" + _QUOTED)
_QUOTE_FIRST = re.compile(_QUOTED + r",?\s+" + _NAME + r"\s+" + _SAYS + r"\b")
_QUOTE_FIRST_VERB = re.compile(_QUOTED + r",?\s+" + _SAYS + r"\s+" + _NAME)
_WORDS_OF = re.compile(r"\b[Ii]n\s+" + _NAME + r"['’]s?\s+words,?[^\"“”.]{0,80}?" + _QUOTED)
# What each of the four patterns above needs, a verb of saying or `words`: most text with
# quotation marks has none (an HTML attribute, a link's title), and is not searched four times
_SAYING = tuple(re.findall("[a-z]+", _SAYS)) + ("words",)
_ATTRIBUTION_LINE = re.compile(r"^\s*(?:--|—|―|~)\s*" + _NAME)
_NOT_NAMES = {"The", "This", "That", "These", "Those", "It", "He", "She", "They", "We", "I", "A",
              "An", "And", "But", "So", "Also", "Then", "When", "While", "As", "Yet", "Or"}


def doi_of(url: str) -> str | None:
    """The DOI (identifiers.doi's form) a ``doi.org`` URL names, else None."""
    match = _DOI_URL.match(url)
    return identifiers.doi(match.group(1)) if match else None


def web_identifier(href: str) -> tuple[str, str] | None:
    """A link's http(s) address as a citation: ("doi", DOI) for a doi.org URL, else
    ("url", the URL in identifiers.url's form); None for one without a host."""
    found = doi_of(href)
    if found:
        return "doi", found
    address = identifiers.url(href)
    return ("url", address) if address else None


def may_hold_identifiers(text: str) -> bool:
    """False when ``text`` lacks every literal an identifier needs (most text does)."""
    return "://" in text or "10." in text or "ISBN" in text or "@" in text


def find_identifiers(text: str) -> Iterator[tuple[str, str, int]]:
    """(kind, value, offset) for each DOI, ISBN, URL and pandoc ``@key`` in ``text``."""
    taken: list[range] = []
    # Each pattern runs only when its cheapest literal is present (most text has none).
    for match in URL.finditer(text) if "://" in text else ():
        address = identifiers.balanced(match.group())
        found = web_identifier(address)
        if found:
            yield (*found, match.start())
        taken.append(range(match.start(), match.start() + len(address)))
    for kind, pattern, literal in (("doi", DOI, "10."), ("isbn", ISBN, "ISBN")):
        if literal not in text:
            continue
        for match in pattern.finditer(text):
            if not any(match.start() in span for span in taken):
                value = identifiers.normalise(kind, match.group(1))
                if value:  # an ISBN whose check digit is wrong is none
                    yield kind, value, match.start()
    for group in PANDOC_GROUP.finditer(text) if "@" in text else ():
        for key in PANDOC_KEY.finditer(group.group(1)):
            yield "pandoc", key.group(1), group.start(1) + key.start()


def find_locator(text: str) -> str | None:
    match = LOCATOR.search(text)
    return match.group() if match else None


def _person(name: str) -> str | None:
    words = name.split()
    while words and words[0] in _NOT_NAMES:
        words.pop(0)
    return " ".join(words) or None


def find_quotes(text: str) -> Iterator[tuple[str, str, int]]:
    """(person, quotation, offset) for quotations attributed to a named person."""
    if ('"' not in text and "“" not in text) or not any(verb in text for verb in _SAYING):
        return
    seen: set[int] = set()
    for pattern, name_group, quote_group in ((_SPEAKER_FIRST, 1, 2), (_QUOTE_FIRST, 2, 1),
                                             (_QUOTE_FIRST_VERB, 2, 1), (_WORDS_OF, 1, 2)):
        for match in pattern.finditer(text):
            start = match.start(quote_group)
            person = _person(match.group(name_group))
            if person and start not in seen:
                seen.add(start)
                yield person, " ".join(match.group(quote_group).split()), start


def blockquote_attribution(text: str) -> tuple[str, str] | None:
    """A quote paragraph whose last line is ``-- Name``: (person, quotation)."""
    lines = text.rstrip().split("\n")
    if len(lines) < 2:
        return None
    match = _ATTRIBUTION_LINE.match(lines[-1])
    person = _person(match.group(1)) if match else None
    if not person:
        return None
    quotation = " ".join(" ".join(lines[:-1]).split()).strip("\"“”")
    return person, quotation
