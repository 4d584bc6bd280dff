"""Organisers, admin users and judges set up an authenticator app before their pages open;
MFA_REQUIRED_FOR_EVERYONE asks it of everyone. Set-up, account and sign-out pages stay open."""

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client, RequestFactory
from django.test.utils import override_script_prefix
from django.urls import reverse
from pytest_django import Settings

from accounts.mfa import is_judge_for_request
from accounts.models import User
from contest.models import Contest
from tests import factories
from tests.accounts.helpers import Response, sign_in

SETUP = reverse("mfa_activate_totp")
ROLE_PAGES = ["/organise/", "/organise/contests/new/", "/admin/", "/judging/"]


def _sent_to_set_up(response: Response) -> bool:
    return response.status_code == 302 and response["Location"] == SETUP


@pytest.fixture
def organiser_without_app(db: None) -> User:
    return factories.make_user("new-organiser@city.example.jp", is_organiser=True)


@pytest.fixture
def judge_without_app(db: None) -> User:
    judge = factories.make_user("new-judge@city.example.jp")
    factories.make_contest().judges.add(judge)
    return judge


# --- Organisers -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ROLE_PAGES)
def test_organiser_without_an_authenticator_app_is_sent_to_set_one_up(
    client: Client, organiser_without_app: User, path: str
) -> None:
    client.force_login(organiser_without_app)

    assert _sent_to_set_up(client.get(path))


def test_run_monitor_and_organiser_posts_are_covered_too(
    client: Client, organiser_without_app: User, open_contest: Contest
) -> None:
    client.force_login(organiser_without_app)

    assert _sent_to_set_up(client.get(reverse("run_monitor", args=[open_contest.slug])))
    transition = reverse("organiser_contest_transition", args=[open_contest.slug])
    assert _sent_to_set_up(client.post(transition, {"to_status": "judging"}))
    open_contest.refresh_from_db()
    assert open_contest.status == Contest.Status.OPEN


def test_organiser_is_told_why_in_their_language(
    client: Client, organiser_without_app: User
) -> None:
    client.force_login(organiser_without_app)

    page = client.get("/organise/", follow=True).content.decode()
    assert "運営担当者と審査員は" in page

    client.cookies["django_language"] = "en"
    page = client.get("/organise/", follow=True).content.decode()
    assert "Organisers and judges must use two-factor authentication" in page


def test_superuser_counts_as_an_organiser(client: Client, db: None) -> None:
    client.force_login(factories.make_user(is_superuser=True))

    assert _sent_to_set_up(client.get("/organise/"))


def test_organiser_with_an_authenticator_app_reaches_their_pages(
    client: Client, organiser: User
) -> None:
    assert Authenticator.objects.filter(user=organiser).exists()
    client.force_login(organiser)

    assert client.get("/organise/").status_code == 200
    assert client.get("/judging/").status_code == 200


def test_without_an_app_staff_account_and_set_up_pages_stay_open(
    client: Client, organiser_without_app: User, open_contest: Contest
) -> None:
    client.force_login(organiser_without_app)

    for path in [
        "/",
        "/contests/",
        f"/contests/{open_contest.slug}/",
        "/gallery/",
        "/accounts/profile/",
        "/accounts/2fa/",
        "/accounts/email/",
        "/healthz",
    ]:
        assert client.get(path).status_code == 200, path
    # The set-up page first asks for the password again (allauth); it is not sent round.
    assert client.get(SETUP)["Location"].startswith(reverse("account_reauthenticate"))
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_setting_up_the_app_opens_the_organiser_pages(
    client: Client, organiser_without_app: User
) -> None:
    sign_in(client, organiser_without_app.email)
    assert _sent_to_set_up(client.get("/organise/"))
    client.post(reverse("account_reauthenticate"), {"password": factories.PASSWORD})
    secret = client.get(SETUP).context["form"].secret

    activated = client.post(SETUP, {"code": factories.totp_code(secret)})

    assert activated.status_code == 302
    assert client.get("/organise/").status_code == 200


def test_the_rule_holds_on_a_site_mounted_below_the_root(
    client: Client, organiser_without_app: User
) -> None:
    # Behind a proxy that serves the site at https://intra.example.jp/contest/.
    client.force_login(organiser_without_app)

    with override_script_prefix("/contest/"):
        response = client.get("/organise/", SCRIPT_NAME="/contest")
        assert response.status_code == 302
        assert response["Location"] == "/contest" + SETUP
        assert client.get("/accounts/profile/", SCRIPT_NAME="/contest").status_code == 200


