from functools import partial

from django.conf import settings
from django.http import HttpRequest

from accounts.domains import allowed_domains_label
from accounts.mfa import is_judge_for_request
from accounts.models import User


def _judges(request: HttpRequest) -> bool:
    user = request.user
    return isinstance(user, User) and user.is_authenticated and is_judge_for_request(request)


def site(request: HttpRequest) -> dict[str, object]:
    """What every page needs to know: whether a real model is behind the runs, which
    e-mail domains can sign in (the sign-in and sign-up pages say so up front), and
    whether to show the Judging link.

    `shows_judging` is a callable: the template asks it only when it draws the link, and
    the answer (one query) is kept on the request, shared with the two-factor rule.
    """
    return {
        "llm_offline": settings.LLM_PROVIDER == "echo",
        "allowed_email_domains": allowed_domains_label(settings.ALLOWED_EMAIL_DOMAINS),
        "shows_judging": partial(_judges, request),
    }
