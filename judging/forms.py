"""Judging forms: the score sheet, the criteria and award tiers, assignments, redactions
and awards. The services decide; a form turns what was typed into their input and keeps
it on the page when they refuse."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from contest.models import AwardTier, Contest, Criterion, Run
from contest.organise.rules import (
    SCALE_HIGHEST,
    SCALE_LOWEST,
    criterion_levels_problem,
    criterion_scale_problem,
)
from judging.models import Redaction, Score
from judging.results.awards import MAX_RATIONALE_CHARS, PlaceChoice, place_key
from judging.services import MAX_COMMENT_CHARS, SheetInput, comment_key, level_key

ACTION_SAVE = "save"
ACTION_SUBMIT = "submit"


# --- The score sheet ------------------------------------------------------------------------


class ScoreSheetForm(forms.Form):
    """A level (radio buttons) and a comment per criterion, and an overall comment.

    Levels are read as plain numbers here; the service checks them against each
    criterion's scale, so a forged value gets the same clear refusal as a typed one.
    """

    overall_comment = forms.CharField(
        label=_("Overall comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the entrant should hear about the entry as a whole (optional)."),
    )

    def __init__(
        self,
        *args: Any,
        criteria: Sequence[Criterion],
        scores: dict[int, Score] | None = None,
        overall_comment: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        scores = scores or {}
        for criterion in self.criteria:
            levels = criterion.levels or []
            choices = [
                (str(value), f"{value} — {levels[i]}" if i < len(levels) else str(value))
                for i, value in enumerate(criterion.scale)
            ]
            self.fields[level_key(criterion.pk)] = forms.TypedChoiceField(
                label=criterion.name,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
                error_messages={
                    "invalid_choice": gettext(
                        "This is not a level of “%(criterion)s”: choose from %(min)d to %(max)d."
                    )
                    % {
                        "criterion": criterion.name,
                        "min": criterion.scale_min,
                        "max": criterion.scale_max,
                    }
                },
            )
            self.fields[comment_key(criterion.pk)] = forms.CharField(
                label=gettext("Comment on “%(criterion)s” (optional)")
                % {"criterion": criterion.name},
                required=False,
                max_length=MAX_COMMENT_CHARS,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            score = scores.get(criterion.pk)
            if score is not None:
                self.initial[level_key(criterion.pk)] = score.level
                self.initial[comment_key(criterion.pk)] = score.comment
        self.initial.setdefault("overall_comment", overall_comment)
        self.fields["overall_comment"].max_length = MAX_COMMENT_CHARS  # type: ignore[attr-defined]

    def rows(self) -> list[tuple[Criterion, forms.BoundField, forms.BoundField]]:
        return [(c, self[level_key(c.pk)], self[comment_key(c.pk)]) for c in self.criteria]

    def sheet_input(self) -> SheetInput:
        data = self.cleaned_data
        return SheetInput(
            levels={c.pk: data.get(level_key(c.pk)) for c in self.criteria},
            comments={c.pk: data.get(comment_key(c.pk), "") for c in self.criteria},
            overall_comment=data.get("overall_comment", ""),
        )

    def refuse(self, error: ValidationError) -> None:
        """Show a service's refusal on the fields it names (or above the form)."""
        if hasattr(error, "error_dict"):
            for name, problems in error.error_dict.items():
                self.add_error(name if name in self.fields else None, problems)
        else:
            self.add_error(None, error)


# --- Criteria and award tiers ---------------------------------------------------------------