def test_an_htmx_request_is_redirected_as_a_whole_page(
    client: Client, organiser_without_app: User, open_contest: Contest
) -> None:
    client.force_login(organiser_without_app)

    response = client.get(
        reverse("run_monitor", args=[open_contest.slug]), headers={"HX-Request": "true"}
    )

    assert response["HX-Redirect"] == SETUP


# --- Judges ---------------------------------------------------------------------------------


def test_judge_without_an_authenticator_app_is_sent_to_set_one_up(
    client: Client, judge_without_app: User
) -> None:
    client.force_login(judge_without_app)

    assert _sent_to_set_up(client.get("/judging/"))


def test_judge_with_an_authenticator_app_reaches_the_judging_pages(
    client: Client, judge: User, open_contest: Contest
) -> None:
    open_contest.judges.add(judge)
    client.force_login(judge)

    assert client.get("/judging/").status_code == 200


def test_a_judge_is_found_once_per_request(
    judge_without_app: User, django_assert_num_queries: object
) -> None:
    request = RequestFactory().get("/judging/")
    request.user = judge_without_app

    with django_assert_num_queries(1):  # type: ignore[operator]
        assert is_judge_for_request(request)
        assert is_judge_for_request(request)


def test_judge_of_a_contest_is_still_free_on_staff_pages(
    client: Client, judge_without_app: User
) -> None:
    client.force_login(judge_without_app)

    assert client.get("/contests/").status_code == 200


# --- Everyone else --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/judging/", "/contests/", "/"])
def test_ordinary_staff_are_not_asked(client: Client, staff: User, path: str) -> None:
    client.force_login(staff)

    assert client.get(path).status_code == 200


def test_ordinary_staff_still_get_403_on_organiser_pages(client: Client, staff: User) -> None:
    client.force_login(staff)

    assert client.get("/organise/").status_code == 403


def test_the_setting_asks_everyone_on_every_signed_in_page(
    client: Client, staff: User, settings: Settings
) -> None:
    settings.MFA_REQUIRED_FOR_EVERYONE = True
    client.force_login(staff)

    assert _sent_to_set_up(client.get("/"))
    assert _sent_to_set_up(client.get("/contests/"))
    assert _sent_to_set_up(client.get("/judging/"))
    page = client.get("/contests/", follow=True).content.decode()
    assert "すべての方に多要素認証" in page
    assert client.get("/accounts/profile/").status_code == 200
    assert client.get("/accounts/2fa/").status_code == 200


def test_the_setting_lets_staff_with_an_app_through(
    client: Client, staff: User, settings: Settings
) -> None:
    settings.MFA_REQUIRED_FOR_EVERYONE = True
    factories.give_authenticator_app(staff)
    client.force_login(staff)

    assert client.get("/contests/").status_code == 200


def test_the_setting_leaves_anonymous_visitors_alone(
    client: Client, settings: Settings, db: None
) -> None:
    settings.MFA_REQUIRED_FOR_EVERYONE = True

    assert client.get("/").status_code == 200
    assert client.get("/accounts/login/").status_code == 200


# --- Keeping it on --------------------------------------------------------------------------


def _deactivate(client: Client, user: User) -> Response:
    """Sign in with both factors, confirm the password as allauth asks, then turn it off."""
    client.post(reverse("account_login"), {"login": user.email, "password": factories.PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": factories.totp_code()})
    client.post(reverse("account_reauthenticate"), {"password": factories.PASSWORD})
    return client.post(reverse("mfa_deactivate_totp"))


def test_organiser_cannot_turn_the_app_off(client: Client, organiser: User) -> None:
    response = _deactivate(client, organiser)

    assert response.status_code == 200
    assert "多要素認証が必須のため、無効にできません" in response.content.decode()
    assert Authenticator.objects.filter(user=organiser, type=Authenticator.Type.TOTP).exists()


def test_judge_cannot_turn_the_app_off(client: Client, judge: User, open_contest: Contest) -> None:
    open_contest.judges.add(judge)

    _deactivate(client, judge)

    assert Authenticator.objects.filter(user=judge, type=Authenticator.Type.TOTP).exists()


def test_ordinary_staff_can_turn_the_app_off(client: Client, staff: User) -> None:
    factories.give_authenticator_app(staff)

    response = _deactivate(client, staff)

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
