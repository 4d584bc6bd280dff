"""allauth's pages in the site's layout: labelled fields, linked help and errors, site
buttons and cards, and links between sign-in, sign-up and password reset."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.helpers import sign_in


def _tag(page: str, element_id: str) -> str:
    """The opening tag of the element with this id."""
    found = re.search(r"<(input|textarea|select)[^>]*\bid=\"" + element_id + r"\"[^>]*>", page)
    assert found, f"no #{element_id}"
    return found.group(0)


def test_login_page_is_in_the_site_layout_with_a_plain_explanation(
    client: Client, db: None
) -> None:
    client.cookies["django_language"] = "en"

    page = client.get(reverse("account_login")).content.decode()

    assert 'class="site-header"' in page
    assert 'class="entrance-title"' in page
    assert "Sign in with your work e-mail address" in page
    assert 'class="auth-form card entrance login"' in page
    assert 'type="submit" class="button"' in page


def test_login_page_links_to_sign_up_and_password_reset(client: Client, db: None) -> None:
    page = client.get(reverse("account_login")).content.decode()

    assert f'href="{reverse("account_signup")}"' in page
    assert f'href="{reverse("account_reset_password")}"' in page


def test_sign_up_and_reset_pages_link_back_to_sign_in(client: Client, db: None) -> None:
    for name in ["account_signup", "account_reset_password"]:
        page = client.get(reverse(name)).content.decode()
        assert f'href="{reverse("account_login")}"' in page, name


def test_login_fields_have_labels_above_and_keep_autocomplete(client: Client, db: None) -> None:
    page = client.get(reverse("account_login")).content.decode()

    assert '<label for="id_login">' in page
    assert '<label for="id_password">' in page
    assert 'autocomplete="email"' in _tag(page, "id_login")
    password = _tag(page, "id_password")
    assert 'autocomplete="current-password"' in password
    # The "forgot your password?" help under the field is announced with it.
    assert 'aria-describedby="id_password_helptext"' in password
    assert 'id="id_password_helptext"' in page


def test_sign_up_shows_the_allowed_domain_before_anyone_types(
    client: Client, city_domain: str
) -> None:
    page = client.get(reverse("account_signup")).content.decode()

    assert "@city.example.jp" in page
    assert 'autocomplete="new-password"' in _tag(page, "id_password1")


def test_field_error_is_in_an_errorlist_linked_to_its_field(
    client: Client, city_domain: str
) -> None:
    response = client.post(
        reverse("account_signup"),
        {"email": "taro@example.com", "password1": "x", "password2": "y"},
    )
    page = response.content.decode()

    assert '<ul class="errorlist" id="id_email_error">' in page
    email = _tag(page, "id_email")
    assert 'aria-invalid="true"' in email
    assert "id_email_error" in email
    assert 'class="field has-error"' in page


def test_wrong_password_message_is_announced(client: Client, staff: User) -> None:
    page = sign_in(client, staff.email, "wrong").content.decode()

    assert '<div class="form-errors" role="alert">' in page
    assert 'class="errorlist nonfield"' in page


def test_account_pages_share_a_navigation_that_marks_the_current_page(
    client: Client, staff: User
) -> None:
    sign_in(client, staff.email)

    page = client.get(reverse("account_email")).content.decode()

    assert 'class="account-nav"' in page
    assert f'<a href="{reverse("account_email")}" aria-current="page">' in page
    assert f'<a href="{reverse("profile")}">' in page
    assert f'<a href="{reverse("mfa_index")}">' in page


def test_two_factor_page_uses_cards_and_site_buttons(client: Client, staff: User) -> None:
    sign_in(client, staff.email)

    page = client.get(reverse("mfa_index")).content.decode()

    assert '<section class="card panel">' in page
    assert f'<a href="{reverse("mfa_activate_totp")}" class="button">' in page
    assert f'<a href="{reverse("mfa_index")}" aria-current="page">' in page


def test_allauth_pages_carry_no_inline_script(client: Client, staff: User) -> None:
    sign_in(client, staff.email)

    for name in ["account_email", "mfa_index", "account_change_password"]:
        page = client.get(reverse(name)).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), name


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/confirm-email/",
        "/accounts/confirm-email/not-a-key/",
        "/accounts/password/reset/key/1-not-a-key/",
        "/accounts/inactive/",
    ],
)
def test_every_sign_in_page_renders_in_the_narrow_site_layout(
    client: Client, db: None, path: str
) -> None:
    response = client.get(path)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="site-header"' in page
    assert 'class="entrance-title"' in page


@pytest.mark.parametrize(
    "name",
    [
        "profile",
        "account_email",
        "account_change_password",
        "account_logout",
        "mfa_index",
    ],
)
def test_every_account_page_renders_with_the_account_navigation(
    client: Client, staff: User, name: str
) -> None:
    sign_in(client, staff.email)

    response = client.get(reverse(name))

    assert response.status_code == 200
    assert 'class="account-nav"' in response.content.decode()
