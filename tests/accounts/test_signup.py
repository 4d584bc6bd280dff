"""Sign-up through allauth's real views: the domain rule, the verification e-mail, and
mandatory verification before the first sign-in."""

from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.helpers import Response, is_signed_in, link_in_last_mail, sign_in

PASSWORD = "a-long-and-unusual-passphrase-42"


def _sign_up(client: Client, email: str) -> Response:
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def test_signup_with_other_domain_is_refused_with_a_clear_message(
    client: Client, city_domain: str
) -> None:
    response = _sign_up(client, "taro@evil-example.jp")

    assert response.status_code == 200
    [error] = response.context["form"].errors.as_data()["email"]
    assert error.code == "email_domain_not_allowed"
    page = response.content.decode()
    message = page.split('id="id_email_error"')[1].split("</ul>")[0]
    assert "@city.example.jp" in message  # names the domain the user should use
    assert 'value="taro@evil-example.jp"' in page  # what was typed is kept
    assert not User.objects.filter(email="taro@evil-example.jp").exists()
    assert mail.outbox == []


def test_refusal_message_reads_clearly_in_english(client: Client, city_domain: str) -> None:
    client.cookies["django_language"] = "en"

    response = _sign_up(client, "taro@gmail.com")

    assert (
        "Only addresses at @city.example.jp can be used. Please enter your work e-mail address."
        in response.content.decode()
    )


def test_signup_refuses_subdomain_and_suffix_lookalikes(client: Client, city_domain: str) -> None:
    for email in ["a@sub.city.example.jp", "b@city.example.jp.evil.com", "c@xcity.example.jp"]:
        response = _sign_up(client, email)
        assert response.status_code == 200
        assert response.context["form"].errors["email"]
    assert not User.objects.exists()


def test_signup_with_uppercase_allowed_domain_succeeds_and_sends_verification_mail(
    client: Client, city_domain: str
) -> None:
    response = _sign_up(client, "Taro@CITY.EXAMPLE.JP")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get()
    assert user.email == "taro@city.example.jp"
    assert EmailAddress.objects.get(user=user).verified is False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["taro@city.example.jp"]
    assert mail.outbox[0].subject.startswith("[プロンプトコンテスト] ")
    assert not is_signed_in(client)


def test_signup_is_open_to_any_domain_when_none_is_configured(client: Client, db: None) -> None:
    response = _sign_up(client, "someone@example.com")

    assert response.status_code == 302
    assert User.objects.filter(email="someone@example.com").exists()


def test_login_is_refused_until_the_address_is_verified(client: Client, city_domain: str) -> None:
    _sign_up(client, "taro@city.example.jp")
    client.logout()
    mail.outbox.clear()

    response = sign_in(client, "taro@city.example.jp", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not is_signed_in(client)


def test_following_the_confirmation_link_verifies_and_signs_in(
    client: Client, city_domain: str
) -> None:
    _sign_up(client, "taro@city.example.jp")
    confirm_path = link_in_last_mail("/accounts/confirm-email/")

    page = client.get(confirm_path)
    assert page.status_code == 200
    assert "taro@city.example.jp" in page.content.decode()
    response = client.post(confirm_path)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="taro@city.example.jp").verified is True
    assert is_signed_in(client)


def test_verified_user_can_sign_in_later_from_another_browser(
    client: Client, city_domain: str
) -> None:
    _sign_up(client, "taro@city.example.jp")
    client.post(link_in_last_mail("/accounts/confirm-email/"))

    other_browser = Client()
    response = sign_in(other_browser, "taro@city.example.jp", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert is_signed_in(other_browser)


def test_verification_mail_names_the_platform_not_the_server(
    client: Client, city_domain: str
) -> None:
    client.cookies["django_language"] = "en"

    _sign_up(client, "taro@city.example.jp")

    body = mail.outbox[-1].body
    assert body.startswith("Hello from Prompt Contest.")
    assert "/accounts/confirm-email/" in body
