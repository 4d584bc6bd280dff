from django.conf import settings
from django.http import HttpRequest

from accounts.domains import allowed_domains_label


def site(request: HttpRequest) -> dict[str, object]:
    """What every page needs to know: whether a real model is behind the runs, and
    which e-mail domains can sign in (the sign-in and sign-up pages say so up front)."""
    return {
        "llm_offline": settings.LLM_PROVIDER == "echo",
        "allowed_email_domains": allowed_domains_label(settings.ALLOWED_EMAIL_DOMAINS),
    }
