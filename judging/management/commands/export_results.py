"""`manage.py export_results SLUG --format csv|json [--output FILE]`: the results page's
downloads, made by the same function (`judging.results.export.results_export`)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from contest.models import Contest
from judging.results.export import FORMATS, results_export


class Command(BaseCommand):
    help = "Write a contest's ranking, scores and awards as CSV (for Excel) or JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The contest's short name, as in its address.")
        parser.add_argument("--format", choices=FORMATS, default="csv", dest="fmt")
        parser.add_argument(
            "--output", type=Path, help="Write to this file instead of the standard output."
        )

    def handle(self, *args: Any, slug: str, fmt: str, output: Path | None, **options: Any) -> None:
        contest = Contest.objects.filter(slug=slug).first()
        if contest is None:
            raise CommandError(_("There is no contest “%(slug)s”.") % {"slug": slug})
        data = results_export(contest, fmt)
        if output is not None:
            output.write_bytes(data)
        else:
            self.stdout.write(data.decode("utf-8"), ending="")
