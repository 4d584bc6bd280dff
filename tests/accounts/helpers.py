"""Sign in and read mail the way a member of staff would: through allauth's real views."""

import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests import factories

# What the test client returns: a response with .context, .templates and .json().
if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response
else:
    from django.http import HttpResponse as Response


def sign_in(client: Client, email: str, password: str = factories.PASSWORD) -> Response:
    return client.post(reverse("account_login"), {"login": email, "password": password})


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def link_in_last_mail(path_prefix: str) -> str:
    """The path of the first link in the newest e-mail that starts with `path_prefix`.

    E-mails link to SITE_URL, never to the host the request came through."""
    body = str(mail.outbox[-1].body)
    found = re.search(re.escape(settings.SITE_URL) + "(" + re.escape(path_prefix) + r"\S+)", body)
    assert found, f"no {path_prefix} link in:\n{body}"
    return found.group(1)
