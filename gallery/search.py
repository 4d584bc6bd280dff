"""Search normalisation for Japanese: the text we index and the terms we look for.

Japanese has no spaces between words, and most of its words are one or two characters
(要約, 翻訳, 議事録), so a word tokenizer finds little and a trigram index misses every
2-character word. Instead both sides are cut into character n-grams:

- normalise: NFKC (ＡＩ → AI, ｶﾀｶﾅ → カタカナ, full-width digits → 0-9), then casefold
  (English is case-insensitive); every character that is not a letter or a digit separates
  runs (so punctuation, `%`, `_` and quotes never reach the database);
- index: every distinct character (unigram) and every distinct pair of neighbours (bigram)
  within a run, space-separated;
- query: each word of the query (split on white space) gives its bigrams, or its single
  character when it is one character long; every term must match (AND), so several words
  narrow the result, and 議事録 matches 議事録作成 through 議事 AND 事録.

A bigram AND ignores positions, so a rare false positive (議事 and 事録 apart) is possible;
for short titles and purposes that is a fair price for an index that stays exact and small.

The query is bounded: at most MAX_QUERY_CHARS characters are read and at most MAX_TERMS
terms are kept, so any input costs a handful of index look-ups. Pure functions, no ORM.
"""

import unicodedata
from collections.abc import Iterable, Iterator

MAX_QUERY_CHARS = 100
MAX_TERMS = 16


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _runs(text: str) -> Iterator[str]:
    """The maximal stretches of letters and digits in normalised `text`."""
    run: list[str] = []
    for char in text:
        if char.isalnum():
            run.append(char)
        elif run:
            yield "".join(run)
            run = []
    if run:
        yield "".join(run)


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_text(parts: Iterable[str]) -> str:
    """The space-separated unigrams and bigrams of `parts`, each once, in first-seen order."""
    terms: dict[str, None] = {}
    for part in parts:
        for run in _runs(normalise(part)):
            terms.update(dict.fromkeys(run))
            terms.update(dict.fromkeys(_bigrams(run)))
    return " ".join(terms)


def query_terms(query: str) -> list[str]:
    """The terms every match must contain (empty: no search), at most MAX_TERMS of them."""
    terms: dict[str, None] = {}
    for word in normalise(query[:MAX_QUERY_CHARS]).split():
        for run in _runs(word):
            terms.update(dict.fromkeys(_bigrams(run) if len(run) > 1 else [run]))
    return list(terms)[:MAX_TERMS]
