"""The Django admin signs in through allauth (so rate limits and two-factor apply)."""

from urllib.parse import parse_qs

from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests import factories


def test_anonymous_visitor_is_sent_to_allauth_sign_in(client: Client, db: None) -> None:
    response = client.get("/admin/", follow=True)

    final_url, _status = response.redirect_chain[-1]
    path, _, query = final_url.partition("?")
    assert path == reverse("account_login")
    assert parse_qs(query)["next"] == ["/admin/"]
    assert response.status_code == 200


def test_signed_in_non_staff_member_is_forbidden(client: Client, staff: User) -> None:
    client.force_login(staff)

    response = client.get("/admin/", follow=True)

    assert response.status_code == 403


def test_admin_login_page_itself_refuses_non_staff(client: Client, staff: User) -> None:
    client.force_login(staff)

    assert client.get(reverse("admin:login")).status_code == 403


def test_staff_member_reaches_the_admin_index(client: Client, db: None) -> None:
    admin_user = factories.make_user("admin@city.example.jp", is_staff=True, is_superuser=True)
    factories.give_authenticator_app(admin_user)
    client.force_login(admin_user)

    response = client.get("/admin/")

    assert response.status_code == 200
    assert response.context["title"]
    assert "app_list" in response.context


def test_staff_member_signing_in_from_the_admin_lands_back_in_the_admin(
    client: Client, db: None
) -> None:
    admin_user = factories.give_authenticator_app(
        factories.make_user("admin@city.example.jp", is_staff=True)
    )

    asked = client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": admin_user.email, "password": factories.PASSWORD},
    )
    assert asked["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": factories.totp_code()})

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_user_without_an_authenticator_app_is_sent_to_set_one_up(
    client: Client, db: None
) -> None:
    # The admin can change anything: is_staff alone is enough to need two factors.
    admin_user = factories.make_user("admin@city.example.jp", is_staff=True)
    client.force_login(admin_user)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
