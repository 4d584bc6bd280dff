"""Which language a page is shown in: Japanese by default, the browser's choice, and a
signed-in user's preferred language when the browser has not chosen."""

from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User


def _lang(client: Client, path: str = "/") -> str:
    page = client.get(path).content.decode()
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


def test_japanese_is_the_default_language(client: Client, db: None) -> None:
    assert settings.LANGUAGE_CODE == "ja"
    assert _lang(client) == "ja"
    # allauth ships Japanese; its sign-in page shows it without any choice being made.
    assert "ログイン" in client.get(reverse("account_login")).content.decode()


def test_posting_to_setlang_switches_to_english(client: Client, db: None) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert _lang(client) == "en"


def test_signed_in_user_sees_their_preferred_language_without_a_cookie(
    client: Client, staff: User
) -> None:
    staff.preferred_language = "en"
    staff.save(update_fields=["preferred_language"])
    client.force_login(staff)

    assert _lang(client) == "en"


def test_browser_choice_wins_over_the_preferred_language(client: Client, staff: User) -> None:
    staff.preferred_language = "en"
    staff.save(update_fields=["preferred_language"])
    client.force_login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"

    assert _lang(client) == "ja"


def test_preferred_language_does_not_leak_to_anonymous_visitors(
    client: Client, staff: User
) -> None:
    staff.preferred_language = "en"
    staff.save(update_fields=["preferred_language"])
    client.force_login(staff)
    _lang(client)

    assert _lang(Client()) == "ja"


def test_unsupported_stored_language_falls_back_to_the_default(client: Client, staff: User) -> None:
    # A value written before a language was withdrawn from LANGUAGES.
    User.objects.filter(pk=staff.pk).update(preferred_language="fr")
    client.force_login(staff)

    assert _lang(client) == "ja"
