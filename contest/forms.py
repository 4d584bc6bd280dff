"""The entry form: every rule explained in words a member of staff can act on."""

from typing import Any
from uuid import UUID, uuid4

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from accounts.models import User
from contest import images, pending_images, rules
from contest.models import Category, Contest, Entry
from contest.pending_images import KeptImage
from contest.rules import FIELD_LABELS, MAX_MINUTES

ACTION_DRAFT = "draft"
ACTION_SUBMIT = "submit"
# "試しに実行": run the text as it stands on the visible sample tasks, store nothing.
ACTION_TRY = "try"


def _normalise_newlines(text: str) -> str:
    # Browsers send CRLF; store LF so lengths and line numbers match what the person sees.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _minutes_field(label: StrOrPromise, help_text: StrOrPromise) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        required=False,
        min_value=0,
        max_value=MAX_MINUTES,
        error_messages={
            "invalid": gettext_lazy("Enter a whole number of minutes, such as 30."),
            "min_value": gettext_lazy(
                "Minutes cannot be negative. Enter 0 or more, or leave the box empty."
            ),
            "max_value": gettext_lazy(
                "Enter at most %(limit_value)s minutes (about a week of working time) for "
                "one use of the task. If a task takes longer, give the time for one typical "
                "piece of it."
            ),
        },
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_MINUTES, "step": 1}),
    )


