"""Two-factor authentication with an authenticator app (TOTP), through allauth's views."""

import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests import factories
from tests.accounts.helpers import is_signed_in, sign_in


def _current_code(secret: str) -> str:
    """What the staff member's authenticator app shows right now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def _start_activation(client: Client) -> str:
    """Open the activation page; allauth first asks for the password again."""
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    client.post(asked["Location"], {"password": factories.PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    return str(page.context["form"].secret)


def test_signed_in_member_of_staff_reaches_the_two_factor_page(client: Client, staff: User) -> None:
    sign_in(client, staff.email)

    response = client.get("/accounts/2fa/")

    assert response.status_code == 200
    assert reverse("mfa_activate_totp") in response.content.decode()


def test_two_factor_page_needs_sign_in(client: Client, db: None) -> None:
    response = client.get("/accounts/2fa/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_activation_page_shows_a_qr_code_and_the_secret(client: Client, staff: User) -> None:
    sign_in(client, staff.email)
    _start_activation(client)

    response = client.get(reverse("mfa_activate_totp"))

    page = response.content.decode()
    secret = response.context["form"].secret
    assert 'src="data:image/svg+xml;base64,' in page
    assert f'value="{secret}"' in page
    assert 'autocomplete="one-time-code"' in page


def test_wrong_code_does_not_activate(client: Client, staff: User) -> None:
    sign_in(client, staff.email)
    _start_activation(client)

    response = client.post(reverse("mfa_activate_totp"), {"code": "000000"})

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not Authenticator.objects.filter(user=staff).exists()


def test_activated_totp_is_asked_for_at_the_next_sign_in(client: Client, staff: User) -> None:
    sign_in(client, staff.email)
    secret = _start_activation(client)

    activated = client.post(reverse("mfa_activate_totp"), {"code": _current_code(secret)})

    assert activated.status_code == 302
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()

    client.post(reverse("account_logout"))
    assert not is_signed_in(client)

    response = sign_in(client, staff.email)

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_signed_in(client)
    challenge = client.get(reverse("mfa_authenticate"))
    assert 'autocomplete="one-time-code"' in challenge.content.decode()

    response = client.post(reverse("mfa_authenticate"), {"code": _current_code(secret)})

    assert response.status_code == 302
    assert is_signed_in(client)


def test_wrong_second_factor_keeps_the_user_signed_out(client: Client, staff: User) -> None:
    sign_in(client, staff.email)
    secret = _start_activation(client)
    client.post(reverse("mfa_activate_totp"), {"code": _current_code(secret)})
    client.post(reverse("account_logout"))

    sign_in(client, staff.email)
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})

    assert response.status_code == 200
    assert not is_signed_in(client)
