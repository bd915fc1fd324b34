"""identifiers.py: every way of writing a DOI, ISBN or URL gives one form (issue 18,
"Identifiers: one source, however it is written"); table-driven and property tests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultgraph import identifiers as ids
from vaultgraph.syntax.citations import find_identifiers, find_locator


@pytest.mark.parametrize("written", [
    "10.1038/s41380-024-02625-2",
    "10.1038/S41380-024-02625-2",
    "doi:10.1038/s41380-024-02625-2",
    "DOI: 10.1038/S41380-024-02625-2",
    "doi : 10.1038/s41380-024-02625-2",
    "https://doi.org/10.1038/s41380-024-02625-2",
    "http://dx.doi.org/10.1038/s41380-024-02625-2",
    "HTTPS://DOI.ORG/10.1038/S41380-024-02625-2",
    "doi.org/10.1038/s41380-024-02625-2",
    "https://doi.org/10.1038%2Fs41380-024-02625-2",
    "info:doi/10.1038/s41380-024-02625-2",
    "10.1038/s41380-024-02625-2.",
    "10.1038/s41380-024-02625-2),",
])
def test_every_form_of_a_doi_is_one_doi(written):
    assert ids.doi(written) == "10.1038/s41380-024-02625-2"
    assert ids.identify(written) == ids.Identifier("doi", "10.1038/s41380-024-02625-2")


@pytest.mark.parametrize("written, expected", [
    # parentheses inside a DOI are kept (two papers must not collide)
    ("10.1016/S0140-6736(97)11096-0", "10.1016/s0140-6736(97)11096-0"),
    ("(see doi:10.1016/S0140-6736(97)11096-0)", None),  # prose is no DOI
    ("10.1016/S0140-6736(97)11096-0).", "10.1016/s0140-6736(97)11096-0"),
    ("10.1002/(SICI)1097-4636(199706)35:4<523::AID-JBM12>3.0.CO;2-D",
     "10.1002/(sici)1097-4636(199706)35:4<523::aid-jbm12>3.0.co;2-d"),
    ("10.1176/ajp.153.2.151", "10.1176/ajp.153.2.151"),
    ("10.12/x", None),  # a registrant code has 4-9 digits
    ("11.1000/x", None),
    ("", None),
])
def test_doi_edges(written, expected):
    assert ids.doi(written) == expected


def test_dois_in_text_keep_balanced_parentheses():
    text = "Lancet (doi:10.1016/S0140-6736(97)11096-0) and 10.1016/S0140-6736(97)11097-2."
    assert [(kind, value) for kind, value, _ in find_identifiers(text)] == [
        ("doi", "10.1016/s0140-6736(97)11096-0"), ("doi", "10.1016/s0140-6736(97)11097-2")]
    url = "https://doi.org/10.1016/S0140-6736(97)11096-0"
    assert [value for _, value, _ in find_identifiers(f"({url})")] == [
        "10.1016/s0140-6736(97)11096-0"]


@pytest.mark.parametrize("written", [
    "0-306-40615-2", "0306406152", "ISBN 0-306-40615-2", "ISBN-10: 0 306 40615 2",
    "978-0-306-40615-7", "9780306406157", "ISBN-13: 978-0306406157", "isbn 978 0 306 40615 7",
])
def test_every_form_of_an_isbn_is_one_isbn_13(written):
    assert ids.isbn(written) == "9780306406157"
    assert ids.identify(written) == ids.Identifier("isbn", "9780306406157")


@pytest.mark.parametrize("written", ["0-306-40615-3", "978-0-306-40615-8", "ISBN 12345", "X123"])
def test_an_isbn_with_a_wrong_check_digit_is_none(written):
    assert ids.isbn(written) is None


def test_isbn_10_with_x_check_digit():
    assert ids.isbn("ISBN 0-8044-2957-X") == "9780804429573"


@pytest.mark.parametrize("written", [
    "https://example.com/a", "HTTPS://EXAMPLE.COM/a", "https://example.com:443/a",
    "https://example.com/a/", "https://example.com/a#section", "https://Example.com:443/a/#x",
])
def test_every_form_of_a_url_is_one_url(written):
    assert ids.url(written) == "https://example.com/a"


@pytest.mark.parametrize("written, expected", [
    ("http://example.com:80", "http://example.com"),
    ("http://example.com:8080/", "http://example.com:8080"),
    ("https://example.com/A/b", "https://example.com/A/b"),  # paths are case-sensitive
    ("https://example.com/a%2fb?q=%2f", "https://example.com/a%2Fb?q=%2F"),
    ("https://example.com/?utm_source=x", "https://example.com?utm_source=x"),  # query kept
    ("https://user@Example.com/", "https://user@example.com"),
    ("ftp://example.com/", None), ("https://", None), ("https://example.com:99999/", None),
])
def test_url_edges(written, expected):
    assert ids.url(written) == expected


@pytest.mark.parametrize("written, expected", [
    ("@smith2020", ids.Identifier("pandoc", "smith2020")),
    ("@{smith:2020}", ids.Identifier("pandoc", "smith:2020")),
    ("Smith 2020", None), ("smith2020", None), ("https://doi.org/10.1000/ABC",
                                                 ids.Identifier("doi", "10.1000/abc")),
    ("https://example.com/x/", ids.Identifier("url", "https://example.com/x")),
])
def test_identify(written, expected):
    assert ids.identify(written) == expected


# -- properties ---------------------------------------------------------------------
SUFFIX = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._;:/",
                 min_size=1, max_size=30).filter(lambda s: s[-1].isalnum())
DOIS = st.builds(lambda reg, suffix: f"10.{reg}/{suffix}",
                 st.integers(1000, 999999999), SUFFIX)
PREFIXES = st.sampled_from(["", "doi:", "DOI: ", "https://doi.org/", "http://dx.doi.org/",
                            "HTTPS://DOI.ORG/", "info:doi/"])


@given(DOIS, PREFIXES, st.sampled_from(["", ".", ",", ";", ")"]), st.booleans())
def test_doi_forms_agree(written, prefix, trailing, upper):
    text = prefix + (written.upper() if upper else written) + trailing
    found = ids.doi(text)
    assert found == ids.doi(written)
    assert found is not None and found == found.lower()
    assert ids.doi(found) == found  # idempotent


@given(st.lists(st.integers(0, 9), min_size=9, max_size=9), st.sampled_from(["", "-", " "]))
def test_isbn_10_and_its_13_are_one(digits, separator):
    from stdnum import isbn as stdisbn

    body = "".join(map(str, digits))
    check = (11 - sum((10 - i) * d for i, d in enumerate(digits)) % 11) % 11  # ISO 2108
    isbn10 = body + ("X" if check == 10 else str(check))
    spaced = separator.join([isbn10[0], isbn10[1:4], isbn10[4:9], isbn10[9]])
    thirteen = ids.isbn(spaced)
    assert thirteen is not None and len(thirteen) == 13
    assert ids.isbn("ISBN " + thirteen) == thirteen == ids.isbn(stdisbn.to_isbn13(isbn10))
    wrong = isbn10[:9] + ("0" if isbn10[9] != "0" else "1")
    assert thirteen[:3] == "978" and thirteen[3:12] == body
    assert ids.isbn(wrong) is None


@given(st.sampled_from(["http", "https", "HTTP", "HttpS"]),
       st.from_regex(r"[a-z][a-z0-9]{0,10}\.(org|com)", fullmatch=True),
       st.from_regex(r"(/[a-zA-Z0-9_-]{1,8}){0,3}", fullmatch=True),
       st.booleans(), st.booleans(), st.sampled_from(["", "#frag", "#"]))
def test_url_forms_agree(scheme, host, path, upper_host, default_port, fragment):
    port = (":443" if scheme.lower() == "https" else ":80") if default_port else ""
    written = f"{scheme}://{host.upper() if upper_host else host}{port}{path}/{fragment}"
    found = ids.url(written)
    assert found == f"{scheme.lower()}://{host}{path}"
    assert ids.url(found) == found


URL_PIECES = st.sampled_from(["http", "https", "HTTPS", "://", ":", "//", "/", "a", "Z", "0", ".",
                              "-", "_", "~", "?", "#", "%2f", "%", "%zz", "@", ":80", ":443",
                              ":8080", "[", "]", " ", "\t", "\\", "&", "=", "+", "(", ")", "é", "'",
                              "!", "*", ",", ";", "$", "\"", "<", "^", "|", "\x01", "\n"])


@given(st.tuples(st.sampled_from(["http://", "https://", "HTTP://e.org", "https://a.b/"]),
                 st.lists(URL_PIECES, max_size=12).map("".join)).map("".join))
def test_a_plain_url_reads_as_urlsplit_reads_it(written):
    """identifiers.url reads most URLs without urlsplit: the same form either way."""
    assert ids.url(written) == ids._split_url(written.strip())


# -- locators: a number inside an identifier or a name is no page ---------------------
@pytest.mark.parametrize("text, expected", [
    ("Am J Psychiatry, doi:10.1176/ajp.153.2.151", None),
    ("[[Smith 2020]] on p53 signalling", None),
    ("the p53 protein, see p. 4", "p. 4"),
    ("EPub p. 115", "EPub p. 115"), ("pp. 3-5", "pp. 3-5"), ("pp 3–5", "pp 3–5"),
    ("loc. 2200", "loc. 2200"), ("§ 3", "§ 3"), ("§3", "§3"), ("chap. 5", "chap. 5"),
    ("https://example.com/p.153", None), ("step.3", None),
])
def test_locator_readings(text, expected):
    assert find_locator(text) == expected
