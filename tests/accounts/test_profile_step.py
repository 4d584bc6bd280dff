"""The first sign-in completes the profile: name and department before anything else, then
back to the page the person was going to; two-factor set-up follows for those who need it."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Department, User
from tests import factories


@pytest.fixture
def newcomer(department_a: Department) -> User:
    return factories.make_newcomer("newcomer@city.example.jp")


def _next_of(location: str) -> str:
    parts = urlsplit(location)
    assert parts.path == reverse("profile")
    return parse_qs(parts.query).get("next", [""])[0]


def test_newcomer_is_sent_to_the_profile_with_the_page_they_wanted(
    client: Client, newcomer: User
) -> None:
    client.force_login(newcomer)

    response = client.get(reverse("contest_list") + "?page=2")

    assert response.status_code == 302
    assert _next_of(response["Location"]) == reverse("contest_list") + "?page=2"


def test_profile_page_explains_the_step(client: Client, newcomer: User) -> None:
    client.force_login(newcomer)

    page = client.get(reverse("profile") + "?next=/contests/").content.decode()

    assert "続ける前に、お名前と所属部署を登録してください。" in page
    assert 'name="next" value="/contests/"' in page
    assert "登録して続ける" in page


def test_saving_the_profile_leads_on_to_the_page_they_wanted(
    client: Client, newcomer: User, department_b: Department
) -> None:
    client.force_login(newcomer)

    response = client.post(
        reverse("profile"),
        {
            "display_name": "新人 花子",
            "department": department_b.pk,
            "preferred_language": "ja",
            "next": "/contests/",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/contests/"
    assert client.get("/contests/").status_code == 200


def test_a_missing_field_keeps_them_on_the_step_with_what_they_typed(
    client: Client, newcomer: User
) -> None:
    client.force_login(newcomer)

    response = client.post(
        reverse("profile"),
        {"display_name": "新人 花子", "department": "", "preferred_language": "ja"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="新人 花子"' in page
    assert "所属している部署を選んでください。" in page
    newcomer.refresh_from_db()
    assert newcomer.display_name == ""


def test_a_next_page_on_another_site_is_ignored(
    client: Client, newcomer: User, department_b: Department
) -> None:
    client.force_login(newcomer)

    response = client.post(
        reverse("profile"),
        {
            "display_name": "新人 花子",
            "department": department_b.pk,
            "preferred_language": "ja",
            "next": "https://evil.example.com/",
        },
    )

    assert response["Location"] == reverse("home")


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/profile/",
        "/accounts/email/",
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate",
        "/i18n/setlang/",
        "/healthz",
        "/static/css/site.css",
    ],
)
def test_open_pages_stay_open_during_the_step(client: Client, newcomer: User, path: str) -> None:
    client.force_login(newcomer)

    response = client.get(path)

    assert not response.get("Location", "").startswith(reverse("profile"))


def test_sign_out_stays_open(client: Client, newcomer: User) -> None:
    client.force_login(newcomer)

    client.post(reverse("account_logout"))

    assert "_auth_user_id" not in client.session


def test_htmx_request_redirects_the_whole_page_back_to_where_it_was(
    client: Client, newcomer: User
) -> None:
    client.force_login(newcomer)

    response = client.get(
        "/entries/1/runs/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/entries/1/"},
    )

    assert response.status_code == 200
    assert _next_of(response["HX-Redirect"]) == "/entries/1/"


def test_a_form_post_is_not_replayed_after_the_step(client: Client, newcomer: User) -> None:
    client.force_login(newcomer)

    response = client.post("/contests/")

    assert response.status_code == 302
    assert _next_of(response["Location"]) == ""


def test_no_department_is_asked_when_the_organisation_defines_none(
    client: Client, newcomer: User
) -> None:
    User.objects.filter(pk=newcomer.pk).update(display_name="新人 花子")
    Department.objects.all().delete()
    client.force_login(newcomer)

    assert client.get(reverse("contest_list")).status_code == 200


def test_a_complete_profile_is_never_stopped(client: Client, staff: User) -> None:
    client.force_login(staff)

    assert client.get(reverse("contest_list")).status_code == 200


def test_anonymous_visitors_are_not_asked(client: Client, db: None) -> None:
    assert client.get(reverse("home")).status_code == 200


def test_new_organiser_completes_the_profile_then_sets_up_two_factor(
    client: Client, department_a: Department
) -> None:
    organiser = factories.make_newcomer("new-organiser@city.example.jp")
    User.objects.filter(pk=organiser.pk).update(is_organiser=True)
    client.force_login(organiser)

    first = client.get(reverse("organiser_home"))
    assert _next_of(first["Location"]) == reverse("organiser_home")

    saved = client.post(
        reverse("profile"),
        {
            "display_name": "運営 次郎",
            "department": department_a.pk,
            "preferred_language": "ja",
            "next": reverse("organiser_home"),
        },
    )
    assert saved["Location"] == reverse("organiser_home")

    then = client.get(saved["Location"])
    assert then.status_code == 302
    assert then["Location"] == reverse("mfa_activate_totp")
    # The set-up page (or allauth's "confirm it is you" before it) is left alone.
    setup = client.get(reverse("mfa_activate_totp"))
    assert not setup.get("Location", "").startswith(reverse("profile"))
