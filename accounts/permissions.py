"""Role checks shared by every app's views."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts.models import User

View = Callable[..., HttpResponse]


def is_organiser(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and (user.is_organiser or user.is_superuser))


def organiser_required(view: View) -> View:
    """Only organisers; anyone else signed in gets 403, anonymous users the sign-in page."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_organiser(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
