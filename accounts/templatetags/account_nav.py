"""The sub-navigation shared by the profile page and allauth's account pages."""

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

register = template.Library()

# (label, url name, url names that belong to the section).
_SECTIONS: list[tuple[Any, str, tuple[str, ...]]] = [
    (_("Profile"), "profile", ("profile",)),
    (_("Password"), "account_change_password", ("account_change_password", "account_set_password")),
    (_("E-mail addresses"), "account_email", ("account_email", "account_change_email")),
    (_("Two-factor authentication"), "mfa_index", ("mfa_",)),
]


def _is_current(url_name: str, members: tuple[str, ...]) -> bool:
    return any(url_name == m or (m.endswith("_") and url_name.startswith(m)) for m in members)


@register.simple_tag(takes_context=True)
def account_nav_items(context: template.Context) -> list[dict[str, Any]]:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    url_name = (match.url_name if match else None) or ""
    return [
        {"label": label, "url": reverse(name), "current": _is_current(url_name, members)}
        for label, name, members in _SECTIONS
    ]
