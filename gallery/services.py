"""Every write to the gallery after publication: unpublish and republish, and the counters.

Counters move by `F()` in one UPDATE that also requires the prompt to be published, so two
clicks at the same moment both count, and a click on a prompt unpublished in between counts
nothing. A like is a row with a unique (prompt, person) constraint: the counter moves only
when the row was really made or removed.
"""

from collections.abc import Mapping
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contest.runs.previews import PreviewInput, runs_create_preview
from gallery.models import GalleryLike, GalleryPrompt, GalleryUse
from gallery.selectors import gallery_facets_forget

MAX_REASON_CHARS = 1000


def _refuse_unpublished() -> None:
    raise ValidationError(
        _("This prompt is no longer published, so nothing was recorded."), code="unpublished"
    )


def _count(prompt_id: int, **changes: object) -> None:
    updated = GalleryPrompt.objects.published().filter(pk=prompt_id).update(**changes)
    if updated != 1:
        _refuse_unpublished()


def prompt_copy(*, prompt_id: int) -> None:
    _count(prompt_id, copy_count=F("copy_count") + 1)


def prompt_try_count(*, prompt_id: int) -> None:
    _count(prompt_id, try_count=F("try_count") + 1)


def prompt_like(*, prompt_id: int, user: User) -> bool:
    """Like it (once per person); True when this call made the like."""
    with transaction.atomic():
        if not GalleryPrompt.objects.published().filter(pk=prompt_id).exists():
            _refuse_unpublished()
        try:
            with transaction.atomic():
                GalleryLike.objects.create(prompt_id=prompt_id, user=user)
        except IntegrityError:
            return False
        _count(prompt_id, like_count=F("like_count") + 1)
    return True


def prompt_unlike(*, prompt_id: int, user: User) -> bool:
    """Take the like back; True when there was one."""
    with transaction.atomic():
        deleted, _rows = GalleryLike.objects.filter(prompt_id=prompt_id, user=user).delete()
        if not deleted:
            return False
        # An unpublished prompt keeps its count as it was; the like is gone all the same.
        GalleryPrompt.objects.filter(pk=prompt_id, like_count__gt=0).update(
            like_count=F("like_count") - 1
        )
    return True


def prompt_use(*, prompt_id: int, user: User, minutes_saved: int | None) -> GalleryUse:
    with transaction.atomic():
        _count(
            prompt_id,
            use_count=F("use_count") + 1,
            reported_minutes_saved=F("reported_minutes_saved") + (minutes_saved or 0),
        )
        return GalleryUse.objects.create(
            prompt_id=prompt_id, user=user, minutes_saved=minutes_saved
        )


def prompt_unpublish(*, prompt: GalleryPrompt, by: User, reason: str) -> None:
    reason = reason.strip()[:MAX_REASON_CHARS]
    if not reason:
        raise ValidationError(_("Say why the prompt is unpublished."), code="no_reason")
    changed = GalleryPrompt.objects.filter(
        pk=prompt.pk, status=GalleryPrompt.Status.PUBLISHED
    ).update(
        status=GalleryPrompt.Status.UNPUBLISHED,
        unpublished_reason=reason,
        unpublished_by=by,
        unpublished_at=timezone.now(),
    )
    if changed != 1:
        raise ValidationError(_("This prompt is already unpublished."), code="unpublished")
    transaction.on_commit(gallery_facets_forget)


def prompt_republish(*, prompt: GalleryPrompt) -> None:
    changed = GalleryPrompt.objects.filter(
        pk=prompt.pk, status=GalleryPrompt.Status.UNPUBLISHED
    ).update(status=GalleryPrompt.Status.PUBLISHED)
    if changed != 1:
        raise ValidationError(_("This prompt is already published."), code="published")
    transaction.on_commit(gallery_facets_forget)


def prompt_try(*, prompt: GalleryPrompt, user: User, values: Mapping[str, str]) -> UUID:
    """ "Try it": one preview run of the prompt filled with what the person typed, on the
    same engine as contest runs (`contest.runs.previews`); the key `preview_runs` reads.

    The try is counted in the same transaction as the run is queued, so a refusal (personal
    data, the hourly limit, a prompt unpublished meanwhile) counts nothing and queues
    nothing; each refusal is the ValidationError `runs_create_preview` raises.
    """
    with transaction.atomic():
        prompt_try_count(prompt_id=prompt.pk)
        return runs_create_preview(
            user=user,
            system_prompt=prompt.system_prompt,
            prompt_template=prompt.prompt_template,
            inputs=[
                PreviewInput(
                    variables=dict(values),
                    label=prompt.title,
                    variable_labels={
                        variable["name"]: variable["label"] for variable in prompt.variables
                    },
                )
            ],
        )
