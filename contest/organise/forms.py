"""Forms for organisers: contest settings, a sample task, a CSV of sample tasks.

Each field explains itself; times are typed and shown in Japan time.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User
from contest.models import Category, Contest, Entry, SampleTask
from contest.organise.rules import (
    DataConfirmation,
    check_task_personal_data,
    confirmed_task_texts,
    default_yen_budget,
    format_variables_text,
    model_settings_editable,
    parse_categories_text,
    parse_variables_text,
    schedule_order_problems,
    task_texts,
)
from contest.organise.selectors import (
    DEFAULT_ENTRY_SORT,
    EntryFilters,
    contest_entrant_departments,
    contest_slug_suggestion,
)
from contest.organise.task_csv import MAX_BYTES, MAX_ROWS
from contest.runs.checks import format_checks_text, parse_checks_text

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
JUDGE_CHOICES_LIMIT = 50


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


# Why a date of the schedule is refused: (the date, the earlier one it must follow).
SCHEDULE_MESSAGES = {
    ("closes_at", "opens_at"): _("The closing time must be after the opening time."),
    ("judging_ends_at", "closes_at"): _("Judging can end only after entries close."),
    ("results_at", "closes_at"): _("The results can be announced only after entries close."),
    ("results_at", "judging_ends_at"): _("The results can be announced only after judging ends."),
}


class ErrorSummaryMixin:
    """What templates/includes/error_summary.html lists: a link to each field to correct."""

    def fields_with_errors(self) -> list[forms.BoundField]:
        assert isinstance(self, forms.BaseForm)
        return [field for field in self.visible_fields() if field.errors]


class JudgeChoiceField(forms.ModelMultipleChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        department = f" — {obj.department}" if obj.department_id else ""
        return f"{obj.label} <{obj.email}>{department}"


class ContestForm(ErrorSummaryMixin, forms.ModelForm[Contest]):
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
            "judging_ends_at",
            "results_at",
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
            "judging_ends_at": _datetime_input(),
            "results_at": _datetime_input(),
            "description": forms.Textarea(attrs={"rows": 8}),
            "slug": forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
        }
        labels = {"slug": _("Web address name (letters and digits)")}
        help_texts = {
            "title": _("Shown to every member of staff, e.g. “FY2025 staff prompt contest”."),
            "slug": _(
                "The end of the contest's web address (/contests/r7-1/): lower-case letters, "
                "digits and hyphens. Suggested from the title; it can be changed only while "
                "the contest is a draft."
            ),
            "description": _(
                "What the contest is for, who may enter, and the rules. Shown on the contest page."
            ),
            "opens_at": _("Japan time. Entries are accepted from this moment once you open it."),
            "closes_at": _("Japan time. No entry can be submitted or revised after this."),
            "judging_ends_at": _(
                "Japan time, optional. When judging should be finished; shown on the contest's "
                "timeline."
            ),
            "results_at": _(
                "Japan time, optional. When the results will be announced; shown on the "
                "contest's timeline."
            ),
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
        self.suggested_slug = ""
        self.staff = User.objects.filter(is_active=True).select_related("department")
        self.judge_field.queryset = self.staff
        contest = self.instance
        if contest.pk is None:
            self.initial.setdefault("model_provider", settings.LLM_PROVIDER)
            self.initial.setdefault("model_name", settings.LLM_MODEL)
            # Left empty, the web address name is suggested from the title (and shown in the
            # field if the form comes back with an error).
            self.fields["slug"].required = False
            if self.is_bound:
                self._fill_empty_slug()
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

    def _fill_empty_slug(self) -> None:
        title = str(self.data.get("title", "")).strip()
        if str(self.data.get("slug", "")).strip() or not title:
            return
        try:
            opens_at = self.fields["opens_at"].clean(self.data.get("opens_at"))
        except ValidationError:
            opens_at = None
        day = timezone.localdate(opens_at) if opens_at else timezone.localdate()
        self.suggested_slug = contest_slug_suggestion(title=title, day=day)
        # The posted QueryDict is immutable; the copy carries the suggestion, which the form
        # then validates and shows like a typed value.
        data = QueryDict(mutable=True)
        data.update(self.data)
        data["slug"] = self.suggested_slug
        self.data = data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk is None and not cleaned.get("slug") and "slug" not in self.errors:
            self.add_error("slug", _("Type a title, or a web address name yourself."))
        for name, earlier in schedule_order_problems(cleaned):
            self.add_error(name, SCHEDULE_MESSAGES[(name, earlier)])
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
            (
                _("Schedule and entries"),
                [
                    "opens_at",
                    "closes_at",
                    "judging_ends_at",
                    "results_at",
                    "max_entries_per_person",
                ],
            ),
            (_("AI model"), list(Contest.MODEL_FIELDS)),
            (
                _("Judging"),
                ["judges", "judges_per_entry", "recuse_same_department", "allow_gallery_sharing"],
            ),
            (_("Budget"), ["token_budget", "yen_budget"]),
        ]
        return [(str(legend), [self[name] for name in names]) for legend, names in groups]


class _ConfirmsPersonalData:
    """A form with a `confirm_personal_data` box: the organiser's word, for the services."""

    cleaned_data: dict[str, Any]

    def confirmation(self, user: User) -> DataConfirmation | None:
        if self.cleaned_data.get("confirm_personal_data"):
            return DataConfirmation(by=user)
        return None


