"""`manage.py seed_demo`: the fictional city of みなと坂市 with an open contest and entries.

Idempotent: when the demo contest exists, nothing changes and the logins are printed
again. Everything else comes from the data files in `contest/demo/`; the contest goes
through the bundle importer and the entries through `entry_submit`, so the demo is made
exactly as real use makes it, runs queued included. Later apps add their part through
`contest.extensions.register_demo_step` (judging: an earlier contest, judged, with its
awards decided), in the same transaction.
"""

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, User
from contest import extensions
from contest.models import Contest, Entry, EntryRevision, Run
from contest.organise.bundle import bundle_import
from contest.rules import japan_time
from contest.services import entry_submit

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
# One password for every demo login, printed with them; never used outside the demo.
DEMO_PASSWORD = "minatozaka-demo-2025"  # noqa: S105
# Organisers and judges sign in with a second factor; the demo's is published like its
# password, and `seed_demo --code` prints what an authenticator app would show now.
DEMO_TOTP_SECRET = "MINATOZAKADEMOTWOFACTORKEYABCDEF"  # noqa: S105
ROLES_WITH_TWO_FACTORS = ("organiser", "judge")
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
    has_app = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    if row["role"] in ROLES_WITH_TWO_FACTORS and not has_app:
        TOTP.activate(user, DEMO_TOTP_SECRET)
    return user


def demo_totp_code(now: float | None = None) -> str:
    """The code an authenticator app holding the demo's key shows at `now`."""
    moment = time.time() if now is None else now
    code: str = format_hotp_value(
        hotp_value(DEMO_TOTP_SECRET, int(moment) // mfa_settings.TOTP_PERIOD)
    )
    return code


def _demo_bundle() -> dict[str, Any]:
    """The bundle with dates around today and this installation's model."""
    bundle: dict[str, Any] = _load("contest.json")
    now = timezone.now().replace(second=0, microsecond=0)
    bundle["opens_at"] = (now - timedelta(days=7)).isoformat()
    bundle["closes_at"] = (now + timedelta(days=30)).isoformat()
    bundle["judging_ends_at"] = (now + timedelta(days=44)).isoformat()
    bundle["results_at"] = (now + timedelta(days=58)).isoformat()
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

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--code",
            action="store_true",
            help="Print the demo organiser's and judges' current two-factor code and stop.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            # The demo's accounts share a password printed in this repository.
            raise CommandError(
                _(
                    "seed_demo creates accounts with a published password; it refuses to run "
                    "with DJANGO_DEBUG=0."
                )
            )
        if options["code"]:
            self.stdout.write(demo_totp_code())
            return
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
        runs = Run.objects.entry_runs().filter(contest=contest, status=Run.Status.QUEUED).count()
        closes = japan_time(contest.closes_at)
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
        self.stdout.write(
            _(
                "Organisers and judges also give a two-factor code: add the key %(key)s to an "
                "authenticator app, or run “python manage.py seed_demo --code” for the code "
                "of this moment."
            )
            % {"key": DEMO_TOTP_SECRET}
        )
