"""Who must use two-factor authentication (an authenticator app), and on which pages.

Organisers, superusers and admin users (`is_staff`) and the judges of any contest need a
TOTP authenticator before they open organiser pages (/organise/…, /admin/) or judging
pages (/judging/…); with `MFA_REQUIRED_FOR_EVERYONE` everyone signed in needs one on every
page. The pages that set it up or leave stay open to all (accounts/open_pages.py).
"""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.models import User
from accounts.open_pages import is_always_open, site_path

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


def role_pages() -> tuple[str, ...]:
    """Path prefixes of the organiser, admin and judging pages."""
    return tuple(
        site_path(reverse(name)) for name in ("organiser_home", "admin:index", "judging_home")
    )


def needs_authenticator_app(request: HttpRequest) -> bool:
    """True when the signed-in user must set up an authenticator app before this page.

    Cheapest questions first: the path (no query), the user's flags (no query), then
    whether they judge a contest and whether they have an authenticator (a query each).
    """
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    if is_always_open(request):
        return False
    path = request.path_info
    if settings.MFA_REQUIRED_FOR_EVERYONE:
        needed = True
    else:
        needed = path.startswith(role_pages()) and (
            runs_the_site(user) or is_judge_for_request(request)
        )
    return needed and not has_authenticator_app(user)
