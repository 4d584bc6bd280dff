"""Passwords are at least 12 characters, and the pages that ask for one say so."""

from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.helpers import Response


def _sign_up(client: Client, password: str) -> Response:
    return client.post(
        reverse("account_signup"),
        {"email": "taro@city.example.jp", "password1": password, "password2": password},
    )


def test_an_eleven_character_password_is_refused_with_the_reason(
    client: Client, city_domain: str
) -> None:
    response = _sign_up(client, "kx7-Qm2#vLp")  # 11 characters, nothing else wrong with it

    assert response.status_code == 200
    [error] = response.context["form"].errors.as_data()["password1"]
    assert error.code == "password_too_short"
    assert "12" in response.content.decode()
    assert not User.objects.exists()


def test_a_twelve_character_password_is_accepted(client: Client, city_domain: str) -> None:
    response = _sign_up(client, "kx7-Qm2#vLp9")

    assert response.status_code == 302
    assert User.objects.filter(email="taro@city.example.jp").exists()


def test_the_sign_up_page_says_twelve_characters_in_both_languages(
    client: Client, db: None
) -> None:
    assert (
        "パスワードは最低 12 文字以上必要です。" in client.get("/accounts/signup/").content.decode()
    )

    client.cookies["django_language"] = "en"
    page = client.get("/accounts/signup/").content.decode()
    assert "Your password must contain at least 12 characters." in page


def test_changing_the_password_keeps_the_same_rule(client: Client, staff: User) -> None:
    client.force_login(staff)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "x", "password1": "short-pass1", "password2": "short-pass1"},
    )

    assert response.status_code == 200
    assert "password_too_short" in [
        e.code for e in response.context["form"].errors.as_data()["password1"]
    ]
