from __future__ import annotations

import string

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


def test_the_index_of_a_task_is_capped_title_first() -> None:
    cap = search.MAX_INDEXED_STARTS
    assert 2 * cap + 3 <= 100  # a rewrite of the whole index fits in one transaction
    starts = [a + b + c for a in "zyxwvutsrq" for b in "abcdefghij" for c in string.ascii_lowercase]
    title_words = [f"{start}title" for start in starts[:10]]  # ten distinct starts
    long_text = " ".join(f"{start}word" for start in starts[10:2510])  # 2,500 more
    prefixes = search.index_prefixes(" ".join(title_words), long_text)
    assert len(prefixes) == cap
    assert {w[:3] for w in title_words} <= prefixes
    # The description fills the rest in reading order: its first distinct starts.
    assert prefixes - {w[:3] for w in title_words} == set(starts[10:cap])
    # A title longer than the cap still comes before any description word.
    many = " ".join(f"{a}{b}" for a in "abcdefghij" for b in "abcdefghij")  # 100 starts
    assert search.index_prefixes(many, "zzz") == set(many.split()[:cap])


def test_the_cap_bounds_cjk_and_long_texts() -> None:
    cjk = " ".join(chr(0x4E00 + n) for n in range(5000))  # 5,000 one-character words
    assert len(search.index_prefixes("買い物", cjk)) == search.MAX_INDEXED_STARTS
    assert "買い物" in search.index_prefixes("買い物", cjk)
    assert len(search.index_prefixes("", "x" * 10_000)) == 1
    assert len(search.index_prefixes("", " ".join(["same"] * 5000))) == 1


def test_only_words_whose_start_is_indexed_are_searchable() -> None:
    cap = search.MAX_INDEXED_STARTS
    words = [f"w{n:02d}word" for n in range(cap + 2)]  # starts w00 .. w49
    description = " ".join([*words, "w00later"])
    assert search.matches(["w00"], "Essay", description)
    assert search.matches(["w00later"], "Essay", description)  # its start is indexed
    assert search.matches([f"w{cap - 2:02d}"], "Essay", description)  # the last one in
    assert not search.matches([f"w{cap - 1:02d}"], "Essay", description)  # past the cap
    assert not search.matches(["essay", f"w{cap:02d}"], "Essay", description)
    assert search.matches(["essay"], "Essay", description)