class EntryForm(forms.Form):
    """Create or edit an entry. Not a ModelForm: nothing is written until a service runs."""

    title = forms.CharField(
        label=FIELD_LABELS["title"],
        max_length=200,
        help_text=gettext_lazy(
            "A short name that says what the prompt does, e.g. “Summarise a notice for "
            "residents in three lines”."
        ),
        error_messages={"required": gettext_lazy("Give your entry a title.")},
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"),
        queryset=Category.objects.none(),
        help_text=gettext_lazy("The kind of work the prompt helps with."),
        error_messages={"required": gettext_lazy("Choose the category that fits best.")},
    )
    purpose = forms.CharField(
        label=FIELD_LABELS["purpose"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "In a sentence or two: which task at work this prompt helps with, and for whom."
        ),
    )
    system_prompt = forms.CharField(
        label=FIELD_LABELS["system_prompt"],
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "class": "prompt", "spellcheck": "false"}),
        help_text=gettext_lazy(
            "Optional. Background the AI should keep in mind for the whole conversation, "
            "such as the role it plays (“You are a public relations officer at a city "
            "hall”) or the tone to use. Leave it empty if you normally type everything in "
            "one message."
        ),
    )
    prompt_template = forms.CharField(
        label=FIELD_LABELS["prompt_template"],
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "class": "prompt", "spellcheck": "false"}),
        help_text=gettext_lazy(
            "What you would type into ChatGPT. Where the text you work on would go (a "
            "notice, a question from a resident, meeting notes…), write {{input}}: for "
            "each sample task of the contest, {{input}} is replaced by that task's text "
            "before the prompt is sent. Some contests offer more placeholders, listed "
            "on this page; write them the same way, with two curly brackets on each side. At most "
            "8,000 characters."
        ),
        error_messages={
            "required": gettext_lazy(
                "Write the prompt itself, with {{input}} where the text to work on goes."
            )
        },
    )
    usage_notes = forms.CharField(
        label=FIELD_LABELS["usage_notes"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Tips for a colleague who wants to reuse your prompt: what to paste in, what to "
            "check in the answer, what it is not good at."
        ),
    )
    minutes_before = _minutes_field(
        gettext_lazy("Minutes the task took without AI"),
        gettext_lazy(
            "Roughly how long one use of this task took you before, in minutes. Optional; "
            "used to show how much time the prompt saves."
        ),
    )
    minutes_after = _minutes_field(
        gettext_lazy("Minutes the task takes with this prompt"),
        gettext_lazy("Roughly how long it takes now, including checking the answer."),
    )
    credit = forms.ChoiceField(
        label=gettext_lazy("Credit in the gallery"),
        choices=Entry.Credit.choices,
        initial=Entry.Credit.NAME,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "How you are named if your prompt is published in the gallery. Judges never "
            "see your name."
        ),
    )
    share_in_gallery = forms.BooleanField(
        label=gettext_lazy("Share this prompt in the gallery even if it does not win"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Colleagues in every department can then find and reuse it."),
    )
    # Last before the confirmation: a body cut off for a too large image (contest.uploads)
    # has lost only the fields sent after it, so every choice above is kept.
    image = forms.FileField(
        label=gettext_lazy("Screenshot"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        help_text=gettext_lazy(
            "A picture of the prompt in use, if it helps. PNG, JPEG or WebP, at most "
            "5 MB. Make sure it shows no personal data. Choosing a new file replaces the "
            "current one."
        ),
    )
    confirm_no_personal_data = forms.BooleanField(
        label=gettext_lazy(
            "I confirm that this entry contains no personal data (names of residents, "
            "addresses, phone numbers, My Number, and so on)."
        ),
        required=False,
        help_text=gettext_lazy(
            "Needed to submit. Your prompt and the sample tasks are sent to an AI model."
        ),
    )
    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        contest: Contest,
        author: User,
        entry: Entry | None = None,
        image_too_large: bool = False,
        **kwargs: Any,
    ) -> None:
        if entry is not None and not kwargs.get("data") and not args:
            kwargs.setdefault("initial", _initial_from(entry))
        super().__init__(*args, **kwargs)
        self.contest = contest
        self.author = author
        self.entry = entry
        self.kept_image: KeptImage | None = None
        self.new_image: images.CleanImage | None = None
        self.image_rejected = False
        # The upload handler stopped reading the image at the size limit: it never arrived.
        self.image_too_large = image_too_large
        self.token = self._form_token()

        categories = contest.categories.all()
        category_field = self.fields["category"]
        assert isinstance(category_field, forms.ModelChoiceField)
        category_field.queryset = categories
        category_field.required = categories.exists() and self.action != ACTION_TRY
        if not categories.exists():
            del self.fields["category"]
        if not contest.allow_gallery_sharing:
            del self.fields["share_in_gallery"]
        if self.action == ACTION_TRY:
            # A try needs only the prompt; the rest is asked for when saving.
            self.fields["title"].required = False
        if self.is_bound:
            self.kept_image = pending_images.pending_image_get(
                author_id=author.pk, form_token=self.token
            )

    def _form_token(self) -> UUID:
        """The posted token, or a fresh one: a missing token only loses double-post care."""
        raw = self.data.get("form_token") if self.is_bound else None
        try:
            token = UUID(str(raw))
        except ValueError:
            token = uuid4()
            if self.is_bound:
                self.data = _with_token(self.data, token)
        if not self.is_bound:
            self.initial["form_token"] = token
        return token

    @property
    def action(self) -> str:
        # Pressing Enter in a text box sends the first button (draft): the safe default.
        posted = self.data.get("action") if self.is_bound else None
        return posted if posted in (ACTION_SUBMIT, ACTION_TRY) else ACTION_DRAFT

    # --- Fields ---------------------------------------------------------------------------

    def _clean_text(self, name: str) -> str:
        return _normalise_newlines(self.cleaned_data.get(name) or "")

    def clean_title(self) -> str:
        return self._clean_text("title")

    def clean_purpose(self) -> str:
        return self._clean_text("purpose")

    def clean_system_prompt(self) -> str:
        text = self._clean_text("system_prompt")
        rules.validate_prompt_length(text)
        return text

    def clean_prompt_template(self) -> str:
        text = self._clean_text("prompt_template")
        rules.validate_prompt_length(text)
        return text

    def clean_usage_notes(self) -> str:
        return self._clean_text("usage_notes")

    def clean_image(self) -> Any:
        upload = self.cleaned_data.get("image")
        try:
            if self.image_too_large:
                raise images.upload_too_large_error()
            if not upload:
                return self.kept_image
            self.new_image = images.clean_image(upload)
        except ValidationError as error:
            self.image_rejected = True
            raise ValidationError(
                [*error.messages, _("Please choose the image again.")], code="image"
            ) from error
        return self.new_image

    # --- The whole form -------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        reason = rules.contest_closed_reason(self.contest)
        if reason:
            self.add_error(None, ValidationError(reason, code="contest_closed"))
        if self.entry is not None and self.entry.status == Entry.Status.WITHDRAWN:
            self.add_error(None, _("This entry was withdrawn, so it can no longer be changed."))
        if self.entry is None and not reason and self.action != ACTION_TRY:
            try:
                rules.entry_check_limit(contest=self.contest, author=self.author)
            except rules.EntryLimitError as error:
                self.add_error(None, error)
        texts = {name: cleaned[name] for name in Entry.TEXT_FIELDS if name in cleaned}
        if "prompt_template" in cleaned and "system_prompt" in cleaned:
            problems = rules.entry_text_errors(contest=self.contest, texts=texts)
        else:
            # A prompt that failed already (too long, empty): still report personal data.
            found = rules.personal_data_errors(
                {f: texts[f] for f in Entry.TEXT_FIELDS if f in texts}
            )
            problems = ValidationError(found) if found else None
        if problems:
            self.add_error(None, problems)
        if self.action == ACTION_SUBMIT and not cleaned.get("confirm_no_personal_data"):
            self.add_error(
                "confirm_no_personal_data",
                ValidationError(
                    _(
                        "Tick this box to submit: check once more that the entry contains "
                        "no personal data. (To keep working on it later, press “Save as "
                        "draft” instead.)"
                    ),
                    code="confirm_required",
                ),
            )
        return cleaned

    def fields_with_errors(self) -> list[forms.BoundField]:
        """For the summary at the top of a long form: links to each field to correct."""
        return [field for field in self.visible_fields() if field.errors]

    def entry_data(self) -> dict[str, Any]:
        """What the services store: the model fields and the checked image, if any."""
        data = {
            name: value for name, value in self.cleaned_data.items() if name in Entry.FORM_FIELDS
        }
        data["image"] = self.cleaned_data.get("image")
        return data

    def keep_image_for_next_post(self) -> None:
        """After a failed post: keep an image that passed, drop one that was replaced badly."""
        if self.new_image is not None:
            pending_images.pending_image_save(
                author_id=self.author.pk, form_token=self.token, image=self.new_image
            )
            self.kept_image = pending_images.pending_image_get(
                author_id=self.author.pk, form_token=self.token
            )
        elif self.image_rejected and self.kept_image is not None:
            pending_images.pending_image_delete(author_id=self.author.pk, form_token=self.token)
            self.kept_image = None


def _with_token(data: Any, token: UUID) -> Any:
    # QueryDicts are immutable; a copy takes the fresh token.
    data = data.copy()
    data["form_token"] = str(token)
    return data


def _initial_from(entry: Entry) -> dict[str, Any]:
    initial = {name: getattr(entry, name) for name in Entry.FORM_FIELDS}
    initial["category"] = entry.category_id
    return initial
