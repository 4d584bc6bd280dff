"""Search behaviour, the same on every database: imported by test_search (the main session,
PostgreSQL in CI) and test_search_sqlite (the embedded session, SQLite + FTS5)."""

import pytest
from django.db import connection

from gallery.models import GalleryPrompt
from gallery.publishing import search_text_of
from gallery.selectors import Listing, gallery_prompts

from .conftest import make_prompt


def _titles(q: str, **filters: str) -> set[str]:
    return set(
        gallery_prompts(Listing(q=q, filters=filters, sort="new")).values_list("title", flat=True)
    )


def _make(**fields: str) -> None:
    make_prompt(prompt_template="{{input}}", **fields)


@pytest.fixture
def prompts(db: None) -> None:
    _make(title="通知文の3行要約", category="要約")
    _make(title="議事録作成アシスタント", category="議事録", purpose="会議メモから")
    _make(title="案内文の英語翻訳", category="翻訳", purpose="外国人住民向け")
    _make(title="ＡＩで表を整える", category="データ", purpose="ｶﾀｶﾅを直す")
    _make(title="Prompt for Minutes", category="English", purpose="Meeting MINUTES")


def test_two_character_words_find_longer_titles(prompts: None) -> None:
    assert _titles("要約") == {"通知文の3行要約"}
    assert _titles("翻訳") == {"案内文の英語翻訳"}


def test_a_three_character_word_finds_its_compound(prompts: None) -> None:
    assert _titles("議事録") == {"議事録作成アシスタント"}


def test_a_one_character_word_works(prompts: None) -> None:
    assert _titles("表") == {"ＡＩで表を整える"}


def test_full_and_half_width_forms_match(prompts: None) -> None:
    assert _titles("AI") == {"ＡＩで表を整える"}
    assert _titles("カタカナ") == {"ＡＩで表を整える"}


def test_english_is_case_insensitive(prompts: None) -> None:
    assert _titles("minutes") == {"Prompt for Minutes"}
    assert _titles("PROMPT") == {"Prompt for Minutes"}


def test_several_words_narrow_the_result(prompts: None) -> None:
    assert _titles("議事録 作成") == {"議事録作成アシスタント"}
    assert _titles("議事録 翻訳") == set()


def test_search_combines_with_filters(prompts: None) -> None:
    assert _titles("文", category="翻訳") == {"案内文の英語翻訳"}


@pytest.mark.parametrize(
    "q",
    [
        "%",
        "_",
        "'",
        '"',
        "%_'\"\\",
        "a' OR 1=1 --",
        "要" * 1000,
        "NEAR(a b)",
        "* AND OR NOT",
        "\x00",
    ],
)
def test_any_input_never_errors(prompts: None, q: str) -> None:
    list(gallery_prompts(Listing(q=q, filters={}, sort="new")))


def test_the_index_follows_updates_and_unpublishing(prompts: None) -> None:
    prompt = GalleryPrompt.objects.get(title="通知文の3行要約")
    prompt.title, prompt.category = "通知文のかんたん言い換え", "言い換え"
    prompt.search_text = search_text_of(prompt)
    prompt.save()
    assert _titles("要約") == set()
    assert _titles("言い換え") == {"通知文のかんたん言い換え"}
    GalleryPrompt.objects.filter(pk=prompt.pk).update(status=GalleryPrompt.Status.UNPUBLISHED)
    assert _titles("言い換え") == set()
    prompt.delete()
    assert _titles("通知") == set()


def test_the_search_uses_the_database_index(prompts: None) -> None:
    sql = str(gallery_prompts(Listing(q="要約", filters={}, sort="new")).query)
    expected = {"postgresql": "search_vector @@", "sqlite": "gallery_search MATCH"}
    assert expected[connection.vendor] in sql
