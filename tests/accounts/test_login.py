"""Signing in, failing to, being rate limited, and resetting a forgotten password."""

from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests import factories
from tests.accounts.helpers import is_signed_in, link_in_last_mail, sign_in


def test_staff_member_signs_in_with_email_and_password(client: Client, staff: User) -> None:
    response = sign_in(client, "STAFF@city.example.jp")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert is_signed_in(client)


def test_wrong_password_is_refused(client: Client, staff: User) -> None:
    response = sign_in(client, staff.email, "not-the-password")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'class="form-errors" role="alert"' in response.content.decode()
    assert not is_signed_in(client)


def test_repeated_failed_logins_are_rate_limited(client: Client, staff: User) -> None:
    # allauth's default "login_failed" limit: 5 failures per address in 5 minutes.
    for _ in range(5):
        assert sign_in(client, staff.email, "guess").status_code == 200

    response = sign_in(client, staff.email, factories.PASSWORD)

    assert response.status_code == 200
    assert not is_signed_in(client)
    [error] = response.context["form"].non_field_errors().as_data()
    assert error.code == "too_many_login_attempts"


def test_rate_limit_for_one_address_leaves_other_staff_alone(
    client: Client, staff: User, other_staff: User
) -> None:
    for _ in range(6):
        sign_in(client, staff.email, "guess")

    sign_in(client, other_staff.email)

    assert is_signed_in(client)


def test_password_reset_sends_a_link_that_sets_a_new_password(client: Client, staff: User) -> None:
    response = client.post(reverse("account_reset_password"), {"email": staff.email})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [staff.email]

    key_path = link_in_last_mail("/accounts/password/reset/key/")
    form_page = client.get(key_path, follow=True)
    assert form_page.status_code == 200
    new_password = "another-long-passphrase-77"
    done = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else key_path,
        {"password1": new_password, "password2": new_password},
    )
    assert done.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(new_password)


def test_password_reset_for_unknown_address_reveals_nothing_and_sends_no_key(
    client: Client, db: None
) -> None:
    response = client.post(reverse("account_reset_password"), {"email": "nobody@city.example.jp"})

    # Same answer as for a real account, so the form cannot be used to find addresses.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)


def test_password_reset_for_other_domain_says_which_addresses_work(
    client: Client, city_domain: str
) -> None:
    response = client.post(reverse("account_reset_password"), {"email": "taro@gmail.com"})

    assert response.status_code == 200
    [error] = response.context["form"].errors.as_data()["email"]
    assert error.code == "email_domain_not_allowed"
    assert mail.outbox == []
