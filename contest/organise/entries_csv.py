"""A contest's entries as a CSV file that Excel opens with the Japanese intact.

Excel reads a CSV in the system's code page (Shift_JIS on Japanese Windows) unless the
file starts with a UTF-8 byte order mark, so the file is UTF-8 with a BOM; rows end in
CRLF and `csv` quotes any cell with a comma, a quote or a line break. A cell that starts
like a formula (= + - @, tab, carriage return) gets a leading apostrophe: a title such as
`=HYPERLINK(…)` typed by an entrant stays text in Excel instead of running.
"""

import csv
import io
from collections.abc import Callable, Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from contest.models import Entry

ENCODING = "utf-8-sig"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _count(entry: Entry, name: str) -> int:
    # Annotated by selectors.contest_entries.
    return int(getattr(entry, name))


def entries_csv(entries: Iterable[Entry], *, entry_url: Callable[[Entry], str]) -> bytes:
    """The CSV file's bytes: a header row, then one row per entry in the order given."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            _("ID"),
            _("Title"),
            _("Author"),
            _("E-mail address"),
            _("Department"),
            _("Category"),
            _("Status"),
            _("Revision"),
            _("Submitted at (Japan time)"),
            _("Runs succeeded"),
            _("Runs failed"),
            _("Runs pending"),
            _("Runs checked"),
            _("Runs passing all checks"),
            _("Entry page"),
        ]
    )
    for entry in entries:
        author = entry.author
        submitted = (
            timezone.localtime(entry.submitted_at).strftime("%Y-%m-%d %H:%M")
            if entry.submitted_at
            else ""
        )
        writer.writerow(
            [
                entry.pk,
                _cell(entry.title),
                _cell(author.label),
                _cell(author.email),
                _cell(author.department.name if author.department else ""),
                _cell(entry.category.name if entry.category else ""),
                entry.get_status_display(),
                entry.revision,
                submitted,
                _count(entry, "runs_succeeded"),
                _count(entry, "runs_failed"),
                _count(entry, "runs_pending"),
                _count(entry, "runs_checked"),
                _count(entry, "runs_passing"),
                entry_url(entry),
            ]
        )
    return buffer.getvalue().encode(ENCODING)
