"""`name+tag@domain` reaches `name@domain`'s mailbox, so it cannot make a second account:
sign-up and adding an address refuse it, either way round, whatever the case."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.adapter import addresses_sharing_mailbox
from accounts.models import User
from tests import factories
from tests.accounts.helpers import Response, sign_in

PASSWORD = "a-long-and-unusual-passphrase-42"


def _sign_up(client: Client, email: str) -> Response:
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def _refused_as_same_mailbox(response: Response) -> bool:
    if response.status_code != 200 or response.context is None:
        return False
    errors = response.context["form"].errors.as_data().get("email", [])
    return any(error.code == "mailbox_taken" for error in errors)


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        ("taro@city.example.jp", "taro+x@city.example.jp"),
        ("taro+x@city.example.jp", "taro@city.example.jp"),
        ("taro+x@city.example.jp", "taro+y@city.example.jp"),
        ("Taro@City.Example.JP", "TARO+Kouhou@city.example.jp"),
    ],
)
def test_sign_up_with_another_form_of_a_registered_mailbox_is_refused(
    client: Client, city_domain: str, existing: str, new: str
) -> None:
    factories.make_user(existing)

    response = _sign_up(client, new)

    assert _refused_as_same_mailbox(response)
    page = response.content.decode()
    assert "同じメールボックスに届きます" in page
    assert f'value="{new}"' in page  # what was typed is kept
    assert User.objects.count() == 1
    assert mail.outbox == []


def test_the_refusal_does_not_name_the_registered_address(client: Client, city_domain: str) -> None:
    factories.make_user("taro@city.example.jp")
    client.cookies["django_language"] = "en"

    response = _sign_up(client, "taro+x@city.example.jp")

    page = response.content.decode()
    assert "reaches the same mailbox as an address that already has an account" in page
    assert "taro@city.example.jp" not in page


def test_an_address_only_in_the_user_table_counts(client: Client, city_domain: str) -> None:
    # An account made in the admin may have no allauth address row.
    User.objects.create_user("hanako@city.example.jp", "irrelevant-password-123")

    assert _refused_as_same_mailbox(_sign_up(client, "hanako+x@city.example.jp"))


def test_similar_but_different_mailboxes_can_sign_up(client: Client, city_domain: str) -> None:
    factories.make_user("taro@city.example.jp")

    for email in ["taroko@city.example.jp", "ta.ro@city.example.jp", "jiro+taro@city.example.jp"]:
        response = _sign_up(client, email)
        assert response.status_code == 302, (email, response.content[:500])
        client.logout()

    assert User.objects.count() == 4


def test_the_exact_address_again_is_left_to_allauth(client: Client, city_domain: str) -> None:
    # allauth does not say the address exists (enumeration): it mails its owner instead.
    factories.make_user("taro@city.example.jp")

    response = _sign_up(client, "taro@city.example.jp")

    assert response.status_code == 302
    assert User.objects.count() == 1
    assert mail.outbox[-1].to == ["taro@city.example.jp"]


def _add_email(client: Client, email: str) -> Response:
    return client.post(reverse("account_email"), {"action_add": "", "email": email})


def test_adding_another_accounts_mailbox_is_refused(
    client: Client, staff: User, other_staff: User, city_domain: str
) -> None:
    name = other_staff.email.split("@")[0]
    sign_in(client, staff.email)

    response = _add_email(client, f"{name}+mine@city.example.jp")

    assert _refused_as_same_mailbox(response)
    assert not EmailAddress.objects.filter(email=f"{name}+mine@city.example.jp").exists()


def test_adding_a_tagged_form_of_ones_own_address_is_allowed(
    client: Client, staff: User, city_domain: str
) -> None:
    name = staff.email.split("@")[0]
    sign_in(client, staff.email)

    response = _add_email(client, f"{name}+contest@city.example.jp")

    assert response.status_code == 302
    assert EmailAddress.objects.filter(user=staff, email=f"{name}+contest@city.example.jp").exists()


def test_the_query_finds_only_true_matches(db: None) -> None:
    owner = factories.make_user("taro@city.example.jp")
    factories.make_user("taro+x@city.example.jp")
    factories.make_user("taroko@city.example.jp")
    factories.make_user("taro@other.example.jp")

    assert addresses_sharing_mailbox("TARO+y@city.example.jp") == [
        "taro+x@city.example.jp",
        "taro@city.example.jp",
    ]
    assert addresses_sharing_mailbox("taro+y@city.example.jp", exclude_user=owner) == [
        "taro+x@city.example.jp"
    ]
    assert addresses_sharing_mailbox("taro@city.example.jp") == ["taro+x@city.example.jp"]
