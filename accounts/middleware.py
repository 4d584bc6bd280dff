import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from accounts.mfa import needs_authenticator_app


class PreferredLanguageMiddleware:
    """A signed-in user sees their preferred language unless they chose one in this browser.

    Runs after LocaleMiddleware (which read the cookie or Accept-Language) and after
    AuthenticationMiddleware (which knows the user).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            language = getattr(user, "preferred_language", "")
            if language in dict(settings.LANGUAGES):
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class IdleSessionMiddleware:
    """A signed-in session ends SESSION_IDLE_MINUTES after the person's last request.

    The session's expiry (database row and cookie) is pushed SESSION_COOKIE_AGE ahead
    whenever the session is saved. Saving on every request (SESSION_SAVE_EVERY_REQUEST)
    would add a database write to every page and every htmx poll; this saves only when the
    last refresh is older than a tenth of the limit (at most a minute), so a person is
    signed out between 90 % and 100 % of the limit after their last request.
    """

    SESSION_KEY = "_idle_refreshed_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            every = min(60, settings.SESSION_COOKIE_AGE // 10)
            if time.time() - float(request.session.get(self.SESSION_KEY, 0)) >= every:
                self.stamp(request)
        return self.get_response(request)

    @classmethod
    def stamp(cls, request: HttpRequest) -> None:
        """Marks the session modified: it is saved, and its expiry pushed, at the response."""
        request.session[cls.SESSION_KEY] = int(time.time())


class MFARequiredMiddleware:
    """Sends those who must use an authenticator app to its set-up page first (see
    accounts/mfa.py for who and where), with a message saying why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not needs_authenticator_app(request):
            return self.get_response(request)
        if settings.MFA_REQUIRED_FOR_EVERYONE:
            reason = _(
                "This site asks everyone to use two-factor authentication. Set up an "
                "authenticator app to continue; it takes a couple of minutes."
            )
        else:
            reason = _(
                "Organisers and judges must use two-factor authentication before opening "
                "these pages. Set up an authenticator app to continue; it takes a couple "
                "of minutes."
            )
        messages.warning(request, reason)
        setup = reverse("mfa_activate_totp")
        if request.headers.get("HX-Request") == "true":
            # A fragment swap would put the whole set-up page inside the current one.
            return HttpResponseClientRedirect(setup)
        return redirect(setup)
