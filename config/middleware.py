"""Response headers every page gets."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """`{"camera": [], "clipboard-write": ["self"]}` -> `camera=(), clipboard-write=(self)`."""
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in policy.items())


class PrivacyHeadersMiddleware:
    """`Permissions-Policy` on every response, and `Cache-Control: private, no-store` on
    what a signed-in person is shown, so no shared or browser cache keeps their pages.

    A response that set its own Cache-Control (an entry's image, /healthz) keeps it;
    anonymous pages are left to the defaults. Static files never get here: WhiteNoise
    answers them earlier in the chain.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.permissions_policy = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.permissions_policy)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.setdefault("Cache-Control", "private, no-store")
        return response
