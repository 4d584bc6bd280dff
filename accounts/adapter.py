from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.domains import is_allowed_email


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is open only to the organisation's own e-mail domains."""

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        allowed = settings.ALLOWED_EMAIL_DOMAINS
        if not is_allowed_email(email, allowed):
            raise ValidationError(
                _("Only addresses at %(domains)s can sign up. Use your work e-mail address.")
                % {"domains": ", ".join("@" + d for d in allowed)}
            )
        return email

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True
