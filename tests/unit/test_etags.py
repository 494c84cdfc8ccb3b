"""Entity tags: versions as HTTP spells them (the handler layer's business)."""

from __future__ import annotations

from chalicelib import etags


def test_etag_matching() -> None:
    version = 1
    assert etags.matches('"1"', version)
    assert etags.matches('W/"1"', version)
    assert etags.matches('"7", "1"', version)
    assert etags.matches("*", version)
    assert not etags.matches('"2"', version)


def test_if_match_names_the_version_a_write_is_based_on() -> None:
    assert etags.expected_version(None) is None
    assert etags.expected_version("*") is None
    assert etags.expected_version('"3"') == 3
    assert etags.expected_version('W/"3"') == 3
    # Nothing a client could hold: never matches, so the write is refused (412).
    for header in ('"abc"', '"3", "4"', "3", '""'):
        assert etags.expected_version(header) == etags.NO_VERSION
