from __future__ import annotations

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.adapter import AccountAdapter
from accounts.models import User


class ProfileForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ["display_name", "department", "preferred_language"]
        widgets = {"display_name": forms.TextInput(attrs={"autocomplete": "name"})}
        help_texts = {
            "display_name": _("How your name is shown to other staff on this site."),
            "preferred_language": _("The site is shown in this language when you sign in."),
        }


class AddEmailForm(allauth_forms.AddEmailForm):  # type: ignore[misc]  # allauth ships no types
    """allauth's form for adding an address, with one account per mailbox
    (`taro+x@` is refused when someone else's account has `taro@`)."""

    def clean_email(self) -> str:
        email: str = super().clean_email()
        adapter = get_adapter()
        assert isinstance(adapter, AccountAdapter)
        assert isinstance(self.user, User)
        adapter.refuse_shared_mailbox(email, user=self.user)
        return email
