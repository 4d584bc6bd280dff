"""The pages a signed-in person can always reach, whatever step their account still needs.

Two middlewares send people somewhere first: the profile step (accounts/profile.py: name
and department) and two-factor set-up (accounts/mfa.py). Neither may stop someone from
taking the other step, signing out or switching language, so both skip the same pages:
allauth's account and two-factor pages and the profile (one folder, /accounts/), sign-out,
the language switch, /healthz, static and media files. Paths are compared as
`request.path_info` sees them, without the prefix the site may be mounted at.
"""

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse


def site_path(url: str) -> str:
    """A URL as `request.path_info` sees it: without the prefix the site is mounted at."""
    return "/" + url.removeprefix(get_script_prefix()).lstrip("/")


def _top_folder(url: str) -> str:
    """`/accounts/2fa/` -> `/accounts/`."""
    return "/" + site_path(url).lstrip("/").split("/", 1)[0] + "/"


def always_open_pages() -> tuple[str, ...]:
    """Path prefixes every signed-in person reaches, whatever their account still needs."""
    return (
        # allauth's pages (sign-in and sign-out, password, e-mail, two-factor set-up)
        # and the profile share one folder; each is named in case one moves.
        _top_folder(reverse("account_logout")),
        _top_folder(reverse("mfa_index")),
        _top_folder(reverse("profile")),
        _top_folder(reverse("set_language")),
        site_path(reverse("healthz")),
        site_path(reverse("admin:logout")),
        site_path(settings.STATIC_URL or "/static/"),
        site_path(settings.MEDIA_URL or "/media/"),
    )


def is_always_open(request: HttpRequest) -> bool:
    return request.path_info.startswith(always_open_pages())
