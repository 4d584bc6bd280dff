"""Celery tasks: thin, they take ids and call a mail service (see judging/mails.py)."""

from celery import shared_task

from judging import mails

# A mail server that is down or refuses for a moment (OSError covers SMTP errors): try
# again, later each time.


@shared_task(
    name=mails.ASSIGNMENT_MAIL_TASK,
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=5,
)
def send_assignment_mail(contest_id: int, judge_id: int) -> None:
    mails.assignment_mail_send(contest_id=contest_id, judge_id=judge_id)


@shared_task(
    name=mails.REMINDER_MAIL_TASK,
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=5,
)
def send_reminder_mail(contest_id: int, judge_id: int) -> None:
    mails.reminder_mail_send(contest_id=contest_id, judge_id=judge_id)
