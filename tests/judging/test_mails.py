"""Mails to judges: sent once, in the judge's language, by tasks that take ids."""

from typing import Any

import pytest
from django.core import mail

from accounts.models import User
from contest.models import Contest
from judging import mails, tasks
from judging.models import Assignment
from tests.judging.scenes import Scene, judged_contest


@pytest.fixture
def scene(db: None) -> Scene:
    return judged_contest(entries=4, judges=2, k=1, departments=2)


def _judge_with_work(scene: Scene) -> User:
    return next(j for j in scene.judges if Assignment.objects.filter(judge=j).exists())


@pytest.mark.django_db
def test_a_judge_is_told_once_about_new_assignments_in_their_language(
    scene: Scene, settings: Any
) -> None:
    settings.SITE_URL = "https://contest.city.example.jp"
    judge = _judge_with_work(scene)
    User.objects.filter(pk=judge.pk).update(preferred_language="en")
    count = Assignment.objects.filter(judge=judge).count()

    tasks.send_assignment_mail(scene.contest.pk, judge.pk)
    tasks.send_assignment_mail(scene.contest.pk, judge.pk)  # a duplicate delivery

    (message,) = mail.outbox
    assert message.to == [judge.email]
    assert scene.contest.title in message.subject
    assert "Entries to judge" in message.subject
    assert f"{count} entries of “{scene.contest.title}”" in message.body
    assert "https://contest.city.example.jp/judging/" in message.body
    assert not Assignment.objects.filter(judge=judge, notified_at__isnull=True).exists()


@pytest.mark.django_db
def test_the_mail_is_japanese_for_a_judge_who_reads_japanese(scene: Scene) -> None:
    judge = _judge_with_work(scene)
    tasks.send_assignment_mail(scene.contest.pk, judge.pk)
    (message,) = mail.outbox
    assert message.subject == f"[プロンプトコンテスト] 審査のお願い: {scene.contest.title}"
    assert message.body.startswith(f"{judge.label} 様")


@pytest.mark.django_db
def test_a_failed_send_leaves_the_assignments_to_be_told_again(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    judge = _judge_with_work(scene)

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("mail server down")

    monkeypatch.setattr(mails, "send_mail", refuse)
    with pytest.raises(OSError):
        mails.assignment_mail_send(contest_id=scene.contest.pk, judge_id=judge.pk)
    assert Assignment.objects.filter(judge=judge, notified_at__isnull=True).exists()


@pytest.mark.django_db
def test_reminders_go_to_judges_behind_and_say_how_many_are_left(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[list[int]] = []
    monkeypatch.setattr("judging.mails.current_app.send_task", lambda name, args: sent.append(args))
    behind, done = scene.judges
    Assignment.objects.filter(judge=done).update(status=Assignment.Status.SUBMITTED)
    open_count = Assignment.objects.filter(judge=behind).count()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("judging.mails.transaction.on_commit", lambda fn, robust: fn())
        reminded = mails.judges_remind(contest=scene.contest)
    assert reminded == [behind.pk]
    assert sent == [[scene.contest.pk, behind.pk]]

    tasks.send_reminder_mail(scene.contest.pk, behind.pk)
    (message,) = mail.outbox
    assert message.to == [behind.email]
    assert f"担当{open_count}件のうち、まだ{open_count}件が未採点です。" in message.body


@pytest.mark.django_db
def test_no_reminder_once_judging_is_over(scene: Scene) -> None:
    judge = _judge_with_work(scene)
    Contest.objects.filter(pk=scene.contest.pk).update(status=Contest.Status.RESULTS)
    assert not mails.reminder_mail_send(contest_id=scene.contest.pk, judge_id=judge.pk)
    assert not mail.outbox
