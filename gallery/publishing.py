"""Publishing a contest into the gallery: one frozen snapshot per prompt worth sharing.

Registered as the effect of the contest's move to `published`
(`contest.extensions.register_transition_effect`), so it runs in that transaction: if any
snapshot fails, the contest stays at `results` and nothing is published.

What is published: every award winner (judging's `AwardDecision`), and, when the contest
allows sharing, every other submitted entry whose author kept "share in the gallery".
Withdrawn and draft entries never are. Idempotent: an entry that already has a prompt is
left alone (so publishing twice creates nothing, and a prompt an organiser unpublished
stays unpublished).

The snapshot is of the judged revision (the one judges were assigned; the entry's last
revision if none was). It holds only what may be shown:
- the credit resolved as the author chose it (name and department / department only /
  nothing);
- when the author chose anonymity and judging wrote a redacted copy (because the text
  named them), the redacted text and outputs;
- examples only from runs on tasks visible to entrants that succeeded, first sample only;
- 評価のポイント: the organiser's rationale on the award decision; for a winner without
  one, the names of the criteria the entry scored best on (never a score or a judge).
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contest import templating
from contest.models import Contest, Entry, EntryRevision, Run
from contest.organise.slugs import fiscal_year
from gallery.models import GalleryPrompt
from gallery.search import index_text
from gallery.selectors import gallery_facets_forget
from judging.models import Assignment, AwardDecision, Redaction, Score

MAX_EXAMPLES = 3
BEST_CRITERIA = 2


def organisation_name() -> str:
    """This organisation's name for its own prompts (GALLERY_ORGANISATION_NAME or SITE_NAME)."""
    return settings.GALLERY_ORGANISATION_NAME or str(settings.SITE_NAME)


def search_text_of(prompt: GalleryPrompt) -> str:
    return index_text(str(getattr(prompt, name) or "") for name in GalleryPrompt.SEARCH_FIELDS)


def _judged_revision(entry: Entry) -> EntryRevision | None:
    assignment = (
        Assignment.objects.filter(entry=entry).select_related("revision").order_by("pk").first()
    )
    if assignment is not None:
        return assignment.revision
    return entry.revisions.filter(number=entry.revision).first()


def _credit(entry: Entry) -> tuple[str, str]:
    author = entry.author
    department = author.department.name_ja if author.department else ""
    if entry.credit == Entry.Credit.NAME:
        return author.display_name, department
    if entry.credit == Entry.Credit.DEPARTMENT:
        return "", department
    return "", ""


def _variables(revision: EntryRevision, first_task_values: dict[str, str]) -> list[dict[str, str]]:
    names = templating.placeholders(revision.system_prompt + "\n" + revision.prompt_template)
    with translation.override(settings.LANGUAGE_CODE):
        input_label = _("Input")
    return [
        {
            "name": name,
            "label": input_label if name == "input" else name,
            "example": first_task_values.get(name, ""),
        }
        for name in names
    ]


def _examples(runs: list[Run], redaction: Redaction | None) -> list[dict[str, str]]:
    outputs = {int(k): v for k, v in (redaction.outputs if redaction else {}).items()}
    return [
        {
            "task": run.task.title,
            "input": run.task.input,
            "output": outputs.get(run.pk, run.output),
            "model": run.response_model or run.model,
        }
        for run in runs[:MAX_EXAMPLES]
    ]


def _best_criteria(entry: Entry) -> str:
    """The criteria this entry scored best on, by name only."""
    rows = (
        Score.objects.filter(
            sheet__assignment__entry=entry,
            sheet__submitted_at__isnull=False,
            level__isnull=False,
        )
        .values("criterion__name_ja")
        .annotate(mean=Avg("level"))
        .order_by("-mean", "criterion__position")[:BEST_CRITERIA]
    )
    names = [row["criterion__name_ja"] for row in rows]
    if not names:
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Rated highest on: %(criteria)s") % {"criteria": "、".join(names)}


def _snapshot(
    entry: Entry, contest: Contest, award: AwardDecision | None, rank: int | None
) -> GalleryPrompt | None:
    revision = _judged_revision(entry)
    if revision is None:
        return None
    redaction = (
        Redaction.objects.filter(revision=revision).first()
        if entry.credit == Entry.Credit.ANONYMOUS
        else None
    )
    text = redaction or revision
    runs = list(
        Run.objects.entry_runs()
        .filter(
            revision=revision,
            status=Run.Status.SUCCEEDED,
            sample_index=0,
            sample_task__visible_to_entrants=True,
        )
        .select_related("sample_task")
        .order_by("sample_task__position", "sample_task_id")
    )
    visible_task = contest.sample_tasks.filter(visible_to_entrants=True).first()
    first_values = visible_task.template_variables() if visible_task else {}
    credit_name, credit_department = _credit(entry)
    before, after = revision.minutes_before, revision.minutes_after
    rationale = ""
    if award is not None:
        rationale = award.rationale.strip() or _best_criteria(entry)
    prompt = GalleryPrompt(
        title=text.title,
        category=revision.category_name or (entry.category.name if entry.category else ""),
        purpose=text.purpose,
        system_prompt=text.system_prompt,
        prompt_template=text.prompt_template,
        variables=_variables(revision, first_values),
        usage_notes=text.usage_notes,
        minutes_before=before,
        minutes_after=after,
        minutes_saved=GalleryPrompt.saved_per_use(before, after),
        examples=_examples(runs, redaction),
        award_name=award.tier.name_ja if award else "",
        award_rank=rank,
        rationale=rationale,
        contest=contest,
        contest_title=contest.title,
        fiscal_year=fiscal_year(timezone.localtime(contest.closes_at).date()),
        entry=entry,
        credit_name=credit_name,
        credit_department=credit_department,
        organisation=organisation_name(),
        published_at=timezone.now(),
    )
    prompt.search_text = search_text_of(prompt)
    return prompt


def _awards(contest: Contest) -> dict[int, tuple[AwardDecision, int]]:
    """Entry id -> (its award, the tier's rank, 1 for the highest)."""
    tiers = {tier.pk: rank for rank, tier in enumerate(contest.award_tiers.all(), start=1)}
    decisions = AwardDecision.objects.filter(contest=contest, entry__isnull=False).select_related(
        "tier"
    )
    return {d.entry_id: (d, tiers[d.tier_id]) for d in decisions if d.entry_id is not None}


def _candidates(contest: Contest, awarded: Iterable[int]) -> list[Entry]:
    chosen = Q(pk__in=list(awarded))
    if contest.allow_gallery_sharing:
        chosen |= Q(share_in_gallery=True)
    return list(
        Entry.objects.filter(
            chosen,
            contest=contest,
            status=Entry.Status.SUBMITTED,
            gallery_prompt__isnull=True,
        )
        .select_related("author__department", "category")
        .order_by("pk")
    )


def contest_publish(contest: Contest) -> None:
    """Snapshot the contest's winners and shared entries into the gallery (the effect of
    the move to `published`)."""
    awards = _awards(contest)
    prompts = []
    for entry in _candidates(contest, awards):
        award, rank = awards.get(entry.pk, (None, None))
        prompt = _snapshot(entry, contest, award, rank)
        if prompt is not None:
            prompts.append(prompt)
    GalleryPrompt.objects.bulk_create(prompts)
    transaction.on_commit(gallery_facets_forget)
