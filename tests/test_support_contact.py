"""SUPPORT_CONTACT (division, extension, address) is in the footer of every page and in
every sentence that asks people to get in touch; without it, those name the organisers."""

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from accounts.models import User

CONTACT = "デジタル推進課（内線 2345）dx@city.example.jp"


@pytest.fixture
def contact(settings: Settings) -> str:
    settings.SUPPORT_CONTACT = CONTACT
    return CONTACT


def test_footer_names_the_contact_on_public_and_signed_in_pages(
    client: Client, staff: User, contact: str
) -> None:
    assert f"お問い合わせ：{contact}" in client.get(reverse("home")).content.decode()
    client.force_login(staff)
    for url in (reverse("contest_list"), reverse("profile")):
        assert f"お問い合わせ：{contact}" in client.get(url).content.decode()


def test_password_reset_page_says_whom_to_contact(client: Client, contact: str) -> None:
    page = client.get(reverse("account_reset_password")).content.decode()

    assert f"それでも見つからない場合は、{contact}までご連絡ください。" in page


def test_without_a_contact_the_organisers_are_named(client: Client, db: None) -> None:
    page = client.get(reverse("account_reset_password")).content.decode()

    assert "コンテストの運営担当者までご連絡ください。" in page
    assert "お問い合わせ：コンテストの運営担当者" in page
