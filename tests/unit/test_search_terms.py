from __future__ import annotations

from taskcore.domain import search


def test_terms_match_word_starts_case_and_accent_insensitively() -> None:
    assert search.matches(["groc"], "Groceries", "")
    assert search.matches(["gro", "mil"], "grocery: milk", "")
    assert not search.matches(["roc"], "Groceries", "")
    assert search.matches(["cafe"], "Café au lait", "")
    assert search.matches(search.terms("CAFÉ"), "cafe", "")
    assert search.matches(search.terms("strasse"), "Straße", "")
    assert not search.matches(["milk", "bread"], "milk", "eggs")
    assert search.matches(["bread"], "milk", "and BREAD")


def test_index_prefixes_are_three_letter_word_starts() -> None:
    assert search.index_prefixes("Buy groceries", "milk, eggs & a pie") == {
        "buy",
        "gro",
        "mil",
        "egg",
        "a",
        "pie",
    }


def test_lookup_prefix() -> None:
    assert search.lookup_prefix("groceries") == "gro#"
    assert search.lookup_prefix("gro") == "gro#"
    assert search.lookup_prefix("go") == "go"
    assert search.most_selective(["a", "milk", "gro"]) == "milk"


def test_terms_split_on_punctuation_and_dedupe() -> None:
    assert search.terms("  gro, MIL gro ") == ["gro", "mil"]
    assert search.terms("!!!") == []
