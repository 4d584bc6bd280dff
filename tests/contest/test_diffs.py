"""contest.diffs: two texts compared line by line, changed characters marked, all escaped."""

from collections.abc import Iterator

import pytest
from django.utils import translation

from contest.diffs import text_diff


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


def test_equal_texts_are_unchanged_and_shown_whole() -> None:
    diff = text_diff("一行目\n二行目", "一行目\n二行目")

    assert not diff.changed
    same = '<li class="diff-same">一行目</li><li class="diff-same">二行目</li>'
    assert diff.html == f'<ol class="diff">{same}</ol>'


def test_an_added_line_is_inserted_with_a_spoken_label() -> None:
    diff = text_diff("要約してください。", "要約してください。\n敬体で書いてください。")

    assert diff.changed
    assert (diff.added, diff.removed) == (1, 0)
    assert (
        '<li class="diff-added"><span class="visually-hidden">Added: </span>'
        "<ins>敬体で書いてください。</ins></li>"
    ) in diff.html


def test_a_changed_line_marks_only_the_characters_that_changed() -> None:
    diff = text_diff("3行で要約してください。", "5行で要約してください。")

    assert (diff.added, diff.removed) == (1, 1)
    assert "<del><mark>3</mark>行で要約してください。</del>" in diff.html
    assert "<ins><mark>5</mark>行で要約してください。</ins>" in diff.html
    assert diff.html.index("diff-removed") < diff.html.index("diff-added")


def test_removed_lines_come_out_struck_through() -> None:
    diff = text_diff("A\nB\nC", "A\nC")

    assert (diff.added, diff.removed) == (0, 1)
    assert "<del>B</del>" in diff.html
    assert '<li class="diff-same">C</li>' in diff.html


def test_every_piece_of_text_is_escaped() -> None:
    diff = text_diff("<b>old</b>", "<script>alert(1)</script>")

    assert "<script>" not in diff.html
    assert "<b>" not in diff.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in diff.html  # rewritten: marked whole


def test_an_empty_text_against_a_new_one_is_all_added() -> None:
    diff = text_diff("", "新しい指示")

    assert (diff.added, diff.removed) == (1, 0)
    assert text_diff("", "").html == ""


def test_a_line_changed_and_one_added_still_marks_the_change_in_the_first() -> None:
    diff = text_diff("3行で要約。\n{{input}}", "5行で要約。\n敬体で。\n{{input}}")

    assert (diff.added, diff.removed) == (2, 1)
    assert "<del><mark>3</mark>行で要約。</del>" in diff.html
    assert "<ins>敬体で。</ins>" in diff.html
