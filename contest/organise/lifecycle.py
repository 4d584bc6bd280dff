"""The contest lifecycle: draft → open → judging → results → published.

Plain functions. Each guard explains itself in words an organiser can act on, so the
dashboard can show every button with the reason it is (or is not) available.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from contest import extensions
from contest.models import Contest, Entry, SampleTask
from contest.rules import japan_time
from contest.timeline import JUDGING_ENDS, RESULTS_ANNOUNCED

Status = Contest.Status

# The only forward step from each state; nothing may be skipped.
NEXT_STATUS: dict[str, str] = {
    Status.DRAFT: Status.OPEN,
    Status.OPEN: Status.JUDGING,
    Status.JUDGING: Status.RESULTS,
    Status.RESULTS: Status.PUBLISHED,
}
# The only step back: an open contest nobody has entered yet can return to draft.
PREVIOUS_STATUS: dict[str, str] = {Status.OPEN: Status.DRAFT}

# These go through a confirmation page that says what happens and what comes next: the
# steps with no way back, and opening, where the model connection is tested. Going back
# to draft loses nothing, so it stays one click.
CONFIRMED_STATUSES = frozenset({Status.OPEN, Status.JUDGING, Status.RESULTS, Status.PUBLISHED})

# Each target status has one way in, so the target names the action.
ACTION_LABELS: dict[str, Promise] = {
    Status.OPEN: gettext_lazy("Open for entries"),
    Status.DRAFT: gettext_lazy("Back to draft"),
    Status.JUDGING: gettext_lazy("Close entries and start judging"),
    Status.RESULTS: gettext_lazy("Finish judging and prepare results"),
    Status.PUBLISHED: gettext_lazy("Publish the results"),
}


@dataclass(frozen=True)
class Consequences:
    """What a status change does, whether it can be undone, and what the organiser does next."""

    happens: list[str]
    undoable: bool
    next_step: str


class TransitionError(ValidationError):
    """A status change that is not allowed, with a message that says why and what to do."""


class Transition(NamedTuple):
    status: str
    ok: bool
    reason: str

    @property
    def label(self) -> str:
        return str(ACTION_LABELS[self.status])


def _when(value: datetime) -> str:
    return japan_time(value)


def _has_entries() -> Exists:
    return Exists(Entry.objects.filter(contest=OuterRef("pk")))


def _has_tasks() -> Exists:
    return Exists(SampleTask.objects.filter(contest=OuterRef("pk")))


def _guard_problem(contest: Contest, to_status: str, now: datetime) -> TransitionError | None:
    """Why `contest` cannot move to `to_status` now, or None when it can."""
    current = contest.status
    if to_status == current:
        return TransitionError(
            _("The contest is already “%(status)s”.") % {"status": Status(current).label},
            code="same_status",
        )
    if to_status not in Status.values:
        return TransitionError(_("Unknown status “%(status)s”.") % {"status": to_status})
    if to_status == Status.PUBLISHED and current != Status.RESULTS:
        return TransitionError(
            _(
                "Results can be published only after judging has finished "
                "and the results are ready."
            ),
            code="publish_needs_results",
        )
    if to_status not in (NEXT_STATUS.get(current), PREVIOUS_STATUS.get(current)):
        return TransitionError(
            _(
                "A contest cannot go from “%(current)s” to “%(target)s”: "
                "it moves one step at a time (draft, open, judging, results, published)."
            )
            % {"current": Status(current).label, "target": Status(to_status).label},
            code="skip",
        )
    if to_status == Status.OPEN:
        if not contest.sample_tasks.exists():
            return TransitionError(
                _(
                    "Add at least one sample task before opening: "
                    "every entry is run on the sample tasks."
                ),
                code="no_sample_task",
            )
        if contest.closes_at <= now:
            return TransitionError(
                _(
                    "The closing time (%(closes)s) has already passed. "
                    "Edit the contest and set a closing time in the future first."
                )
                % {"closes": _when(contest.closes_at)},
                code="closes_in_past",
            )
    if to_status == Status.DRAFT and contest.entries.exists():
        return TransitionError(
            _(
                "Staff have already entered this contest, so it cannot go back to draft. "
                "Edit the settings while it stays open instead."
            ),
            code="has_entries",
        )
    if to_status == Status.JUDGING and now < contest.opens_at:
        return TransitionError(
            _(
                "The contest has not started yet (it opens at %(opens)s). "
                "Wait until it opens, or move the opening time earlier."
            )
            % {"opens": _when(contest.opens_at)},
            code="before_opens",
        )
    # Rules of the apps that own later stages (every sheet scored, every award decided).
    registered = extensions.transition_guard_problems(contest, to_status)
    if registered:
        return TransitionError(_join_sentences(registered), code="not_ready")
    return None


def _join_sentences(sentences: list[str]) -> str:
    # Japanese sentences run on without a space; English ones need one.
    separator = "" if (get_language() or "").startswith("ja") else " "
    return separator.join(sentences)


def _ok_note(contest: Contest, to_status: str, now: datetime) -> str:
    """What happens next, and any warning the organiser should see before pressing."""
    if to_status == Status.OPEN:
        if contest.opens_at > now:
            return _("Staff can enter from %(opens)s until %(closes)s.") % {
                "opens": _when(contest.opens_at),
                "closes": _when(contest.closes_at),
            }
        return _("Staff can enter until %(closes)s.") % {"closes": _when(contest.closes_at)}
    if to_status == Status.DRAFT:
        return _("Staff can no longer see or enter the contest until you open it again.")
    if to_status == Status.JUDGING:
        notes = [_("After this, nobody can submit or revise an entry.")]
        if now < contest.closes_at:
            notes.append(
                _("The closing time (%(closes)s) has not come yet; this closes entries early.")
                % {"closes": _when(contest.closes_at)}
            )
        if not contest.judges.exists():
            notes.append(_("Warning: no judges are chosen yet. Choose them in the settings."))
        return _join_sentences(notes)
    if to_status == Status.RESULTS:
        return _("Judging ends; you can review the ranking and awards before publishing.")
    return _("Everyone can see the results and the winning prompts.")


def transition_problem(
    contest: Contest, to_status: str, now: datetime | None = None
) -> TransitionError | None:
    """Why the contest cannot move to `to_status` now, or None when it can."""
    return _guard_problem(contest, to_status, now or timezone.now())


def _then(next_step: str, label: Promise, when: datetime | None) -> str:
    """The next step, with the date the timeline announces for it when there is one."""
    if when is None:
        return next_step
    planned = _("Planned on the timeline: %(label)s %(when)s.") % {
        "label": label,
        "when": _when(when),
    }
    return _join_sentences([next_step, planned])


def transition_consequences(
    contest: Contest, to_status: str, now: datetime | None = None
) -> Consequences:
    """What the confirmation page says about moving the contest to `to_status`."""
    now = now or timezone.now()
    if to_status == Status.OPEN:
        tasks = contest.sample_tasks.count()
        happens = [
            _ok_note(contest, to_status, now),
            ngettext(
                "Every entry is run on the %(count)d sample task with %(model)s.",
                "Every entry is run on the %(count)d sample tasks with %(model)s.",
                tasks,
            )
            % {"count": tasks, "model": _model_label(contest)},
        ]
        return Consequences(
            happens=happens,
            undoable=True,
            next_step=_(
                "You can take the contest back to draft as long as nobody has entered. After "
                "the closing time, close entries here to start judging."
            ),
        )
    if to_status == Status.JUDGING:
        happens = [
            _("Once entries close, entrants can no longer edit them. This cannot be undone.")
        ]
        if now < contest.closes_at:
            happens.append(
                _("The closing time (%(closes)s) has not come yet; this closes entries early.")
                % {"closes": _when(contest.closes_at)}
            )
        submitted = contest.entries.filter(status=Entry.Status.SUBMITTED).count()
        happens.append(
            ngettext(
                "%(count)d submitted entry will be judged; drafts are not judged.",
                "%(count)d submitted entries will be judged; drafts are not judged.",
                submitted,
            )
            % {"count": submitted}
        )
        next_step = _(
            "The judges score the entries assigned to them. When they have finished, finish "
            "judging here to prepare the results."
        )
        return Consequences(
            happens=happens,
            undoable=False,
            next_step=_then(next_step, JUDGING_ENDS, contest.judging_ends_at),
        )
    if to_status == Status.RESULTS:
        happens = [
            _(
                "Judging ends: the ranking is prepared from the scores as they are now. "
                "This cannot be undone."
            )
        ]
        next_step = _("Review the ranking and decide the awards, then publish the results here.")
        return Consequences(
            happens=happens,
            undoable=False,
            next_step=_then(next_step, RESULTS_ANNOUNCED, contest.results_at),
        )
    return Consequences(
        happens=[
            _(
                "Everyone can see the results and the winning prompts, and the winners are "
                "added to the gallery. This cannot be undone."
            )
        ],
        undoable=False,
        next_step=_("This is the last stage: the contest then stays as it is, for reference."),
    )


def _model_label(contest: Contest) -> str:
    if contest.model_provider == Contest.Provider.ECHO:
        return str(_("the offline preview (no model is called)"))
    return f"{contest.model_name} ({contest.get_model_provider_display()})"


def _status_condition(to_status: str) -> Q:
    """The guards the database itself re-checks in the update, so a race cannot slip by."""
    if to_status == Status.OPEN:
        return Q(_has_tasks())
    if to_status == Status.DRAFT:
        return ~Q(_has_entries())
    return Q()


def allowed_transitions(contest: Contest, now: datetime | None = None) -> list[Transition]:
    """Every step the contest could take from its current state, with why or why not."""
    now = now or timezone.now()
    targets = [
        status
        for status in (NEXT_STATUS.get(contest.status), PREVIOUS_STATUS.get(contest.status))
        if status
    ]
    transitions = []
    for status in targets:
        problem = _guard_problem(contest, status, now)
        if problem is None:
            transitions.append(Transition(status, True, _ok_note(contest, status, now)))
        else:
            transitions.append(Transition(status, False, str(problem.message)))
    return transitions


def transition_warnings(contest: Contest, to_status: str) -> list[str]:
    """Things that are allowed but deserve a second look after the change."""
    if to_status == Status.JUDGING and not contest.judges.exists():
        return [_("No judges are chosen yet. Choose them in the settings before judging starts.")]
    return []


def contest_transition(*, contest: Contest, to_status: str, now: datetime | None = None) -> Contest:
    """Move the contest one step; raise TransitionError (with the reason) when not allowed."""
    now = now or timezone.now()
    with transaction.atomic():
        # Entries lock the contest row while they are written: holding it here, the guards
        # below see every entry committed before us, and no entry slips in after.
        Contest.objects.select_for_update().values_list("pk", flat=True).get(pk=contest.pk)
        return _transition_locked(contest, to_status, now)


def _transition_locked(contest: Contest, to_status: str, now: datetime) -> Contest:
    problem = _guard_problem(contest, to_status, now)
    if problem is not None:
        raise problem
    changed = Contest.objects.filter(
        _status_condition(to_status), pk=contest.pk, status=contest.status
    ).update(status=to_status)
    if changed != 1:
        fresh = Contest.objects.get(pk=contest.pk)
        # Same status: a guard the database re-checked failed (an entry just arrived).
        if fresh.status == contest.status:
            problem = _guard_problem(fresh, to_status, now)
        raise problem or TransitionError(
            _(
                "Someone else changed this contest at the same time (it is now “%(status)s”). "
                "Reload the page and try again."
            )
            % {"status": Status(fresh.status).label},
            code="concurrent",
        )
    previous, contest.status = contest.status, to_status
    try:
        # In this transaction: what another app does on the change (assign the judges,
        # publish the winners) happens with it or not at all.
        extensions.transition_effects_run(contest, to_status)
    except ValidationError as error:
        contest.status = previous
        raise TransitionError(_join_sentences(error.messages), code="effect_failed") from error
    return contest
