"""Receivers of Django's authentication signals."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.middleware import IdleSessionMiddleware


@receiver(user_logged_in)
def start_the_idle_clock(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """Signing in saves the session anyway; stamping it now spares the first request after
    it a second write (see IdleSessionMiddleware)."""
    if request is not None and hasattr(request, "session"):
        IdleSessionMiddleware.stamp(request)
