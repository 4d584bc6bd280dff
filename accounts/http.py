"""The requests our views receive, typed once.

django-htmx adds `htmx` to every request; `login_required` (and the role decorators built
on it) guarantee a signed-in `User`. A view annotates its request with the narrowest one.
"""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """What a view behind `login_required` receives: the person is signed in."""

    user: User
