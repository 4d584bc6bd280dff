from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.domains import allowed_domains_label, is_allowed_email


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no types
    """Only the organisation's own e-mail domains can be used.

    allauth calls `clean_email` for sign-up, for an address added on the e-mail page
    and for a password reset request, so one rule covers every way in.
    """

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        allowed = settings.ALLOWED_EMAIL_DOMAINS
        if not is_allowed_email(email, allowed):
            raise ValidationError(
                _(
                    "Only addresses at %(domains)s can be used. "
                    "Please enter your work e-mail address."
                )
                % {"domains": allowed_domains_label(allowed)},
                code="email_domain_not_allowed",
            )
        return email

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True
