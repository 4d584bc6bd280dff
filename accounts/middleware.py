import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from accounts.mfa import needs_authenticator_app
from accounts.profile import needs_profile


def _send_to(request: HttpRequest, url: str) -> HttpResponse:
    if request.headers.get("HX-Request") == "true":
        # A fragment swap would put the whole page inside the current one.
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _page_in_progress(request: HttpRequest) -> str | None:
    """The page to come back to after a step: the one asked for, or for an htmx request
    the page it was made from. Nothing for a form post, which cannot be replayed."""
    if request.headers.get("HX-Request") == "true":
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        if not current.path:
            return None
        return current.path + (f"?{current.query}" if current.query else "")
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    return None


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


class ProfileRequiredMiddleware:
    """Sends a signed-in person without a display name or department to the profile page
    (accounts/profile.py), and back to the page they were going to once it is saved.

    It runs before MFARequiredMiddleware: the profile is asked first, on any page, and
    keeps the page the person was going to; an organiser or judge then meets the
    two-factor set-up on that page. Both skip the same open pages
    (accounts/open_pages.py), so neither step can block the other.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not needs_profile(request):
            return self.get_response(request)
        url = reverse("profile")
        coming_back_to = _page_in_progress(request)
        if coming_back_to:
            url += "?" + urlencode({"next": coming_back_to})
        return _send_to(request, url)


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
        return _send_to(request, reverse("mfa_activate_totp"))
