"""A signed-in session ends SESSION_IDLE_MINUTES after the last request, and each request
that comes after a pause pushes the end further (accounts.middleware.IdleSessionMiddleware)."""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import IdleSessionMiddleware
from accounts.models import User
from tests.accounts.helpers import is_signed_in, sign_in

STAMP = IdleSessionMiddleware.SESSION_KEY


def _session_row(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def _as_if_last_seen(client: Client, minutes_ago: float) -> None:
    """The state a session is in when its last refresh was `minutes_ago` minutes back."""
    session = client.session
    session[STAMP] = int(time.time() - minutes_ago * 60)
    session.save()
    remaining = settings.SESSION_COOKIE_AGE - minutes_ago * 60
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timedelta(seconds=remaining)
    )


def test_the_idle_limit_is_the_session_age() -> None:
    assert settings.SESSION_IDLE_MINUTES == 60
    assert settings.SESSION_COOKIE_AGE == 60 * 60


def test_signing_in_starts_the_idle_clock(client: Client, staff: User) -> None:
    sign_in(client, staff.email)

    assert abs(client.session[STAMP] - time.time()) < 5


def test_a_request_after_a_pause_pushes_the_end_of_the_session_back(
    client: Client, staff: User
) -> None:
    sign_in(client, staff.email)
    _as_if_last_seen(client, minutes_ago=50)

    client.get(reverse("contest_list"))

    left = _session_row(client).expire_date - timezone.now()
    assert timedelta(minutes=59) < left <= timedelta(minutes=60)


def test_requests_close_together_do_not_write_the_session_each_time(
    client: Client, staff: User
) -> None:
    sign_in(client, staff.email)
    client.get(reverse("contest_list"))
    before = _session_row(client).expire_date

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("contest_list"))

    assert _session_row(client).expire_date == before
    assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]


def test_a_session_left_idle_past_the_limit_is_signed_out(client: Client, staff: User) -> None:
    sign_in(client, staff.email)
    _as_if_last_seen(client, minutes_ago=61)

    response = client.get(reverse("contest_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not is_signed_in(client)


def test_anonymous_visitors_get_no_session_from_it(client: Client, db: None) -> None:
    client.get("/")

    assert settings.SESSION_COOKIE_NAME not in client.cookies
