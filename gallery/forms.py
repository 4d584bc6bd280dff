from django import forms
from django.utils.translation import gettext_lazy as _

from gallery.services import MAX_REASON_CHARS


class UseForm(forms.Form):
    minutes_saved = forms.IntegerField(
        label=_("Minutes it saved you (optional)"),
        required=False,
        min_value=0,
        max_value=24 * 60,
    )


class UnpublishForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it unpublished?"),
        max_length=MAX_REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
