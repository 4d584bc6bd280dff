from __future__ import annotations

from typing import Any

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.adapter import AccountAdapter
from accounts.models import User
from accounts.profile import departments_defined


class ProfileForm(forms.ModelForm[User]):
    """Name and department are required (accounts/profile.py says why); the department
    only when the organisation has defined departments."""

    class Meta:
        model = User
        fields = ["display_name", "department", "preferred_language"]
        widgets = {"display_name": forms.TextInput(attrs={"autocomplete": "name"})}
        help_texts = {
            "display_name": _("How your name is shown to other staff on this site."),
            "department": _(
                "Judges never score entries from their own department, and the gallery can "
                "credit a winning prompt to your department."
            ),
            "preferred_language": _("The site is shown in this language when you sign in."),
        }
        error_messages = {
            "display_name": {"required": _("Enter the name other staff know you by.")},
            "department": {"required": _("Choose the department you work in.")},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True
        department = self.fields["department"]
        assert isinstance(department, forms.ModelChoiceField)
        department.required = departments_defined()
        department.empty_label = _("Choose your department")


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
