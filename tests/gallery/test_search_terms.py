"""The normalisation both the index and the query go through (gallery/search.py)."""

from gallery.search import MAX_TERMS, index_text, query_terms


def test_index_holds_every_unigram_and_bigram_once():
    assert index_text(["要約の要約"]).split() == ["要", "約", "の", "要約", "約の", "の要"]


def test_width_variants_and_case_fold_to_one_form():
    assert index_text(["ＡＩ ｶﾀｶﾅ"]) == index_text(["ai カタカナ"])
    assert query_terms("ＡＩ") == ["ai"]


def test_a_one_character_word_is_its_own_term():
    assert query_terms("表") == ["表"]


def test_each_word_gives_its_bigrams_and_all_must_match():
    assert query_terms("議事録 作成") == ["議事", "事録", "作成"]


def test_punctuation_and_wildcards_separate_runs_and_never_reach_the_query():
    assert query_terms("%_'\"") == []
    assert query_terms("a%b") == ["a", "b"]


def test_a_long_query_keeps_a_bounded_number_of_terms():
    assert len(query_terms("あい" * 500)) <= MAX_TERMS
    assert len(query_terms(" ".join(f"w{i}" for i in range(1000)))) == MAX_TERMS
