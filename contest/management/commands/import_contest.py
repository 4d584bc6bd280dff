"""`manage.py import_contest FILE.json [--replace] [--as EMAIL]`: a contest from a bundle.

The format is in DESIGN.md. `--as` names the person importing: the contest's creator, and
who confirmed the tasks marked `"personal_data_confirmed": true`; without it those tasks
record only the time of the import.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts.models import User
from contest.organise.bundle import BundleError, bundle_import, bundle_load_file


class Command(BaseCommand):
    help = (
        "Create a contest with its categories, sample tasks, criteria and award tiers from a "
        "JSON bundle."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The bundle, a UTF-8 JSON file.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace a contest with the same slug, if nobody has entered it yet.",
        )
        parser.add_argument(
            "--as",
            dest="importer",
            metavar="EMAIL",
            help=(
                "The e-mail address of the person importing: recorded as the contest's "
                "creator and as who confirmed the personal data of tasks marked "
                '"personal_data_confirmed": true.'
            ),
        )

    def handle(
        self, *args: Any, file: Path, replace: bool, importer: str | None, **options: Any
    ) -> None:
        created_by = None
        if importer is not None:
            created_by = User.objects.filter(email__iexact=importer.strip()).first()
            if created_by is None:
                raise CommandError(
                    _("No user has the e-mail address %(email)s; nothing was imported.")
                    % {"email": importer}
                )
        try:
            result = bundle_import(
                data=bundle_load_file(file), replace=replace, created_by=created_by
            )
        except BundleError as error:
            problems = "\n".join(f"  - {message}" for message in error.messages)
            raise CommandError(
                _("The bundle was not imported; nothing was changed.\n%(problems)s")
                % {"problems": problems}
            ) from error
        contest = result.contest
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Imported “%(title)s” (%(slug)s): status %(status)s, %(categories)d "
                    "categories, %(tasks)d sample tasks, %(criteria)d criteria, %(awards)d "
                    "award tiers."
                )
                % {
                    "title": contest.title,
                    "slug": contest.slug,
                    "status": contest.status,
                    "categories": contest.categories.count(),
                    "tasks": contest.sample_tasks.count(),
                    "criteria": contest.criteria.count(),
                    "awards": contest.award_tiers.count(),
                }
            )
        )
        for note in result.notes:
            self.stdout.write(note)
