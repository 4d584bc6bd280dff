"""Forms for organisers: contest settings, a sample task, a CSV of sample tasks.

Each field explains itself; times are typed and shown in Japan time.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from contest.models import Contest, SampleTask
from contest.organise.rules import (
    default_yen_budget,
    format_variables_text,
    model_settings_editable,
    parse_categories_text,
    parse_variables_text,
)
from contest.organise.task_csv import MAX_BYTES, MAX_ROWS
from contest.runs.checks import format_checks_text, parse_checks_text

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
JUDGE_CHOICES_LIMIT = 50


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


class JudgeChoiceField(forms.ModelMultipleChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        department = f" — {obj.department}" if obj.department_id else ""
        return f"{obj.label} <{obj.email}>{department}"


class ContestForm(forms.ModelForm[Contest]):
    categories = forms.CharField(
        label=_("Categories"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line, or separated by commas. Entrants choose one for their entry. "
            "A category some entries already use cannot be removed."
        ),
    )
    judges = JudgeChoiceField(
        label=_("Judges"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick the members of staff who score the entries."),
    )
    judge_search = forms.CharField(
        label=_("Find staff by e-mail or name"),
        required=False,
        help_text=_("Type part of an e-mail address or name and press “Search”."),
    )

    class Meta:
        model = Contest
        fields = [
            "title",
            "slug",
            "description",
            "opens_at",
            "closes_at",
            "max_entries_per_person",
            "categories",
            "model_provider",
            "model_name",
            "temperature",
            "max_tokens",
            "samples_per_task",
            "judges",
            "judges_per_entry",
            "recuse_same_department",
            "allow_gallery_sharing",
            "token_budget",
            "yen_budget",
        ]
        widgets = {
            "opens_at": _datetime_input(),
            "closes_at": _datetime_input(),
            "description": forms.Textarea(attrs={"rows": 8}),
        }
        help_texts = {
            "title": _("Shown to every member of staff, e.g. “FY2025 staff prompt contest”."),
            "slug": _(
                "The short name in the contest's web address: lower-case letters, digits and "
                "hyphens, e.g. 2025-spring. It can be changed only while the contest is a draft."
            ),
            "description": _(
                "What the contest is for, who may enter, and the rules. Shown on the contest page."
            ),
            "opens_at": _("Japan time. Entries are accepted from this moment once you open it."),
            "closes_at": _("Japan time. No entry can be submitted or revised after this."),
            "max_entries_per_person": _("How many entries one member of staff may submit."),
            "model_provider": _(
                "Which AI service runs the entries. “Offline preview” calls no model at all."
            ),
            "model_name": _("The model every entry is run with, e.g. gpt-4o-mini."),
            "temperature": _(
                "0 gives the most consistent answers; higher values vary more (0 to 2). "
                "0.2 suits office documents."
            ),
            "max_tokens": _(
                "The longest answer the model may give, in tokens (about one Japanese "
                "character each)."
            ),
            "samples_per_task": _(
                "How many times each entry is run on each sample task, to see how stable its "
                "answers are (1 to 10). More samples cost more."
            ),
            "judges_per_entry": _("How many judges score each entry."),
            "token_budget": _(
                "Runs stop (and wait) when the contest has used this many tokens. "
                "Empty means no limit."
            ),
            "yen_budget": _(
                "Runs stop (and wait) when the estimated cost reaches this amount. "
                "Empty means no limit."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.searching = False
        self.judge_total = 0
        self.judge_shown = 0
        self.staff = User.objects.filter(is_active=True).select_related("department")
        self.judge_field.queryset = self.staff
        contest = self.instance
        if contest.pk is None:
            self.initial.setdefault("model_provider", settings.LLM_PROVIDER)
            self.initial.setdefault("model_name", settings.LLM_MODEL)
            self.initial.setdefault("yen_budget", default_yen_budget())
        else:
            self.initial.setdefault(
                "categories", "\n".join(c.name for c in contest.categories.all())
            )
            if contest.status != Contest.Status.DRAFT:
                self.fields["slug"].disabled = True
            if not model_settings_editable(contest):
                for name in Contest.MODEL_FIELDS:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _(
                        "Locked: entries have already been run with this setting, and every "
                        "entry must be compared with the same one."
                    )

    @property
    def judge_field(self) -> JudgeChoiceField:
        field = self.fields["judges"]
        assert isinstance(field, JudgeChoiceField)
        return field

    def clean_categories(self) -> list[str]:
        return parse_categories_text(self.cleaned_data.get("categories", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The closing time must be after the opening time."))
        return cleaned

    def limit_judge_choices(self, search: str) -> None:
        """Show the judges already ticked plus the matches, not every member of staff."""
        users = self.staff
        selected = [str(pk) for pk in (self["judges"].value() or [])]
        selected_ids = [int(pk) for pk in selected if pk.isdigit()]
        matches = users.filter(Q(email__icontains=search) | Q(display_name__icontains=search))
        match_ids = list(
            matches.order_by("email").values_list("pk", flat=True)[:JUDGE_CHOICES_LIMIT]
        )
        self.judge_total = users.count()
        self.judge_shown = len(set(match_ids) | set(selected_ids))
        self.judge_field.queryset = users.filter(pk__in=[*selected_ids, *match_ids]).order_by(
            "email"
        )

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        groups = [
            (_("About the contest"), ["title", "slug", "description", "categories"]),
            (_("Schedule and entries"), ["opens_at", "closes_at", "max_entries_per_person"]),
            (_("AI model"), list(Contest.MODEL_FIELDS)),
            (
                _("Judging"),
                ["judges", "judges_per_entry", "recuse_same_department", "allow_gallery_sharing"],
            ),
            (_("Budget"), ["token_budget", "yen_budget"]),
        ]
        return [(str(legend), [self[name] for name in names]) for legend, names in groups]


class TaskForm(forms.ModelForm[SampleTask]):
    variables = forms.CharField(
        label=_("Extra variables"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line as “name: value”, e.g. “audience: 高齢者”. An entry's prompt uses "
            "them as {{audience}}. Names use letters a–z, digits and _; “input” is "
            "reserved for the input above. For a value over several lines, write one JSON "
            "object instead."
        ),
    )
    checks = forms.CharField(
        label=_("Automatic checks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Optional, one per line, checked on every output: “max_chars: 300” or "
            "“min_chars: 50” (a number of characters), “contains: 期限” or "
            "“not_contains: 速やかに” (a text), “regex: [0-9]+件” (a regular expression), "
            "“is_json” (the output is valid JSON)."
        ),
    )

    field_order = ["title", "input", "variables", "visible_to_entrants", "checks"]

    class Meta:
        model = SampleTask
        fields = ["title", "input", "visible_to_entrants"]
        widgets = {"input": forms.Textarea(attrs={"rows": 10})}
        help_texts = {
            "title": _("A short name judges and entrants see, e.g. 住民向け通知の要約."),
            "input": _(
                "The real text every entry is run on: a notice, a question, survey answers… "
                "Entries use it as {{input}}. Never include personal data."
            ),
            "visible_to_entrants": _(
                "Entrants can read this task and try their prompt on it. Untick to keep it "
                "for judging only."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["variables"] = format_variables_text(self.instance.variables)
            self.initial["checks"] = format_checks_text(self.instance.checks)

    def clean_variables(self) -> dict[str, str]:
        return parse_variables_text(self.cleaned_data.get("variables", ""))

    def clean_checks(self) -> list[dict[str, Any]]:
        return parse_checks_text(self.cleaned_data.get("checks", ""))

    def task_fields(self) -> dict[str, Any]:
        names = ("title", "input", "variables", "visible_to_entrants", "checks")
        return {name: self.cleaned_data[name] for name in names}


class TaskImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"})
    )

    def __init__(self, *args: Any, file_too_large: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The upload handler stopped reading the file at the limit: it never arrived.
        self.file_too_large = file_too_large
        if file_too_large:
            self.fields["file"].required = False
        self.fields["file"].help_text = gettext(
            "The first row names the columns: title, input, visible_to_entrants (TRUE or "
            "FALSE, optional), then one column per extra variable (e.g. audience). "
            "UTF-8 or Shift_JIS (Excel's “CSV”) both work. At most %(rows)d rows and 1 MB."
        ) % {"rows": MAX_ROWS}

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if self.file_too_large or upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        data: bytes = upload.read()
        return data
