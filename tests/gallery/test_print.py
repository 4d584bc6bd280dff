"""The printable プロンプト集: one contest's or one category's published prompts."""

import re
from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from gallery.models import GalleryPrompt
from tests.gallery.builders import make_gallery_prompt

CONTEST = "令和7年度 職員プロンプトコンテスト"


def _print(client: Client, **params: str) -> str:
    response = client.get(reverse("gallery_print"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_contests_book_has_one_block_per_published_prompt(client: Client, staff: User) -> None:
    make_gallery_prompt(
        title="議事録の要点整理", contest_title=CONTEST, award_name="最優秀賞", award_rank=1
    )
    make_gallery_prompt(title="通知文の3行要約", contest_title=CONTEST)
    make_gallery_prompt(title="よその団体のプロンプト", contest_title="別のコンテスト")
    make_gallery_prompt(
        title="取り下げたプロンプト", contest_title=CONTEST, status=GalleryPrompt.Status.UNPUBLISHED
    )
    client.force_login(staff)
    page = _print(client, contest=CONTEST)
    assert page.count('<article class="prompt-sheet">') == 2
    assert page.index("議事録の要点整理") < page.index("通知文の3行要約")  # winners first
    assert "よその団体のプロンプト" not in page
    assert "取り下げたプロンプト" not in page
    assert "次の文章を3行で要約してください。" in page  # the prompt itself, to type in


def test_a_categorys_book_spans_contests(client: Client, staff: User) -> None:
    make_gallery_prompt(title="案内文の英訳", category="翻訳", contest_title=CONTEST)
    make_gallery_prompt(title="観光案内の翻訳", category="翻訳", contest_title="別のコンテスト")
    make_gallery_prompt(title="通知文の3行要約", category="要約", contest_title=CONTEST)
    client.force_login(staff)
    page = _print(client, category="翻訳")
    assert page.count('<article class="prompt-sheet">') == 2
    assert "通知文の3行要約" not in page


def test_the_book_shows_nothing_private(client: Client, staff: User) -> None:
    make_gallery_prompt(
        title="匿名の作品",
        contest_title=CONTEST,
        credit_name="",
        credit_department="",
        copy_count=987654,
        like_count=876543,
    )
    client.force_login(staff)
    page = _print(client, contest=CONTEST)
    assert "匿名" in page
    assert "987654" not in page and "876543" not in page
    assert staff.display_name not in page.split("<main", 1)[1].split("</main>", 1)[0]


def test_the_stylesheet_keeps_each_prompt_on_one_page() -> None:
    css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    print_rules = css[css.index("@media print") :]
    sheet = re.search(r"\.prompt-sheet \{([^}]*)\}", print_rules)
    assert sheet is not None and "break-inside: avoid" in sheet.group(1)


def test_without_a_choice_the_contests_and_categories_are_offered(
    client: Client, staff: User
) -> None:
    make_gallery_prompt(contest_title=CONTEST, category="要約")
    client.force_login(staff)
    page = _print(client)
    assert CONTEST in page and "?category=" in page


def test_signed_out_readers_need_gallery_public(client: Client, settings: Any, db: None) -> None:
    settings.GALLERY_PUBLIC = False
    assert client.get(reverse("gallery_print")).status_code == 302
    settings.GALLERY_PUBLIC = True
    make_gallery_prompt(contest_title=CONTEST)
    assert "prompt-sheet" in _print(client, contest=CONTEST)
