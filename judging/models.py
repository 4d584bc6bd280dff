"""What judging is: who scores which entry, the score sheets with their history, the
redacted copies judges read, and the awards decided.

Criteria and award tiers describe the contest and live with it (`contest.models`);
everything about judging it lives here.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contest.models import AwardTier, Contest, Criterion, Entry, EntryRevision


class Assignment(models.Model):
    """One judge scores one entry: exactly the revision frozen when judging started."""

    class Status(models.TextChoices):
        OPEN = "open", _("To score")
        SUBMITTED = "submitted", _("Submitted")
        WAIVED = "waived", _("Waived")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="assignments")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="assignments")
    revision = models.ForeignKey(
        EntryRevision, on_delete=models.PROTECT, related_name="assignments"
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    # Made by an organiser's hand rather than by the balanced assignment.
    manual = models.BooleanField(default=False)
    waived_reason = models.TextField(_("reason for waiving"), blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    waived_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contest", "judge", "pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(fields=["entry", "judge"], name="assignment_unique_judge"),
        ]
        indexes = [models.Index(fields=["contest", "judge", "status"])]

    def __str__(self) -> str:
        return f"{self.judge_id} → {self.entry_id} ({self.status})"


class ScoreSheet(models.Model):
    """A judge's scores for one assignment: a draft until submitted, revisable while the
    contest is judging; every change after the first submission is kept."""

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="sheet")
    overall_comment = models.TextField(_("overall comment"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")

    def __str__(self) -> str:
        return f"sheet {self.pk} ({self.assignment})"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Score(models.Model):
    """One criterion's level on a sheet (empty while the sheet is a draft)."""

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="score_unique_criterion"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.level}"


class ScoreSheetChange(models.Model):
    """A change to a submitted sheet: who, when, the values before and after."""

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    # {"scores": {criterion_id: level}, "comments": {criterion_id: text}, "overall": text}
    old_values = models.JSONField()
    new_values = models.JSONField()

    class Meta:
        ordering = ["sheet", "changed_at", "pk"]
        verbose_name = _("score sheet change")
        verbose_name_plural = _("score sheet changes")

    def __str__(self) -> str:
        return f"change {self.pk} of sheet {self.sheet_id}"


class Redaction(models.Model):
    """The copy of a revision judges read when the original names its author.

    The original revision and its runs stay as they were; only what judges see changes.
    """

    revision = models.OneToOneField(
        EntryRevision, on_delete=models.CASCADE, related_name="redaction"
    )
    title = models.CharField(max_length=200)
    purpose = models.TextField(blank=True)
    system_prompt = models.TextField(blank=True)
    prompt_template = models.TextField()
    usage_notes = models.TextField(blank=True)
    # {run_id: redacted output} for the runs whose output named the author.
    outputs = models.JSONField(default=dict, blank=True)
    redacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    redacted_at = models.DateTimeField(auto_now=True)

    # What a redacted copy replaces, by the revision's (and the copy's) field names.
    TEXT_FIELDS = ("title", "purpose", "system_prompt", "prompt_template", "usage_notes")

    class Meta:
        verbose_name = _("redaction")
        verbose_name_plural = _("redactions")

    def __str__(self) -> str:
        return f"redaction of {self.revision}"


class AwardDecision(models.Model):
    """One place in an award tier: the entry given it, or None for a place left empty on
    purpose. A tier is decided when each of its places has a decision."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="award_decisions")
    tier = models.ForeignKey(AwardTier, on_delete=models.CASCADE, related_name="decisions")
    place = models.PositiveSmallIntegerField()  # 0 .. tier.count - 1
    entry = models.ForeignKey(
        Entry, on_delete=models.PROTECT, related_name="awards", null=True, blank=True
    )
    # 評価のポイント: why the judges chose it, published with the prompt.
    rationale = models.TextField(_("what the judges valued"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tier__position", "place"]
        verbose_name = _("award decision")
        verbose_name_plural = _("award decisions")
        constraints = [
            models.UniqueConstraint(fields=["tier", "place"], name="award_unique_place"),
            # One award per entry in a contest.
            models.UniqueConstraint(
                fields=["contest", "entry"],
                condition=Q(entry__isnull=False),
                name="award_unique_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier} #{self.place + 1}: {self.entry_id or '-'}"
