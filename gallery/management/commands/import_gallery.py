"""`manage.py import_gallery FILE.json`: another organisation's gallery export, read-only.

The file is `/gallery/export.json` of another site (schema in the README). Importing again
updates the prompts it brought instead of adding copies. A file of another schema or
version, or with a bad field, is refused with the JSON path of that field, and nothing
changes.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gallery.exchange import SchemaError, gallery_import


class Command(BaseCommand):
    help = "Import another organisation's gallery export (export.json) into the gallery."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The export, a UTF-8 JSON file.")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror}
            ) from error
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(
                _("%(file)s is not UTF-8 JSON (%(error)s); nothing was imported.")
                % {"file": file, "error": error}
            ) from error
        try:
            outcome = gallery_import(data=data)
        except SchemaError as error:
            raise CommandError(
                _("%(path)s %(problem)s; nothing was imported.")
                % {"path": error.path, "problem": error.problem}
            ) from error
        self.stdout.write(
            _("Imported %(created)d new prompts and updated %(updated)d.")
            % {"created": outcome.created, "updated": outcome.updated}
        )
