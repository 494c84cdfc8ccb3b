"""Keyword search: word-prefix matching, accent- and case-insensitive.

A term matches a task when it is the start of some word of the title or description
(``groc`` finds "Groceries", ``roc`` does not). The per-user inverted index stores, for
each task, the first three letters of each of its words (``gro``, ``mil``, ...): a term
looks up the entries that share its first letters, and the candidates are then checked
against the whole term. Three letters keep the number of index entries per task small
while the candidates stay close to the real matches.

The index of one task is capped at :data:`MAX_INDEXED_STARTS` distinct word starts: the
first ones met reading the title, then the description. So one task write changes at
most twice that many entries, which together with the rest of the write (the account,
the task, its list-index entries and the check of a new list) fits in one DynamoDB
transaction (100 actions): the write stays one bounded transaction however long the text.
A word is searchable when its start is one of the task's indexed starts (a later word
that begins like an earlier one is found too); titles of up to 47 distinct word starts
are therefore always wholly searchable.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

PREFIX_LENGTH = 3
# 2 x 47 entries (all removed, all added) + account + task + two list-index entries + the
# new list's check (a PATCH that moves a task to another list and rewrites its text) = 99.
MAX_INDEXED_STARTS = 47
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower-case, accent-free form of ``text`` (``Café`` -> ``cafe``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return _WORD.findall(fold(text))


def terms(query: str) -> list[str]:
    """The folded search terms of a query (whitespace and punctuation separate them)."""
    return list(dict.fromkeys(words(query)))


def index_prefixes(title: str, description: str) -> set[str]:
    """The index entries of a task: the distinct three-letter starts of its words, the
    first :data:`MAX_INDEXED_STARTS` of them in reading order (title first)."""
    starts: dict[str, None] = {}
    for text in (title, description):
        for match in _WORD.finditer(fold(text)):
            starts.setdefault(match.group()[:PREFIX_LENGTH])
            if len(starts) == MAX_INDEXED_STARTS:
                return set(starts)
    return set(starts)


def lookup_prefix(term: str) -> str:
    """The index key prefix that finds every word starting with ``term``.

    A long term's entries are exactly ``<first three letters>#``; a shorter term matches
    every entry that starts with it (``go`` finds ``go#``, ``goa#``, ``gol#``...).
    """
    if len(term) >= PREFIX_LENGTH:
        return term[:PREFIX_LENGTH] + "#"
    return term


def most_selective(query_terms: Iterable[str]) -> str:
    """The term whose index lookup should return the fewest candidates: the longest."""
    return max(query_terms, key=len)


def matches(query_terms: Iterable[str], title: str, description: str) -> bool:
    """Whether every term starts some searchable word of the title or description: a
    word whose start is among the task's indexed starts (:func:`index_prefixes`)."""
    indexed = index_prefixes(title, description)
    task_words = [w for w in words(f"{title} {description}") if w[:PREFIX_LENGTH] in indexed]
    return all(any(word.startswith(term) for word in task_words) for term in query_terms)
