"""Contests in judging, built quickly: entries, revisions and finished runs are bulk-created
(as `entry_submit` and a worker would leave them), then the contest moves to judging
through the real lifecycle, so the assignments are the service's own.

Used by the judging tests and by bench/judging_pages.py (2,000 entries).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from accounts.models import Department, User
from contest.models import Contest, Entry, EntryRevision, Run
from contest.organise.defaults import DEFAULT_AWARD_TIERS, DEFAULT_CRITERIA
from contest.organise.lifecycle import contest_transition
from contest.organise.services import award_tiers_create, criteria_create
from judging.models import Assignment, Score, ScoreSheet
from tests import factories


@dataclass
class Scene:
    contest: Contest
    judges: list[User]
    authors: list[User]
    entries: list[Entry]

    def assignments_of(self, judge: User) -> list[Assignment]:
        return list(Assignment.objects.filter(contest=self.contest, judge=judge).order_by("pk"))


def _departments(count: int) -> list[Department]:
    return [factories.make_department() for _ in range(count)]


def _users(count: int, departments: list[Department], prefix: str) -> list[User]:
    users = User.objects.bulk_create(
        User(
            email=f"{prefix}{n}-{departments[0].pk}@city.example.jp",
            display_name=f"{prefix}{n}",
            department=departments[n % len(departments)],
            password="!",
        )
        for n in range(count)
    )
    return list(users)


def submitted_entries(
    contest: Contest, authors: list[User], *, hidden_task: bool = True
) -> list[Entry]:
    """One submitted entry per author, revision 1, its runs succeeded on every task."""
    if not contest.sample_tasks.exists():
        factories.make_task(contest)
        if hidden_task:
            factories.make_task(
                contest, title="審査用の課題", input="非公開の入力です。", visible_to_entrants=False
            )
    tasks = list(contest.sample_tasks.all())
    now = timezone.now()
    entries = Entry.objects.bulk_create(
        Entry(
            contest=contest,
            author=author,
            status=Entry.Status.SUBMITTED,
            revision=1,
            submitted_at=now,
            title=f"応募作品 {n}",
            purpose="通知文を短くまとめる",
            system_prompt="あなたは市役所の職員です。",
            prompt_template="次の文章を要約してください。\n{{input}}",
            usage_notes="入力欄に貼り付けて使います。",
            minutes_before=30,
            minutes_after=5,
        )
        for n, author in enumerate(authors, start=1)
    )
    revisions = EntryRevision.objects.bulk_create(
        EntryRevision(
            entry=entry,
            number=1,
            title=entry.title,
            category_name="要約",
            purpose=entry.purpose,
            system_prompt=entry.system_prompt,
            prompt_template=entry.prompt_template,
            usage_notes=entry.usage_notes,
            minutes_before=30,
            minutes_after=5,
        )
        for entry in entries
    )
    Run.objects.bulk_create(
        Run(
            entry=revision.entry,
            contest=revision.entry.contest,
            revision=revision,
            sample_task=task,
            status=Run.Status.SUCCEEDED,
            provider="openai",
            model="gpt-4o-mini",
            temperature=0.2,
            max_tokens=800,
            output=f"{revision.title} の出力（{task.title}）",
            check_results=[{"type": "max_chars", "value": 300, "passed": True, "detail": "20"}],
            checks_passed=True,
        )
        for revision in revisions
        for task in tasks
    )
    return list(entries)


def judged_contest(
    *, entries: int = 6, judges: int = 4, k: int = 2, departments: int = 3, **fields: object
) -> Scene:
    """An open contest with `entries` submitted entries and `judges` judges (departments in
    turn), moved to judging: every entry has its k judges."""
    now = timezone.now()
    contest = factories.make_contest(
        judges_per_entry=k,
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=1),
        **fields,
    )
    criteria_create(contest=contest, criteria=DEFAULT_CRITERIA)
    award_tiers_create(contest=contest, tiers=DEFAULT_AWARD_TIERS)
    places = _departments(departments)
    # Judges reach their pages only with two-factor sign-in set up.
    judge_users = [factories.give_authenticator_app(u) for u in _users(judges, places, "judge")]
    # Authors in the same departments as the judges, so recusal has work to do.
    authors = _users(entries, places, "author")
    contest.judges.set(judge_users)
    made = submitted_entries(contest, authors)
    contest_transition(contest=contest, to_status=Contest.Status.JUDGING)
    return Scene(contest=contest, judges=judge_users, authors=authors, entries=made)


def level_for(assignment: Assignment, criterion_index: int) -> int:
    """A deterministic level 1..5 for a sheet, different across entries and judges."""
    return 1 + (assignment.entry_id * 7 + assignment.judge_id * 3 + criterion_index) % 5


def score_everything(contest: Contest) -> None:
    """Submit every open assignment's sheet with `level_for` levels (bulk, no history)."""
    now = timezone.now()
    assignments = list(Assignment.objects.filter(contest=contest, status=Assignment.Status.OPEN))
    sheets = ScoreSheet.objects.bulk_create(
        ScoreSheet(assignment=a, submitted_at=now, overall_comment="良い作品です。")
        for a in assignments
    )
    criteria = list(contest.criteria.all())
    Score.objects.bulk_create(
        Score(sheet=sheet, criterion=criterion, level=level_for(sheet.assignment, index))
        for sheet in sheets
        for index, criterion in enumerate(criteria)
    )
    Assignment.objects.filter(pk__in=[a.pk for a in assignments]).update(
        status=Assignment.Status.SUBMITTED
    )
