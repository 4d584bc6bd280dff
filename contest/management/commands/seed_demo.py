"""`manage.py seed_demo`: the fictional city of みなと坂市 with an open contest and entries.

Idempotent: when the demo contest exists, nothing changes and the logins are printed
again. Everything else comes from the data files in `contest/demo/`; the contest goes
through the bundle importer and the entries through `entry_submit`, so the demo is made
exactly as real use makes it, runs queued included. Later apps add their part through
`contest.extensions.register_demo_step` (judging: an earlier contest, judged, with its
awards decided), in the same transaction.
"""

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, User
from contest import extensions
from contest.models import Contest, Entry, EntryRevision, Run
from contest.organise.bundle import bundle_import
from contest.services import entry_submit

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
# One password for every demo login, printed with them; never used outside the demo.
DEMO_PASSWORD = "minatozaka-demo-2025"  # noqa: S105
ENTRY_FIELDS = (*EntryRevision.SNAPSHOT_FIELDS, "credit")


def _load(name: str) -> Any:
    return json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))


def _email(local: str, people: dict[str, Any]) -> str:
    return f"{local}@{people['email_domain']}"


def _departments(people: dict[str, Any]) -> dict[str, Department]:
    departments = {}
    for row in people["departments"]:
        department, _created = Department.objects.get_or_create(
            code=row["code"], defaults={"name_ja": row["name_ja"], "name_en": row["name_en"]}
        )
        departments[row["code"]] = department
    return departments


def _user(row: dict[str, Any], people: dict[str, Any], department: Department) -> User:
    """The person's account with a verified primary address; an existing one is kept."""
    email = _email(row["email"], people)
    user = User.objects.filter(email=email).first()
    if user is None:
        organiser = row["role"] == "organiser"
        user = User.objects.create_user(
            email,
            DEMO_PASSWORD,
            display_name=row["name"],
            department=department,
            is_organiser=organiser,
            # The demo organiser may also open the admin to look behind the pages.
            is_staff=organiser,
            is_superuser=organiser,
        )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _demo_bundle() -> dict[str, Any]:
    """The bundle with dates around today and this installation's model."""
    bundle: dict[str, Any] = _load("contest.json")
    now = timezone.now().replace(second=0, microsecond=0)
    bundle["opens_at"] = (now - timedelta(days=7)).isoformat()
    bundle["closes_at"] = (now + timedelta(days=30)).isoformat()
    bundle["model"] = {
        **bundle["model"],
        "provider": settings.LLM_PROVIDER,
        "name": settings.LLM_MODEL,
    }
    return bundle


def _submit_entries(contest: Contest, users: dict[str, User]) -> list[Entry]:
    categories = {category.name: category for category in contest.categories.all()}
    entries = []
    for row in _load("entries.json"):
        entry = Entry.objects.create(
            contest=contest,
            author=users[row["author"]],
            category=categories[row["category"]],
            **{name: row[name] for name in ENTRY_FIELDS},
        )
        entry_submit(entry=entry)
        entries.append(entry)
    return entries


class Command(BaseCommand):
    help = "Create the demo city, its staff and an open contest with entries (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            # The demo's accounts share a password printed in this repository.
            raise CommandError(
                _(
                    "seed_demo creates accounts with a published password; it refuses to run "
                    "with DJANGO_DEBUG=0."
                )
            )
        people = _load("people.json")
        slug = _load("contest.json")["slug"]
        if Contest.objects.filter(slug=slug).exists():
            self.stdout.write(_("The demo already exists; nothing was changed."))
        else:
            self._seed(people)
        self._print_logins(people)

    @transaction.atomic
    def _seed(self, people: dict[str, Any]) -> None:
        departments = _departments(people)
        users = {
            row["email"]: _user(row, people, departments[row["department"]])
            for row in people["people"]
        }
        organiser = next(users[r["email"]] for r in people["people"] if r["role"] == "organiser")
        result = bundle_import(data=_demo_bundle(), created_by=organiser)
        contest = result.contest
        contest.judges.set(users[r["email"]] for r in people["people"] if r["role"] == "judge")
        entries = _submit_entries(contest, users)
        runs = Run.objects.filter(entry__contest=contest, status=Run.Status.QUEUED).count()
        closes = timezone.localtime(contest.closes_at).strftime("%Y-%m-%d %H:%M")
        self.stdout.write(
            self.style.SUCCESS(_("Demo created: %(city)s") % {"city": people["city"]})
        )
        lines = [
            _("%(departments)d departments, %(people)d people with verified e-mail addresses.")
            % {"departments": len(departments), "people": len(users)},
            _("Contest: %(title)s [%(slug)s], open until %(closes)s (Japan time).")
            % {"title": contest.title, "slug": contest.slug, "closes": closes},
            _("%(tasks)d sample tasks, %(categories)d categories, %(judges)d judges.")
            % {
                "tasks": contest.sample_tasks.count(),
                "categories": contest.categories.count(),
                "judges": contest.judges.count(),
            },
            _("%(entries)d entries submitted; %(runs)d runs queued on %(provider)s / %(model)s.")
            % {
                "entries": len(entries),
                "runs": runs,
                "provider": contest.model_provider,
                "model": contest.model_name,
            },
        ]
        lines += extensions.demo_steps_run(users)
        for line in lines:
            self.stdout.write("  " + line)

    def _print_logins(self, people: dict[str, Any]) -> None:
        roles = {"organiser": _("organiser"), "judge": _("judge"), "staff": _("staff")}
        departments = {row["code"]: row["name_ja"] for row in people["departments"]}
        self.stdout.write("")
        self.stdout.write(
            _("Demo logins (the password for all: %(password)s)") % {"password": DEMO_PASSWORD}
        )
        for row in people["people"]:
            email = _email(row["email"], people)
            department = departments[row["department"]]
            self.stdout.write(
                f"  {roles[row['role']]:<10} {email:<40} {row['name']}（{department}）"
            )
