"""A contest's timeline: entries open, entries close, judging ends, results announced.

Pure: a contest row and a moment in, four steps out, no query. The stage is read from the
status (what organisers have done) and, while the contest is open, from the clock (entries
are accepted only between the opening and the closing time). The last two dates are
optional announcements; a step without a date is still shown, as "to be announced".
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from contest.models import Contest

Status = Contest.Status

ENTRIES_OPEN = _("Entries open")
ENTRIES_CLOSE = _("Entries close")
JUDGING_ENDS = _("Judging ends")
RESULTS_ANNOUNCED = _("Results announced")
STEP_LABELS: tuple[Promise, ...] = (ENTRIES_OPEN, ENTRIES_CLOSE, JUDGING_ENDS, RESULTS_ANNOUNCED)


@dataclass(frozen=True)
class TimelineStep:
    label: str
    when: datetime | None
    state: str  # "done", "current" or "upcoming"

    @property
    def is_current(self) -> bool:
        return self.state == "current"


@dataclass(frozen=True)
class Timeline:
    steps: list[TimelineStep]
    # What is happening now, in words ("Accepting entries"); empty before anything started.
    stage: str


def _current_step(contest: Contest, now: datetime) -> tuple[int, str]:
    """The index of the last step reached (-1: none yet), and the stage in words."""
    if contest.status == Status.DRAFT:
        return -1, str(_("Being prepared: only organisers can see this contest."))
    if contest.status == Status.OPEN:
        if now < contest.opens_at:
            return -1, str(_("Opens soon."))
        if now < contest.closes_at:
            return 0, str(_("Accepting entries."))
        return 1, str(_("Entries are closed; judging starts soon."))
    if contest.status == Status.JUDGING:
        return 1, str(_("Entries are closed and the judges are scoring them."))
    if contest.status == Status.RESULTS:
        return 2, str(_("Judging has ended; the results are being prepared."))
    return 3, str(_("The results are published."))


def contest_timeline(contest: Contest, now: datetime | None = None) -> Timeline:
    current, stage = _current_step(contest, now or timezone.now())
    dates = (contest.opens_at, contest.closes_at, contest.judging_ends_at, contest.results_at)
    steps = []
    for index, (label, when) in enumerate(zip(STEP_LABELS, dates, strict=True)):
        if index < current:
            state = "done"
        elif index == current:
            state = "current"
        else:
            state = "upcoming"
        steps.append(TimelineStep(label=str(label), when=when, state=state))
    return Timeline(steps=steps, stage=stage)
