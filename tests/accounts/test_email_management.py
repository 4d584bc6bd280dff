"""Adding an address later, on allauth's e-mail page, follows the same domain rule."""

from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.helpers import Response, sign_in


def _add_email(client: Client, email: str) -> Response:
    return client.post(reverse("account_email"), {"action_add": "", "email": email})


def test_address_at_other_domain_cannot_be_added(
    client: Client, staff: User, city_domain: str
) -> None:
    sign_in(client, staff.email)

    response = _add_email(client, "taro@example.jp.evil.com")

    assert response.status_code == 200
    [error] = response.context["form"].errors.as_data()["email"]
    assert error.code == "email_domain_not_allowed"
    assert 'value="taro@example.jp.evil.com"' in response.content.decode()
    assert not EmailAddress.objects.filter(email="taro@example.jp.evil.com").exists()
    assert mail.outbox == []


def test_address_at_allowed_domain_is_added_unverified_and_mailed(
    client: Client, staff: User, city_domain: str
) -> None:
    sign_in(client, staff.email)

    response = _add_email(client, "Taro.Second@City.Example.JP")

    assert response.status_code == 302
    added = EmailAddress.objects.get(user=staff, email="taro.second@city.example.jp")
    assert added.verified is False
    assert mail.outbox[-1].to == ["taro.second@city.example.jp"]


def test_email_page_lists_addresses_with_their_state(client: Client, staff: User) -> None:
    sign_in(client, staff.email)

    page = client.get(reverse("account_email")).content.decode()

    assert staff.email in page
    assert 'class="badge success email verified"' in page
    assert 'type="radio"' in page
