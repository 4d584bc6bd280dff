"""Who must use two-factor authentication (an authenticator app), and on which pages.

Organisers, superusers and admin users (`is_staff`) and the judges of any contest need a
TOTP authenticator before they open organiser pages (/organise/…, /admin/) or judging
pages (/judging/…); with `MFA_REQUIRED_FOR_EVERYONE` everyone signed in needs one on every
page. The pages that set it up or leave stay open to all: account and two-factor pages,
sign-out, the language switch, static and media files, and /healthz.
"""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse

from accounts.models import User

_JUDGE_ON_REQUEST = "_accounts_is_judge"


def has_authenticator_app(user: User) -> bool:
    return bool(Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists())


def runs_the_site(user: User) -> bool:
    """Organisers and anyone the admin lets in: no query, the flags are on the user."""
    return bool(user.is_organiser or user.is_superuser or user.is_staff)


def is_judge(user: User) -> bool:
    return user.judged_contests.exists()


def is_judge_for_request(request: HttpRequest) -> bool:
    """`is_judge` for the signed-in user, asked at most once per request."""
    cached = getattr(request, _JUDGE_ON_REQUEST, None)
    if cached is None:
        assert isinstance(request.user, User)
        cached = is_judge(request.user)
        setattr(request, _JUDGE_ON_REQUEST, cached)
    return bool(cached)


def must_keep_mfa(user: User) -> bool:
    """Whether this user may not turn their authenticator app off."""
    return settings.MFA_REQUIRED_FOR_EVERYONE or runs_the_site(user) or is_judge(user)


def _site_path(url: str) -> str:
    """A URL as `request.path_info` sees it: without the prefix the site is mounted at."""
    return "/" + url.removeprefix(get_script_prefix()).lstrip("/")


def _top_folder(url: str) -> str:
    """`/accounts/2fa/` -> `/accounts/`."""
    return "/" + _site_path(url).lstrip("/").split("/", 1)[0] + "/"


def role_pages() -> tuple[str, ...]:
    """Path prefixes of the organiser, admin and judging pages."""
    return tuple(
        _site_path(reverse(name)) for name in ("organiser_home", "admin:index", "judging_home")
    )


def always_open_pages() -> tuple[str, ...]:
    """Path prefixes reachable without an authenticator app, whatever the rule."""
    return (
        # allauth's pages (sign-in and sign-out, password, e-mail, two-factor set-up)
        # and the profile share one folder; each is named in case one moves.
        _top_folder(reverse("account_logout")),
        _top_folder(reverse("mfa_index")),
        _top_folder(reverse("profile")),
        _top_folder(reverse("set_language")),
        _site_path(reverse("healthz")),
        _site_path(reverse("admin:logout")),
        _site_path(settings.STATIC_URL or "/static/"),
        _site_path(settings.MEDIA_URL or "/media/"),
    )


def needs_authenticator_app(request: HttpRequest) -> bool:
    """True when the signed-in user must set up an authenticator app before this page.

    Cheapest questions first: the path (no query), the user's flags (no query), then
    whether they judge a contest and whether they have an authenticator (a query each).
    """
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    path = request.path_info
    if path.startswith(always_open_pages()):
        return False
    if settings.MFA_REQUIRED_FOR_EVERYONE:
        needed = True
    else:
        needed = path.startswith(role_pages()) and (
            runs_the_site(user) or is_judge_for_request(request)
        )
    return needed and not has_authenticator_app(user)
