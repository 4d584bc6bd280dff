from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.domains import allowed_domains_label, is_allowed_email, mailbox_identity
from accounts.mfa import must_keep_mfa
from accounts.models import User
from accounts.site import site_identity, site_link, site_name


def addresses_sharing_mailbox(email: str, *, exclude_user: User | None = None) -> list[str]:
    """Registered addresses, other than `email` itself, that reach the same mailbox.

    The database narrows to addresses that start with the same name at the same domain
    (`taro…@city.example.jp`); `mailbox_identity` decides. Both allauth's address book and
    `User.email` are asked, since an account made in the admin may have only the latter.
    """
    identity = mailbox_identity(email)
    name, _at, domain = identity.rpartition("@")
    if not name:
        return []
    lookups = {"email__istartswith": name, "email__iendswith": "@" + domain}
    addresses = EmailAddress.objects.filter(**lookups)
    users = User.objects.filter(**lookups)
    if exclude_user is not None:
        addresses = addresses.exclude(user=exclude_user)
        users = users.exclude(pk=exclude_user.pk)
    found = {*addresses.values_list("email", flat=True), *users.values_list("email", flat=True)}
    return sorted(
        other
        for other in found
        if mailbox_identity(other) == identity and other.casefold() != email.strip().casefold()
    )


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no types
    """Only the organisation's own e-mail domains can be used, one account per mailbox.

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

    def validate_unique_email(self, email: str) -> str:
        """Sign-up: `taro+x@` is refused when `taro@` has an account, and the other way round.

        The exact address already taken stays allauth's case (it mails the owner instead
        of saying the address exists); a `+tag` variant is refused here, by name.
        """
        email = super().validate_unique_email(email)
        self.refuse_shared_mailbox(email)
        return email

    def refuse_shared_mailbox(self, email: str, *, user: User | None = None) -> None:
        """Raise when another account's address reaches the same mailbox as `email`."""
        if addresses_sharing_mailbox(email, exclude_user=user):
            raise ValidationError(
                _(
                    "This address reaches the same mailbox as an address that already has "
                    "an account here (a “+…” before the @ does not make a new mailbox). "
                    "Please sign in to that account; if you have forgotten its password, "
                    "reset it."
                ),
                code="mailbox_taken",
            )

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    # --- E-mails: the site's name and address from settings, never from the request ---

    def format_email_subject(self, subject: str) -> str:
        return f"[{site_name()}] {subject}"

    def get_email_confirmation_url(
        self, request: HttpRequest | None, emailconfirmation: EmailConfirmation
    ) -> str:
        return site_link(super().get_email_confirmation_url(request, emailconfirmation))

    def get_reset_password_from_key_url(self, key: str) -> str:
        return site_link(super().get_reset_password_from_key_url(key))

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Every e-mail: `site_name`, `site_url` and a `current_site` made of them.

        The links allauth builds without a hook (sign-up and password reset in the "account
        already exists" and "unknown account" mails) are moved onto SITE_URL here too.
        """
        context = {
            **context,
            **{
                name: site_link(value)
                for name, value in context.items()
                if name.endswith("_url") and isinstance(value, str)
            },
            "current_site": site_identity(),
            "site_name": site_name(),
            "site_url": site_link("/"),
        }
        super().send_mail(template_prefix, email, context)


class MFAAdapter(DefaultMFAAdapter):  # type: ignore[misc]  # allauth ships no types
    """Those who must use an authenticator app (accounts/mfa.py) cannot turn it off."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": gettext_lazy(
            "Your role requires two-factor authentication, so it cannot be turned off."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type != Authenticator.Type.TOTP:
            return True
        user = authenticator.user
        assert isinstance(user, User)
        return not must_keep_mfa(user)
