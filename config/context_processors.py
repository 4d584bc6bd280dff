from functools import partial

from django.conf import settings
from django.http import HttpRequest

from accounts.domains import allowed_domains_label
from accounts.mfa import is_judge_for_request
from accounts.models import User
from contest.runs.llm import real_provider_configured


def _judges(request: HttpRequest) -> bool:
    user = request.user
    return isinstance(user, User) and user.is_authenticated and is_judge_for_request(request)


def site(request: HttpRequest) -> dict[str, object]:
    """What every page needs to know: whether any real model can be called at all (a
    contest page adds its own note when that contest runs offline), which e-mail domains
    can sign in (the sign-in and sign-up pages say so up front), and whether to show the
    Judging link; and whether the gallery is open to readers who are not signed in.

    `shows_judging` is a callable: the template asks it only when it draws the link, and
    the answer (one query) is kept on the request, shared with the two-factor rule.
    """
    return {
        "llm_offline": not real_provider_configured(),
        "allowed_email_domains": allowed_domains_label(settings.ALLOWED_EMAIL_DOMAINS),
        "shows_judging": partial(_judges, request),
        "gallery_public": settings.GALLERY_PUBLIC,
    }
