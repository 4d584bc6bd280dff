"""Sign-in rate limits behind a reverse proxy (DJANGO_BEHIND_PROXY).

allauth counts sign-ins and failures per client address. Behind a proxy every request
comes from the proxy's address, so without the setting one person's typos lock everyone
out, and the organisation as a whole gets allauth's 30 sign-ins a minute.
"""

from django.test import Client
from pytest_django import Settings

from accounts.models import User
from tests import factories
from tests.accounts.helpers import Response, is_signed_in, sign_in

PROXY = "10.0.0.1"


def _behind_the_proxy(forwarded_for: str) -> Client:
    """A browser whose requests reach Django through the proxy, which appends the
    address it saw to X-Forwarded-For."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


def _signed_in_from(user: User, address: str) -> Client:
    client = _behind_the_proxy(address)
    sign_in(client, user.email)
    return client


def _refused_for_too_many_attempts(response: Response) -> bool:
    form = response.context["form"] if response.context else None
    return bool(
        form is not None
        and any(e.code == "too_many_login_attempts" for e in form.non_field_errors().as_data())
    )


def _lock_out(client: Client) -> None:
    # allauth's "login_failed" limit: 10 failures a minute per client address (different
    # addresses typed, so the per-address limit of 5 is not what stops it).
    for n in range(10):
        assert not _refused_for_too_many_attempts(
            sign_in(client, f"nobody{n}@city.example.jp", "guess")
        )
    assert _refused_for_too_many_attempts(sign_in(client, "nobody@city.example.jp", "guess"))


def test_one_person_locking_themselves_out_does_not_lock_out_the_next(
    settings: Settings, staff: User
) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    careless, colleague = _behind_the_proxy("192.0.2.10"), _behind_the_proxy("192.0.2.20")

    _lock_out(careless)
    sign_in(colleague, staff.email)

    assert is_signed_in(colleague)
    assert _refused_for_too_many_attempts(sign_in(careless, staff.email))


def test_without_the_setting_everyone_behind_the_proxy_shares_one_limit(
    settings: Settings, staff: User
) -> None:
    # What the setting fixes: the proxy's address is all allauth sees.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    careless, colleague = _behind_the_proxy("192.0.2.10"), _behind_the_proxy("192.0.2.20")

    _lock_out(careless)
    response = sign_in(colleague, staff.email)

    assert _refused_for_too_many_attempts(response)
    assert not is_signed_in(colleague)


def test_without_the_setting_a_forged_forwarded_address_is_ignored(
    settings: Settings, staff: User
) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    attacker = Client(REMOTE_ADDR="198.51.100.7")

    for n in range(10):
        attacker.defaults["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{n}"  # a new "address" each time
        sign_in(attacker, f"nobody{n}@city.example.jp", "guess")
    attacker.defaults["HTTP_X_FORWARDED_FOR"] = "203.0.113.99"

    assert _refused_for_too_many_attempts(sign_in(attacker, staff.email))


def test_behind_the_proxy_only_the_proxys_own_entry_counts(settings: Settings, staff: User) -> None:
    # The proxy appends what it saw; anything a client put in front of that is theirs to
    # forge, so rotating it does not get round the limit.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    attacker = _behind_the_proxy("192.0.2.66")

    for n in range(10):
        attacker.defaults["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{n}, 192.0.2.66"
        sign_in(attacker, f"nobody{n}@city.example.jp", "guess")

    assert _refused_for_too_many_attempts(sign_in(attacker, staff.email))
    assert is_signed_in(_signed_in_from(staff, "192.0.2.67"))


def test_many_staff_signing_in_through_the_proxy_at_once_are_all_let_in(
    settings: Settings, db: None
) -> None:
    # allauth allows 30 sign-ins a minute per address: the whole organisation, without
    # the setting (the morning rush on the load test: 32 of 60 refused).
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    staff = [factories.make_user() for _ in range(35)]

    signed_in = [
        is_signed_in(_signed_in_from(user, f"192.0.2.{n}")) for n, user in enumerate(staff)
    ]

    assert all(signed_in)


def test_many_staff_without_the_setting_hit_the_shared_limit(settings: Settings, db: None) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    staff = [factories.make_user() for _ in range(35)]

    signed_in = [
        is_signed_in(_signed_in_from(user, f"192.0.2.{n}")) for n, user in enumerate(staff)
    ]

    assert signed_in.count(False) == 5
