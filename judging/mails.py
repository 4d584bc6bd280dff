"""What judging tells judges by e-mail: new assignments, and reminders the organiser sends.

Each mail is a Celery task (`judging.tasks`) published once the transaction that made the
work commits; the message carries a contest id and a judge id, and the task reads the rest
from the database. Subject and body are in the judge's preferred language; development
prints them on the console (EMAIL_BACKEND).
"""

from collections.abc import Collection, Iterable, Mapping

from celery import current_app
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from contest.models import Contest
from judging.models import Assignment

ASSIGNMENT_MAIL_TASK = "judging.tasks.send_assignment_mail"
REMINDER_MAIL_TASK = "judging.tasks.send_reminder_mail"


def mail_after_commit(task: str, contest: Contest, judge_ids: Iterable[int]) -> None:
    ids = sorted(judge_ids)
    if not ids:
        return

    def publish() -> None:
        for judge_id in ids:
            current_app.send_task(task, args=[contest.pk, judge_id])

    # robust: a broker that is down must not undo the assignment; the judge still finds
    # the work on their judging page, and a reminder can be sent later.
    transaction.on_commit(publish, robust=True)


def judges_remind(*, contest: Contest, judge_ids: Collection[int] | None = None) -> list[int]:
    """Queue a reminder to each judge (of `judge_ids`, or all) with entries still to score."""
    behind = (
        Assignment.objects.filter(contest=contest, status=Assignment.Status.OPEN)
        .values_list("judge_id", flat=True)
        .distinct()
    )
    if judge_ids is not None:
        behind = behind.filter(judge_id__in=judge_ids)
    ids = sorted(set(behind))
    mail_after_commit(REMINDER_MAIL_TASK, contest, ids)
    return ids


def _send(judge: User, template: str, context: Mapping[str, object]) -> None:
    with translation.override(judge.preferred_language):
        subject = render_to_string(f"judging/email/{template}_subject.txt", dict(context))
        body = render_to_string(f"judging/email/{template}_body.txt", dict(context))
    send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [judge.email])


def _mail_context(contest: Contest, judge: User) -> dict[str, object]:
    mine = Assignment.objects.filter(contest=contest, judge=judge).exclude(
        status=Assignment.Status.WAIVED
    )
    return {
        "judge": judge,
        "contest": contest,
        "total": mine.count(),
        "open": mine.filter(status=Assignment.Status.OPEN).count(),
        "url": settings.SITE_URL + reverse("judging_home"),
    }


def assignment_mail_send(*, contest_id: int, judge_id: int) -> int:
    """Tell the judge about the assignments they have not been told about; how many.

    The assignments are marked first, so a second delivery of the same message finds
    nothing to send; a failed send unmarks them for the retry.
    """
    now = timezone.now()
    pending = Assignment.objects.filter(
        contest_id=contest_id,
        judge_id=judge_id,
        status=Assignment.Status.OPEN,
        notified_at__isnull=True,
    )
    ids = list(pending.values_list("pk", flat=True))
    claimed = Assignment.objects.filter(pk__in=ids, notified_at__isnull=True).update(
        notified_at=now
    )
    if not claimed:
        return 0
    judge = User.objects.get(pk=judge_id)
    contest = Contest.objects.get(pk=contest_id)
    try:
        _send(judge, "assigned", {**_mail_context(contest, judge), "new": claimed})
    except Exception:
        Assignment.objects.filter(pk__in=ids, notified_at=now).update(notified_at=None)
        raise
    return claimed


def reminder_mail_send(*, contest_id: int, judge_id: int) -> bool:
    """Remind the judge of what is left to score, while the contest is being judged."""
    contest = Contest.objects.get(pk=contest_id)
    judge = User.objects.get(pk=judge_id)
    context = _mail_context(contest, judge)
    if contest.status != Contest.Status.JUDGING or not context["open"]:
        return False
    _send(judge, "reminder", context)
    return True
