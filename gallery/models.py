"""What the gallery is: frozen snapshots of published prompts, and who liked or used them.

A `GalleryPrompt` copies everything it shows at the moment it is published (or imported):
later edits to the entry, the contest or the author's profile change nothing in it. It holds
only what may be shown — the credit the author chose is resolved into the name and
department to print (both empty for an anonymous author), examples come only from tasks
visible to entrants, and nothing of the judges but the award and 評価のポイント.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class GalleryPromptQuerySet(models.QuerySet["GalleryPrompt"]):
    def published(self) -> "GalleryPromptQuerySet":
        return self.filter(status=GalleryPrompt.Status.PUBLISHED)


class GalleryPrompt(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")

    # Stable across organisations: the export's `id`, kept by whoever imports it.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=100, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    system_prompt = models.TextField(_("system prompt"), blank=True)
    prompt_template = models.TextField(_("prompt"))
    # [{"name": "input", "label": "…", "example": "…"}], in the order they appear.
    variables = models.JSONField(_("variables"), default=list, blank=True)
    usage_notes = models.TextField(_("usage notes"), blank=True)
    minutes_before = models.PositiveIntegerField(_("minutes before"), null=True, blank=True)
    minutes_after = models.PositiveIntegerField(_("minutes after"), null=True, blank=True)
    # max(before − after, 0) per use, or None when either is unknown; sorted on.
    minutes_saved = models.PositiveIntegerField(_("minutes saved per use"), null=True, blank=True)
    # [{"task": "…", "input": "…", "output": "…", "model": "…"}], 2–3 of them.
    examples = models.JSONField(_("example runs"), default=list, blank=True)
    award_name = models.CharField(_("award"), max_length=100, blank=True)
    # 1 for the contest's highest tier; None without an award.
    award_rank = models.PositiveSmallIntegerField(_("award rank"), null=True, blank=True)
    rationale = models.TextField(_("what the judges valued"), blank=True)
    contest = models.ForeignKey(
        "contest.Contest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gallery_prompts",
        verbose_name=_("contest"),
    )
    contest_title = models.CharField(_("contest"), max_length=200, blank=True)
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), null=True, blank=True, validators=[MaxValueValidator(9999)]
    )
    # The entry it was published from (ours only): publishing twice finds it here.
    entry = models.OneToOneField(
        "contest.Entry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gallery_prompt",
    )
    # What the credit shows, resolved at publication: empty when the author chose less.
    credit_name = models.CharField(_("credited name"), max_length=100, blank=True)
    credit_department = models.CharField(_("credited department"), max_length=100, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200)
    # The source's `uid` for an imported prompt; empty for our own.
    external_id = models.CharField(_("id at the source"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PUBLISHED
    )
    unpublished_reason = models.TextField(_("reason for unpublishing"), blank=True)
    unpublished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    unpublished_at = models.DateTimeField(null=True, blank=True)
    copy_count = models.PositiveIntegerField(_("copies"), default=0)
    like_count = models.PositiveIntegerField(_("likes"), default=0)
    use_count = models.PositiveIntegerField(_("uses"), default=0)
    try_count = models.PositiveIntegerField(_("tries"), default=0)
    # Σ minutes people reported saving when they said they used it.
    reported_minutes_saved = models.PositiveBigIntegerField(
        _("minutes saved (reported)"), default=0
    )
    # Normalised unigrams and bigrams (gallery/search.py); the database indexes this column
    # (PostgreSQL: a generated tsvector with a GIN index; SQLite: an FTS5 table).
    search_text = models.TextField(blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"))
    updated_at = models.DateTimeField(auto_now=True)

    objects = GalleryPromptQuerySet.as_manager()

    # The snapshot: what an export carries and an import writes, under these names.
    SNAPSHOT_FIELDS = (
        "title",
        "category",
        "purpose",
        "system_prompt",
        "prompt_template",
        "variables",
        "usage_notes",
        "minutes_before",
        "minutes_after",
        "examples",
        "award_name",
        "award_rank",
        "rationale",
        "contest_title",
        "fiscal_year",
        "credit_name",
        "credit_department",
    )
    # What search reads.
    SEARCH_FIELDS = (
        "title",
        "category",
        "purpose",
        "prompt_template",
        "usage_notes",
        "award_name",
        "contest_title",
        "organisation",
        "credit_department",
    )

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("gallery prompt")
        verbose_name_plural = _("gallery prompts")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_id"],
                condition=~Q(external_id=""),
                name="gallery_prompt_unique_import",
            ),
        ]
        indexes = [
            # One per sort, ending in the sort's tie-breakers (a contest's prompts share
            # their published_at), so a page is read from the index, never sorted.
            models.Index(fields=["status", "-published_at", "-id"], name="gallery_new"),
            models.Index(
                fields=["status", "-copy_count", "-published_at", "-id"], name="gallery_copied"
            ),
            models.Index(
                fields=["status", "-like_count", "-published_at", "-id"], name="gallery_liked"
            ),
            models.Index(
                fields=["status", "-minutes_saved", "-published_at", "-id"], name="gallery_saved"
            ),
            # One per filter, over published prompts (the only ones a filter reads), so a
            # page's capped count is an index scan however rare the value. Category leads
            # the year: "a category in a fiscal year" is the listing staff browse most.
            *(
                models.Index(fields=fields, name=name, condition=Q(status="published"))
                for name, fields in [
                    ("gallery_by_category_year", ["category", "fiscal_year"]),
                    ("gallery_by_year", ["fiscal_year"]),
                    ("gallery_by_award", ["award_name"]),
                    ("gallery_by_contest", ["contest_title"]),
                    ("gallery_by_department", ["credit_department"]),
                    ("gallery_by_organisation", ["organisation"]),
                ]
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def saved_per_use(before: int | None, after: int | None) -> int | None:
        """What `minutes_saved` holds for these minutes before and after."""
        return max(before - after, 0) if before is not None and after is not None else None

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_imported(self) -> bool:
        return bool(self.external_id)

    @property
    def purpose_first_line(self) -> str:
        return next((line for line in self.purpose.splitlines() if line.strip()), "")


class GalleryLike(models.Model):
    prompt = models.ForeignKey(GalleryPrompt, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gallery_likes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [
            models.UniqueConstraint(fields=["prompt", "user"], name="gallery_like_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.prompt_id}"


class GalleryUse(models.Model):
    """Someone said "I used it", with the minutes it saved them if they said."""

    prompt = models.ForeignKey(GalleryPrompt, on_delete=models.CASCADE, related_name="uses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gallery_uses"
    )
    minutes_saved = models.PositiveIntegerField(
        _("minutes saved"), null=True, blank=True, validators=[MaxValueValidator(24 * 60)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("use")
        verbose_name_plural = _("uses")
        indexes = [models.Index(fields=["prompt", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} used {self.prompt_id}"


class GalleryEntrySource(models.Model):
    """An entry that someone began from a gallery prompt ("use as a starting point").

    Kept on the gallery side (contest never imports the gallery); the entry page shows it
    through `contest.extensions`. The title is copied so the note survives the prompt's
    unpublishing.
    """

    entry = models.OneToOneField(
        "contest.Entry", on_delete=models.CASCADE, related_name="gallery_source"
    )
    prompt = models.ForeignKey(
        GalleryPrompt, on_delete=models.SET_NULL, null=True, related_name="derived_entries"
    )
    prompt_title = models.CharField(_("title"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("entry started from the gallery")
        verbose_name_plural = _("entries started from the gallery")

    def __str__(self) -> str:
        return f"{self.entry_id} ← {self.prompt_title}"
