from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts.forms import ProfileForm
from accounts.http import AuthenticatedHttpRequest
from accounts.profile import missing_profile_fields


def _remember_language(response: HttpResponse, language: str) -> None:
    """The same cookie Django's set_language view writes, so the header switcher agrees."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def _next_page(request: AuthenticatedHttpRequest) -> str:
    """Where the profile step was interrupting the person, when it is one of our pages."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if allowed else ""


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Asked before the form binds: an invalid post changes the user object in memory.
    completing = bool(missing_profile_fields(request.user))
    next_page = _next_page(request)
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # The confirmation is shown on the next page, so say it in the language chosen.
        with translation.override(user.preferred_language):
            messages.success(request, _("Your profile was saved."))
        response = redirect(next_page or ("home" if completing else "profile"))
        _remember_language(response, user.preferred_language)
        return response
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "completing": completing, "next_page": next_page},
    )
