"""The listing's cards are rendered once and kept, and never shown stale; the filters'
options mark the chosen value and escape every value."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from gallery.services import prompt_copy, prompt_like
from gallery.templatetags.gallery_filters import filter_options

from .conftest import make_prompt

pytestmark = pytest.mark.django_db
CARD = "gallery/includes/card.html"


def _cards_rendered(response) -> int:
    return sum(1 for template in response.templates if template.name == CARD)


def test_a_card_is_rendered_once_then_read_back(client: Client, staff: User):
    for n in range(3):
        make_prompt(title=f"要約 {n}")
    client.force_login(staff)
    first = client.get(reverse("gallery_list"))
    again = client.get(reverse("gallery_list"))
    assert _cards_rendered(first) == 3
    assert _cards_rendered(again) == 0
    assert again.content.decode().count('class="card gallery-card"') == 3


def test_a_copy_or_a_like_shows_at_once(client: Client, staff: User):
    prompt = make_prompt(title="数える")
    client.force_login(staff)
    client.cookies["django_language"] = "en"
    assert "0 copies" in client.get(reverse("gallery_list")).content.decode()
    prompt_copy(prompt_id=prompt.pk)
    prompt_like(prompt_id=prompt.pk, user=staff)
    body = client.get(reverse("gallery_list")).content.decode()
    assert "1 copy" in body and "1 like" in body


def test_an_updated_snapshot_shows_at_once(client: Client, staff: User):
    prompt = make_prompt(title="古い題")
    client.force_login(staff)
    client.get(reverse("gallery_list"))
    prompt.title = "新しい題"
    prompt.save()  # as a re-import does
    body = client.get(reverse("gallery_list")).content.decode()
    assert "新しい題" in body and "古い題" not in body


def test_each_language_has_its_own_card(client: Client, staff: User):
    make_prompt(title="言語", copy_count=2)
    client.force_login(staff)
    assert "2 copies" not in client.get(reverse("gallery_list")).content.decode()
    client.cookies["django_language"] = "en"
    assert "2 copies" in client.get(reverse("gallery_list")).content.decode()


def test_a_kept_card_stays_escaped(client: Client, staff: User):
    make_prompt(title="<script>alert(1)</script>")
    client.force_login(staff)
    for _ in range(2):
        body = client.get(reverse("gallery_list")).content.decode()
        assert "<script>alert(1)" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_filter_options_select_the_chosen_value_and_escape_every_value():
    html = filter_options(["総務課", '"><b>x</b>', "市民課"], "市民課")
    assert html == (
        "<option>総務課</option>"
        "<option>&quot;&gt;&lt;b&gt;x&lt;/b&gt;</option>"
        "<option selected>市民課</option>"
    )
