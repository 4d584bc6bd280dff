"""E-mails name the site from SITE_NAME and link to SITE_URL, never to the host the request
came through (behind a proxy, 127.0.0.1:8000; in tests, testserver)."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse, set_script_prefix
from pytest_django import Settings

from accounts.models import User
from accounts.site import site_link
from tests.factories import PASSWORD

SITE = "https://contest.city.example.jp"


@pytest.fixture(autouse=True)
def site_address(settings: Settings) -> None:
    settings.SITE_URL = SITE


def _last_mail() -> mail.EmailMessage:
    assert mail.outbox, "no e-mail was sent"
    return mail.outbox[-1]


def _assert_names_the_site(message: mail.EmailMessage, name: str) -> None:
    text = f"{message.subject}\n{message.body}"
    assert message.subject.startswith(f"[{name}] ")
    assert name in str(message.body)
    assert f"{SITE}/" in str(message.body)
    assert "testserver" not in text
    assert "127.0.0.1" not in text


def test_verification_mail_names_the_site_and_links_to_its_address(
    client: Client, db: None
) -> None:
    client.post(
        reverse("account_signup"),
        {"email": "hanako@city.example.jp", "password1": PASSWORD, "password2": PASSWORD},
    )

    message = _last_mail()
    _assert_names_the_site(message, "プロンプトコンテスト")
    assert f"{SITE}/accounts/confirm-email/" in str(message.body)
    assert "hanako@city.example.jp" in str(message.body)


def test_password_reset_mail_names_the_site_and_links_to_its_address(
    client: Client, staff: User
) -> None:
    client.post(reverse("account_reset_password"), {"email": staff.email})

    message = _last_mail()
    _assert_names_the_site(message, "プロンプトコンテスト")
    assert f"{SITE}/accounts/password/reset/key/" in str(message.body)


def test_mail_for_an_unknown_address_links_to_sign_up_on_the_site(client: Client, db: None) -> None:
    client.post(reverse("account_reset_password"), {"email": "nobody@city.example.jp"})

    message = _last_mail()
    _assert_names_the_site(message, "プロンプトコンテスト")
    assert f"{SITE}{reverse('account_signup')}" in str(message.body)


def test_a_configured_site_name_and_contact_appear_in_english_mail(
    client: Client, staff: User, settings: Settings
) -> None:
    settings.SITE_NAME = "Minatozaka Prompt Contest"
    settings.SUPPORT_CONTACT = "DX Division, ext. 2345"

    client.post(
        reverse("account_reset_password"),
        {"email": staff.email},
        headers={"Accept-Language": "en"},
    )

    message = _last_mail()
    _assert_names_the_site(message, "Minatozaka Prompt Contest")
    assert "Questions: DX Division, ext. 2345" in str(message.body)


def test_links_drop_the_request_host_and_the_prefix_the_site_is_mounted_at(
    settings: Settings,
) -> None:
    settings.SITE_URL = "https://city.example.jp/contest"
    set_script_prefix("/contest/")
    try:
        assert (
            site_link("http://127.0.0.1:8000/contest/accounts/confirm-email/k/?a=1")
            == "https://city.example.jp/contest/accounts/confirm-email/k/?a=1"
        )
        assert site_link("/contest/") == "https://city.example.jp/contest/"
    finally:
        set_script_prefix("/")
