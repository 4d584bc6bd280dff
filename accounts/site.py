"""The site's own name and address, as settings give them (SITE_NAME, SITE_URL).

Links in e-mails must open for the person reading them, whatever host the request that
sent them came through (behind a proxy that is 127.0.0.1:8000), so they are built here
from SITE_URL and never from the request.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import get_script_prefix


def site_name() -> str:
    """SITE_NAME as set, or 「プロンプトコンテスト」 / "Prompt Contest" in the active language."""
    return str(settings.SITE_NAME)


def site_link(url: str) -> str:
    """The same page on SITE_URL: `http://127.0.0.1:8000/accounts/password/reset/key/x/`
    -> `https://contest.city.example.jp/accounts/password/reset/key/x/`.

    `url` may be absolute or a path; its host is dropped, and so is the prefix the site is
    mounted at, which SITE_URL already ends with (`https://city.example.jp/contest`).
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    mounted_at = get_script_prefix().rstrip("/")
    if mounted_at and path.startswith(mounted_at + "/"):
        path = path.removeprefix(mounted_at)
    query = f"?{parts.query}" if parts.query else ""
    return f"{settings.SITE_URL}{path}{query}"


@dataclass(frozen=True)
class SiteIdentity:
    """What allauth's e-mail templates read as `current_site` (`name`, `domain`)."""

    name: str
    domain: str


def site_identity() -> SiteIdentity:
    return SiteIdentity(name=site_name(), domain=urlsplit(settings.SITE_URL).netloc)