class CriterionForm(forms.Form):
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    weight = forms.IntegerField(
        label=_("Weight"),
        min_value=1,
        max_value=1000,
        help_text=_("Relative: a criterion of weight 30 counts twice as much as one of 15."),
    )
    scale_min = forms.IntegerField(
        label=_("Lowest level"), min_value=SCALE_LOWEST, max_value=SCALE_HIGHEST, initial=1
    )
    scale_max = forms.IntegerField(
        label=_("Highest level"), min_value=SCALE_LOWEST, max_value=SCALE_HIGHEST, initial=5
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    levels = forms.CharField(
        label=_("What each level means"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One line per level, lowest first. Judges see them beside the buttons."),
    )

    def clean_levels(self) -> list[str]:
        text = self.cleaned_data.get("levels", "")
        return [line.strip() for line in text.splitlines() if line.strip()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("scale_min"), cleaned.get("scale_max")
        if low is not None and high is not None:
            problem = criterion_scale_problem(low, high) or criterion_levels_problem(
                cleaned.get("levels", []), low, high
            )
            if problem:
                raise ValidationError(problem)
        return cleaned


class TierForm(forms.Form):
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    count = forms.IntegerField(label=_("Number of winners"), min_value=1, max_value=100)


def _kept(form: forms.Form) -> dict[str, Any] | None:
    """A row's values, or None for a row left blank or ticked for deletion."""
    data = getattr(form, "cleaned_data", None)
    if not data or data.get("DELETE"):
        return None
    return {name: value for name, value in data.items() if name != "DELETE"}


class _UniqueNames(forms.BaseFormSet[forms.Form]):
    """A name used twice is refused."""

    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            name = (_kept(form) or {}).get("name_ja")
            if not name:
                continue
            if name in seen:
                form.add_error("name_ja", gettext("“%(name)s” is used twice.") % {"name": name})
            seen.add(name)


def formset_rows(formset: forms.BaseFormSet[Any]) -> list[dict[str, Any]]:
    """The rows of a valid formset to store, in order, without blank or deleted ones."""
    return [row for form in formset.forms if (row := _kept(form)) is not None]


CriterionFormSet = formset_factory(CriterionForm, formset=_UniqueNames, extra=1, can_delete=True)
TierFormSet = formset_factory(TierForm, formset=_UniqueNames, extra=1, can_delete=True)


def criteria_initial(criteria: Sequence[Criterion]) -> list[dict[str, Any]]:
    return [
        {
            "name_ja": c.name_ja,
            "name_en": c.name_en,
            "weight": c.weight,
            "scale_min": c.scale_min,
            "scale_max": c.scale_max,
            "description": c.description,
            "levels": "\n".join(c.levels or []),
        }
        for c in criteria
    ]


def tiers_initial(tiers: Sequence[AwardTier]) -> list[dict[str, Any]]:
    return [{"name_ja": t.name_ja, "name_en": t.name_en, "count": t.count} for t in tiers]


# --- Assignments ----------------------------------------------------------------------------


class JudgeField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.label} — {obj.department}" if obj.department_id else obj.label


class AddJudgeForm(forms.Form):
    judge = JudgeField(label=_("Judge"), queryset=User.objects.none())

    def __init__(self, *args: Any, judges: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["judge"]
        assert isinstance(field, JudgeField)
        field.queryset = User.objects.filter(pk__in=[judge.pk for judge in judges]).select_related(
            "department"
        )


class WaiveForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it waived?"),
        max_length=500,
        help_text=_("For example: a conflict of interest found late, or the judge is away."),
    )


# --- Redacted copies ------------------------------------------------------------------------


class RedactionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    purpose = forms.CharField(
        label=_("What the prompt is for"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    system_prompt = forms.CharField(
        label=_("Instructions for the AI (system prompt)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "class": "prompt"}),
    )
    prompt_template = forms.CharField(
        label=_("Prompt"), widget=forms.Textarea(attrs={"rows": 8, "class": "prompt"})
    )
    usage_notes = forms.CharField(
        label=_("How to use it"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, runs: Sequence[Run], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.runs = list(runs)
        for run in self.runs:
            self.fields[f"output_{run.pk}"] = forms.CharField(
                label=gettext("Output on “%(task)s” (sample %(number)d)")
                % {"task": run.task.title, "number": run.sample_index + 1},
                required=False,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 6}),
            )

    @staticmethod
    def initial_for(
        source: Any, runs: Sequence[Run], redaction: Redaction | None
    ) -> dict[str, str]:
        initial = {name: getattr(source, name) for name in Redaction.TEXT_FIELDS}
        outputs = redaction.outputs if redaction else {}
        for run in runs:
            initial[f"output_{run.pk}"] = outputs.get(str(run.pk), run.output)
        return initial

    def text_fields(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in Redaction.TEXT_FIELDS}

    def outputs(self) -> dict[int, str]:
        return {run.pk: self.cleaned_data[f"output_{run.pk}"] for run in self.runs}

    def output_fields(self) -> list[forms.BoundField]:
        return [self[f"output_{run.pk}"] for run in self.runs]


# --- Awards ---------------------------------------------------------------------------------

EMPTY = "empty"


class AwardsForm(forms.Form):
    """For each place of each tier: an entry, "left empty", or nothing yet, and the
    評価のポイント. Entry ids are read as given and checked by the service."""

    def __init__(
        self,
        *args: Any,
        contest: Contest,
        tiers: Sequence[AwardTier],
        choices: Sequence[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.contest = contest
        self.tiers = list(tiers)
        options = [
            ("", gettext("— not decided yet —")),
            (EMPTY, gettext("Leave this place empty")),
            *choices,
        ]
        for tier in self.tiers:
            for place in range(tier.count):
                key = place_key(tier.pk, place)
                self.fields[key] = forms.CharField(
                    label=gettext("Place %(place)d") % {"place": place + 1},
                    required=False,
                    widget=forms.Select(choices=options),
                )
                self.fields[f"{key}_rationale"] = forms.CharField(
                    label=gettext("What the judges valued (評価のポイント)"),
                    required=False,
                    max_length=MAX_RATIONALE_CHARS,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )

    def places(self) -> list[tuple[AwardTier, list[tuple[forms.BoundField, forms.BoundField]]]]:
        return [
            (
                tier,
                [
                    (self[place_key(tier.pk, p)], self[f"{place_key(tier.pk, p)}_rationale"])
                    for p in range(tier.count)
                ],
            )
            for tier in self.tiers
        ]

    def choices_made(self) -> list[PlaceChoice]:
        made = []
        for tier in self.tiers:
            for place in range(tier.count):
                key = place_key(tier.pk, place)
                value = self.cleaned_data.get(key, "")
                entry_id = int(value) if value.isdigit() else None
                if value and value != EMPTY and entry_id is None:
                    self.add_error(key, gettext("Choose an entry from the list."))
                made.append(
                    PlaceChoice(
                        tier_id=tier.pk,
                        place=place,
                        entry_id=entry_id,
                        empty=value == EMPTY,
                        rationale=self.cleaned_data.get(f"{key}_rationale", ""),
                    )
                )
        return made

    def refuse(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, problems in error.error_dict.items():
                self.add_error(name if name in self.fields else None, problems)
        else:
            self.add_error(None, error)
