from django.conf import settings
from django.http import HttpRequest

from accounts.domains import allowed_domains_label
from contest.runs.llm import real_provider_configured


def site(request: HttpRequest) -> dict[str, object]:
    """What every page needs to know: whether any real model can be called at all (a
    contest page adds its own note when that contest runs offline), and which e-mail
    domains can sign in (the sign-in and sign-up pages say so up front)."""
    return {
        "llm_offline": not real_provider_configured(),
        "allowed_email_domains": allowed_domains_label(settings.ALLOWED_EMAIL_DOMAINS),
    }