class TaskForm(ErrorSummaryMixin, _ConfirmsPersonalData, forms.ModelForm[SampleTask]):
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

    confirm_personal_data = forms.BooleanField(
        label=_("What was found is fictional or already public: keep it in this task"),
        required=False,
        help_text=_(
            "Tick this only if every item listed is made up, or already public such as the "
            "city hall's own address or phone number. Your name and the time are recorded "
            "with the task."
        ),
    )

    field_order = [
        "title",
        "input",
        "variables",
        "visible_to_entrants",
        "checks",
        "confirm_personal_data",
    ]

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
        self.confirmed_before = confirmed_task_texts(self.instance)
        # The box appears once the guard finds something (see clean); until then it
        # would only puzzle.
        self.fields["confirm_personal_data"].widget = forms.HiddenInput()

    def clean_variables(self) -> dict[str, str]:
        return parse_variables_text(self.cleaned_data.get("variables", ""))

    def clean_checks(self) -> list[dict[str, Any]]:
        return parse_checks_text(self.cleaned_data.get("checks", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not all(name in cleaned for name in ("title", "input", "variables")):
            return cleaned
        texts = task_texts(
            title=cleaned["title"], input=cleaned["input"], variables=cleaned["variables"]
        )
        try:
            found = check_task_personal_data(
                texts,
                confirming=bool(cleaned.get("confirm_personal_data")),
                confirmed_before=self.confirmed_before,
            )
        except ValidationError as error:
            self.add_error(None, error)
            found = True
        if found and texts != self.confirmed_before:
            self.fields["confirm_personal_data"].widget = forms.CheckboxInput()
        return cleaned

    def task_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SampleTask.CONTENT_FIELDS}


class TaskImportForm(ErrorSummaryMixin, _ConfirmsPersonalData, forms.Form):
    file = forms.FileField(
        label=_("CSV file"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"})
    )
    confirm_personal_data = forms.BooleanField(
        label=_("What looks like personal data in this file is fictional or already public"),
        required=False,
        help_text=_(
            "Leave this unticked: the import refuses a file that holds what looks like "
            "personal data and lists each item with its row and column. Tick it only if "
            "every item listed is made up, or already public such as the city hall's own "
            "address or phone number. It then counts for every row, and your name and the "
            "time are recorded with each task that holds such data."
        ),
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


# --- The entries page -------------------------------------------------------------------

ALL = pgettext_lazy("filter choice", "All")
ENTRY_SORT_CHOICES = [
    ("newest", _("Newest first")),
    ("title", _("Title")),
    ("author", _("Author")),
    ("department", _("Department")),
    ("failed", _("Most failed runs")),
]


class EntryFilterForm(forms.Form):
    """The entries page's filters, read from the URL so that a filtered view can be shared."""

    q = forms.CharField(
        label=_("Title or author contains"), required=False, max_length=100, strip=True
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", ALL), *Entry.Status.choices]
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label=ALL
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=ALL,
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=ENTRY_SORT_CHOICES)

    def __init__(self, data: Any, *, contest: Contest) -> None:
        super().__init__(data)
        category = self.fields["category"]
        department = self.fields["department"]
        assert isinstance(category, forms.ModelChoiceField)
        assert isinstance(department, forms.ModelChoiceField)
        category.queryset = contest.categories.all()
        department.queryset = contest_entrant_departments(contest=contest)

    def filters(self) -> EntryFilters:
        """The filters that are valid; one with an error (an old link) is left out."""
        self.is_valid()
        data = self.cleaned_data
        return EntryFilters(
            status=data.get("status") or "",
            category=data.get("category"),
            department=data.get("department"),
            text=data.get("q") or "",
            sort=data.get("sort") or DEFAULT_ENTRY_SORT,
        )


# --- Status changes ---------------------------------------------------------------------


class TransitionConfirmForm(ErrorSummaryMixin, forms.Form):
    """The confirmation of a status change; opening past a failed connection test needs a tick."""

    open_anyway = forms.BooleanField(
        label=_(
            "Open anyway: I understand that the entries' runs will fail until the AI model "
            "connection works."
        ),
        required=True,
        error_messages={
            "required": _(
                "The connection test failed. Fix the settings and test again, or tick this "
                "box to open the contest anyway."
            )
        },
    )

    def __init__(self, data: Any = None, *, needs_override: bool) -> None:
        super().__init__(data)
        if not needs_override:
            del self.fields["open_anyway"]
