"""What a contest is: its settings, sample tasks, entries, their revisions and runs."""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

MAX_PROMPT_CHARS = 8000


class ContestQuerySet(models.QuerySet["Contest"]):
    def accepting_entries(self, now: datetime | None = None) -> "ContestQuerySet":
        return self.filter(Contest.accepting_entries_q(now or timezone.now()))


class Contest(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        JUDGING = "judging", pgettext_lazy("contest status", "Judging")
        RESULTS = "results", _("Results")
        PUBLISHED = "published", _("Published")

    class Provider(models.TextChoices):
        OPENAI = "openai", _("OpenAI-compatible")
        AZURE = "azure", _("Azure OpenAI")
        ECHO = "echo", _("Offline preview (no model)")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description and rules"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    # Announced on the contest's timeline; the status, not these dates, moves the contest.
    judging_ends_at = models.DateTimeField(_("judging ends at"), null=True, blank=True)
    results_at = models.DateTimeField(_("results announced at"), null=True, blank=True)
    max_entries_per_person = models.PositiveSmallIntegerField(
        _("entries per person"), default=3, validators=[MinValueValidator(1)]
    )
    model_provider = models.CharField(
        _("model provider"), max_length=16, choices=Provider.choices, default=Provider.ECHO
    )
    model_name = models.CharField(_("model"), max_length=100, default="gpt-4o-mini")
    temperature = models.FloatField(
        _("temperature"), default=0.2, validators=[MinValueValidator(0), MaxValueValidator(2)]
    )
    max_tokens = models.PositiveIntegerField(
        _("max tokens"), default=800, validators=[MinValueValidator(1), MaxValueValidator(32000)]
    )
    samples_per_task = models.PositiveSmallIntegerField(
        _("samples per task"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    judges_per_entry = models.PositiveSmallIntegerField(
        _("judges per entry"), default=3, validators=[MinValueValidator(1)]
    )
    recuse_same_department = models.BooleanField(
        _("judges do not score entries from their own department"), default=True
    )
    allow_gallery_sharing = models.BooleanField(
        _("entrants may share non-winning entries in the gallery"), default=True
    )
    token_budget = models.PositiveBigIntegerField(
        _("token budget"), null=True, blank=True, help_text=_("Empty means no limit.")
    )
    yen_budget = models.DecimalField(
        _("budget (yen)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty means no limit."),
    )
    judges = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="judged_contests",
        verbose_name=_("judges"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # The last connection test of the model settings (contest.organise.connection reads it).
    connection_test = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ContestQuerySet.as_manager()

    # What every run of the contest is made with; locked once an entry has runs.
    MODEL_FIELDS = ("model_provider", "model_name", "temperature", "max_tokens", "samples_per_task")

    class Meta:
        ordering = ["-opens_at"]
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="contest_closes_after_opens"
            ),
            # Each announced date comes after the one before it (an empty one is skipped).
            models.CheckConstraint(
                condition=Q(judging_ends_at__isnull=True)
                | Q(judging_ends_at__gt=models.F("closes_at")),
                name="contest_judging_ends_after_closes",
            ),
            models.CheckConstraint(
                condition=Q(results_at__isnull=True) | Q(results_at__gt=models.F("closes_at")),
                name="contest_results_after_closes",
            ),
            models.CheckConstraint(
                condition=Q(results_at__isnull=True)
                | Q(judging_ends_at__isnull=True)
                | Q(results_at__gt=models.F("judging_ends_at")),
                name="contest_results_after_judging_ends",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def accepting_entries_q(now: datetime) -> Q:
        """ "Accepting entries now" for a query; `accepts_entries` is the same rule on a row."""
        return Q(status=Contest.Status.OPEN, opens_at__lte=now, closes_at__gt=now)

    def accepts_entries(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.OPEN and self.opens_at <= now < self.closes_at


class Category(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["contest", "name"], name="category_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    """What judges score an entry on: weighted, on a scale whose levels are described."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="criteria")
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    scale_min = models.PositiveSmallIntegerField(_("lowest level"), default=1)
    scale_max = models.PositiveSmallIntegerField(
        _("highest level"), default=5, validators=[MaxValueValidator(10)]
    )
    description = models.TextField(_("description"), blank=True)
    # One short text per level, lowest first: what a judge should see to give that level.
    levels = models.JSONField(_("level descriptions"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["contest", "name_ja"], name="criterion_unique_name"),
            models.CheckConstraint(
                condition=Q(scale_max__gt=models.F("scale_min")), name="criterion_scale_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "ja").startswith("en") and self.name_en:
            return self.name_en
        return self.name_ja

    @property
    def scale(self) -> range:
        return range(self.scale_min, self.scale_max + 1)


class AwardTier(models.Model):
    """An award the contest gives (最優秀賞 ×1, 優秀賞 ×2, …), highest first."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="award_tiers")
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    count = models.PositiveSmallIntegerField(
        _("number of winners"), default=1, validators=[MinValueValidator(1)]
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("award tier")
        verbose_name_plural = _("award tiers")
        constraints = [
            models.UniqueConstraint(fields=["contest", "name_ja"], name="award_tier_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "ja").startswith("en") and self.name_en:
            return self.name_en
        return self.name_ja


class SampleTask(models.Model):
    """One piece of real work every entry is run on; provides `input` and more variables."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="sample_tasks")
    title = models.CharField(_("title"), max_length=200)
    input = models.TextField(_("input"))
    variables = models.JSONField(_("extra variables"), default=dict, blank=True)
    visible_to_entrants = models.BooleanField(_("visible to entrants"), default=True)
    checks = models.JSONField(_("automatic checks"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Set when the task holds what the PII guard finds and an organiser confirmed it is
    # fictional or public; `by` stays empty for a bundle imported by nobody in particular.
    personal_data_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("personal data confirmed by"),
    )
    personal_data_confirmed_at = models.DateTimeField(
        _("personal data confirmed at"), null=True, blank=True
    )

    # What an organiser writes: every entry is run on it.
    CONTENT_FIELDS = ("title", "input", "variables", "visible_to_entrants", "checks")
    # Who confirmed that what looks like personal data in it is fictional or public, and when.
    CONFIRMATION_FIELDS = ("personal_data_confirmed_by", "personal_data_confirmed_at")

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("sample task")
        verbose_name_plural = _("sample tasks")
        constraints = [
            models.CheckConstraint(
                condition=Q(personal_data_confirmed_by__isnull=True)
                | Q(personal_data_confirmed_at__isnull=False),
                name="sample_task_confirmation_has_a_time",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def template_variables(self) -> dict[str, str]:
        return {**{k: str(v) for k, v in self.variables.items()}, "input": self.input}


class Entry(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Credit(models.TextChoices):
        NAME = "name", _("My name and department")
        DEPARTMENT = "department", _("Department only")
        ANONYMOUS = "anonymous", _("Anonymous")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="entries")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entries"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(_("title"), max_length=200)
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("category")
    )
    purpose = models.TextField(_("purpose"), blank=True)
    system_prompt = models.TextField(_("system prompt"), blank=True)
    prompt_template = models.TextField(_("prompt"))
    usage_notes = models.TextField(_("usage notes"), blank=True)
    minutes_before = models.PositiveIntegerField(_("minutes before"), null=True, blank=True)
    minutes_after = models.PositiveIntegerField(_("minutes after"), null=True, blank=True)
    image = models.ImageField(_("screenshot"), upload_to="entries/%Y/%m/", blank=True)
    thumbnail = models.ImageField(upload_to="entries/thumbs/%Y/%m/", blank=True)
    credit = models.CharField(
        _("credit in the gallery"), max_length=16, choices=Credit.choices, default=Credit.NAME
    )
    share_in_gallery = models.BooleanField(_("share in the gallery"), default=True)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    # The token of the form that created this entry: a second post of the same form
    # finds this row instead of creating another.
    form_token = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # What the entry form writes (the image aside); services change nothing else from it.
    FORM_FIELDS = (
        "title",
        "category",
        "purpose",
        "system_prompt",
        "prompt_template",
        "usage_notes",
        "minutes_before",
        "minutes_after",
        "credit",
        "share_in_gallery",
    )
    # What the entrant writes in words: checked for personal data before any model sees it.
    TEXT_FIELDS = ("title", "purpose", "system_prompt", "prompt_template", "usage_notes")
    # What is sent to the model, so bounded by MAX_PROMPT_CHARS.
    PROMPT_FIELDS = ("system_prompt", "prompt_template")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        indexes = [
            models.Index(fields=["contest", "status"]),
            # The organiser's entries page, newest first: a page of 50 read in order
            # instead of every entry joined to its author and sorted.
            models.Index(fields=["contest", "created_at", "id"], name="entry_contest_newest_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class EntryRevision(models.Model):
    """What was submitted, frozen: runs and judges refer to exactly this text."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    category_name = models.CharField(max_length=100, blank=True)
    purpose = models.TextField(blank=True)
    system_prompt = models.TextField(blank=True)
    prompt_template = models.TextField()
    usage_notes = models.TextField(blank=True)
    minutes_before = models.PositiveIntegerField(null=True, blank=True)
    minutes_after = models.PositiveIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    # What a revision freezes of the entry, by the same names (category_name aside).
    SNAPSHOT_FIELDS = (
        "title",
        "purpose",
        "system_prompt",
        "prompt_template",
        "usage_notes",
        "minutes_before",
        "minutes_after",
    )

    class Meta:
        ordering = ["entry", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="revision_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (r{self.number})"


class RunQuerySet(models.QuerySet["Run"]):
    def entry_runs(self) -> "RunQuerySet":
        """Runs that belong to an entry's revision: the only ones judging, budgets and
        tallies count."""
        return self.filter(kind=Run.Kind.ENTRY)

    def previews(self) -> "RunQuerySet":
        return self.filter(kind=Run.Kind.PREVIEW)


class Run(models.Model):
    """One model call: one entry revision on one sample task, one sample, one model setting.

    A preview run ("try it" before submitting, or in the gallery) belongs to no entry and
    no revision: it is asked for by a person (`requested_by`), grouped with the rest of one
    try by `preview_key`, perhaps on a contest's sample task, and purged after
    PREVIEW_RETENTION_DAYS. It never counts for judging, budgets or tallies.
    """

    class Kind(models.TextChoices):
        ENTRY = "entry", _("Entry run")
        PREVIEW = "preview", _("Preview run")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        HELD = "held", _("Held (budget spent)")

    PENDING = (Status.QUEUED, Status.RUNNING, Status.HELD)

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ENTRY)
    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="runs", null=True, blank=True
    )
    revision = models.ForeignKey(
        EntryRevision, on_delete=models.CASCADE, related_name="runs", null=True, blank=True
    )
    sample_task = models.ForeignKey(
        SampleTask, on_delete=models.CASCADE, related_name="runs", null=True, blank=True
    )
    # The contest whose settings and tasks it used: an entry run's entry's contest, kept
    # on the run so that a contest's totals read one index, not every run joined to its
    # entry; a preview's (none in the gallery). Previews only: who asked for it, and the
    # try it belongs to.
    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    preview_key = models.UUIDField(null=True, blank=True, db_index=True)
    # What a preview's row is called when it has no sample task (the gallery's own input).
    preview_label = models.CharField(max_length=200, blank=True)
    sample_index = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    provider = models.CharField(max_length=16)
    model = models.CharField(max_length=100)
    temperature = models.FloatField()
    max_tokens = models.PositiveIntegerField()
    messages = models.JSONField(default=list)
    cache_key = models.CharField(max_length=64, blank=True, db_index=True)
    output = models.TextField(blank=True)
    finish_reason = models.CharField(max_length=32, blank=True)
    response_model = models.CharField(max_length=100, blank=True)
    request_id = models.CharField(max_length=200, blank=True)
    from_cache = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    cost_yen = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal(0))
    check_results = models.JSONField(default=list, blank=True)
    checks_passed = models.BooleanField(null=True)
    # When the run may next be tried: after a 429 or a busy limiter, the next attempt's time.
    available_at = models.DateTimeField(default=timezone.now)
    # Set by the first failed call: past it, a rate-limited run fails instead of waiting on.
    retry_deadline = models.DateTimeField(null=True, blank=True)
    # Calls answered 429: they count in `attempts` but not against LLM_MAX_ATTEMPTS.
    rate_limited_calls = models.PositiveIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["sample_task__position", "sample_task_id", "sample_index"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "sample_task", "sample_index"], name="run_unique_per_sample"
            ),
            # An entry run has its entry, revision, task and contest and nothing of a
            # preview; a preview has no entry or revision, and always a person and a try.
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="entry",
                        entry__isnull=False,
                        revision__isnull=False,
                        sample_task__isnull=False,
                        contest__isnull=False,
                        requested_by__isnull=True,
                        preview_key__isnull=True,
                    )
                    | Q(
                        kind="preview",
                        entry__isnull=True,
                        revision__isnull=True,
                        requested_by__isnull=False,
                        preview_key__isnull=False,
                    )
                ),
                name="run_kind_fields",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "available_at"]),
            models.Index(fields=["kind", "created_at"], name="run_kind_created"),
            # The monitor's runs per minute reads the last ten minutes' runs, not all of them.
            models.Index(fields=["finished_at"], name="run_finished_at_idx"),
            # A contest's entry runs by status, carrying what the monitor's totals and the
            # budget check sum: PostgreSQL answers them from the index alone (an
            # index-only scan), without reading the runs' rows or joining their entries.
            models.Index(
                fields=["contest", "status"],
                include=[
                    "from_cache",
                    "prompt_tokens",
                    "completion_tokens",
                    "cost_yen",
                    "attempts",
                    "error_code",
                    "available_at",
                    "entry",
                ],
                condition=Q(kind="entry"),
                name="run_contest_entry_status_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"

    @property
    def task(self) -> SampleTask:
        """The sample task of a run that has one (every entry run does)."""
        if self.sample_task is None:
            raise ValueError(f"run {self.pk} has no sample task")
        return self.sample_task

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING

    @property
    def total_tokens(self) -> int:
        return (self.prompt_tokens or 0) + (self.completion_tokens or 0)
