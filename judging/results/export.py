"""The results as a file: CSV for Excel, JSON for programs. One function makes both, for the
results page's downloads and for `manage.py export_results SLUG --format csv|json`.

CSV is UTF-8 with a byte-order mark, so Excel opens it with the Japanese intact; its
header is in the current language. JSON keys are stable English names.
"""

import csv
import io
import json
from typing import Any

from django.utils.translation import gettext as _

from contest.models import Contest
from judging.models import AwardDecision
from judging.results.ranking import Results, contest_results

FORMATS = ("csv", "json")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _awards(contest: Contest) -> dict[int, str]:
    decisions = AwardDecision.objects.filter(contest=contest, entry__isnull=False)
    return {d.entry_id: d.tier.name for d in decisions.select_related("tier") if d.entry_id}


def results_document(results: Results) -> dict[str, Any]:
    """Everything the results page shows, as plain data."""
    contest = results.contest
    awards = _awards(contest)
    criteria = results.criteria
    return {
        "contest": {"slug": contest.slug, "title": contest.title, "status": contest.status},
        "judges_per_entry": results.k,
        "disagreement_threshold": results.threshold,
        "criteria": [
            {
                "id": c.pk,
                "name": c.name_ja,
                "name_en": c.name_en,
                "weight": c.weight,
                "scale": [c.scale_min, c.scale_max],
            }
            for c in criteria
        ],
        "agreement": {
            "alpha": _round(results.agreement.alpha),
            "per_criterion": {c.name_ja: _round(alpha) for c, alpha in results.criterion_agreement},
            "reading": results.agreement.reading,
        },
        "entries": [
            {
                "rank": row.result.rank,
                "tied": row.result.tied,
                "rank_interval": [row.result.rank_low, row.result.rank_high],
                "entry_id": row.entry.pk,
                "title": row.revision.title,
                "author": row.entry.author.label,
                "department": row.entry.author.department.name_ja
                if row.entry.author.department
                else "",
                "raw": _round(row.result.raw),
                "normalised": _round(row.result.normalised),
                "sheets": row.result.sheet_count,
                "spread": _round(row.result.spread),
                "incomplete": row.result.incomplete,
                "high_disagreement": row.result.high_disagreement,
                "withdrawn": row.withdrawn,
                "criteria": {
                    c.name_ja: _round(mean) for c, mean in zip(criteria, row.means, strict=True)
                },
                "award": awards.get(row.entry.pk, ""),
            }
            for row in results.rows
        ],
    }


def _csv(document: dict[str, Any]) -> bytes:
    criteria = [criterion["name"] for criterion in document["criteria"]]
    header = [
        _("Rank"),
        _("Tied"),
        _("Best rank (90%)"),
        _("Worst rank (90%)"),
        _("Entry ID"),
        _("Title"),
        _("Author"),
        _("Department"),
        _("Raw score"),
        _("Normalised score"),
        _("Sheets submitted"),
        _("Judges per entry"),
        _("Spread"),
        _("Incomplete"),
        _("High disagreement"),
        _("Withdrawn"),
        *criteria,
        _("Award"),
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yes = _("yes")
    for row in document["entries"]:
        low, high = row["rank_interval"]
        writer.writerow(
            [
                row["rank"],
                yes if row["tied"] else "",
                low,
                high,
                row["entry_id"],
                row["title"],
                row["author"],
                row["department"],
                row["raw"],
                row["normalised"],
                row["sheets"],
                document["judges_per_entry"],
                row["spread"],
                yes if row["incomplete"] else "",
                yes if row["high_disagreement"] else "",
                yes if row["withdrawn"] else "",
                *(row["criteria"][name] for name in criteria),
                row["award"],
            ]
        )
    # The byte-order mark tells Excel the file is UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def results_export(contest: Contest, fmt: str) -> bytes:
    """The contest's results in `fmt` ("csv" or "json")."""
    document = results_document(contest_results(contest))
    if fmt == "csv":
        return _csv(document)
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    raise ValueError(fmt)


def export_filename(contest: Contest, fmt: str) -> str:
    return f"{contest.slug}-results.{fmt}"
