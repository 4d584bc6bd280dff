"""The gallery's exchange format: `/gallery/export.json` out, `import_gallery FILE.json` in.

Schema `prompt-contest/gallery`, version 1 (the README documents every field):

    {"schema": "prompt-contest/gallery", "version": 1,
     "organisation": "みなと坂市", "exported_at": "2026-…",
     "prompts": [{"id": "<uuid>", "organisation": "…", "published_at": "…",
                  "title": "…", "category": "…", …every SNAPSHOT_FIELD…}]}

An export holds published prompts only, and of each only its snapshot (which never held
anything private: see gallery/models.py), its id and where it comes from. An import
validates the whole file first and refuses it with the JSON path of the first bad field
(`$.prompts[3].variables[0].example`); only a valid file is written, in one transaction,
keyed by (organisation, id) so importing again updates instead of duplicating.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from gallery.models import GalleryPrompt
from gallery.publishing import organisation_name, search_text_of
from gallery.selectors import gallery_facets_forget

SCHEMA = "prompt-contest/gallery"
VERSION = 1
MAX_TEXT = 20_000

TEXT_FIELDS = (
    "title",
    "category",
    "purpose",
    "system_prompt",
    "prompt_template",
    "usage_notes",
    "award_name",
    "rationale",
    "contest_title",
    "credit_name",
    "credit_department",
)
NUMBER_FIELDS = ("minutes_before", "minutes_after", "award_rank", "fiscal_year")
VARIABLE_KEYS = ("name", "label", "example")
EXAMPLE_KEYS = ("task", "input", "output", "model")


class SchemaError(ValueError):
    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def _prompt_json(prompt: GalleryPrompt) -> dict[str, Any]:
    return {
        "id": str(prompt.uid),
        "organisation": prompt.organisation,
        "published_at": prompt.published_at.isoformat(),
        **{name: getattr(prompt, name) for name in GalleryPrompt.SNAPSHOT_FIELDS},
    }


def gallery_export() -> dict[str, Any]:
    prompts = GalleryPrompt.objects.published().order_by("published_at", "pk")
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "organisation": organisation_name(),
        "exported_at": timezone.now().isoformat(),
        "prompts": [_prompt_json(prompt) for prompt in prompts.iterator(chunk_size=500)],
    }


@dataclass(frozen=True)
class ImportedPrompt:
    external_id: str
    organisation: str
    published_at: datetime
    values: dict[str, Any]


def _text(value: object, path: str, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise SchemaError(path, _("must be a string"))
    if required and not value.strip():
        raise SchemaError(path, _("must not be empty"))
    if len(value) > MAX_TEXT:
        raise SchemaError(path, _("is longer than %(max)d characters") % {"max": MAX_TEXT})
    return value


def _number(value: object, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 32767:
        raise SchemaError(path, _("must be a whole number from 0 to 32767, or null"))
    return value


def _records(value: object, path: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise SchemaError(path, _("must be a list"))
    records = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise SchemaError(f"{path}[{i}]", _("must be an object"))
        records.append({key: _text(item.get(key), f"{path}[{i}].{key}") for key in keys})
    return records


def _prompt(item: object, path: str, default_organisation: str) -> ImportedPrompt:
    if not isinstance(item, dict):
        raise SchemaError(path, _("must be an object"))
    try:
        external_id = str(uuid.UUID(_text(item.get("id"), f"{path}.id", required=True)))
    except ValueError as error:
        if isinstance(error, SchemaError):
            raise
        raise SchemaError(f"{path}.id", _("must be a UUID")) from error
    organisation = item.get("organisation", default_organisation)
    organisation = _text(organisation, f"{path}.organisation", required=True)[:200]
    published = parse_datetime(_text(item.get("published_at"), f"{path}.published_at"))
    if published is None:
        raise SchemaError(f"{path}.published_at", _("must be an ISO 8601 date and time"))
    if timezone.is_naive(published):
        published = timezone.make_aware(published)
    values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        values[name] = _text(item.get(name, ""), f"{path}.{name}", required=name == "title")
    for name in NUMBER_FIELDS:
        values[name] = _number(item.get(name), f"{path}.{name}")
    values["variables"] = _records(item.get("variables", []), f"{path}.variables", VARIABLE_KEYS)
    values["examples"] = _records(item.get("examples", []), f"{path}.examples", EXAMPLE_KEYS)
    for name in ("title",):
        values[name] = values[name][:200]
    for name in ("category", "award_name", "credit_name", "credit_department"):
        values[name] = values[name][:100]
    values["contest_title"] = values["contest_title"][:200]
    return ImportedPrompt(external_id, organisation, published, values)


def import_validate(data: object) -> list[ImportedPrompt]:
    """Every prompt of the file, or SchemaError at the first bad field."""
    if not isinstance(data, dict):
        raise SchemaError("$", _("must be an object"))
    if data.get("schema") != SCHEMA:
        raise SchemaError("$.schema", _("must be “%(schema)s”") % {"schema": SCHEMA})
    if data.get("version") != VERSION:
        raise SchemaError(
            "$.version",
            _("must be %(version)d (the version this site reads)") % {"version": VERSION},
        )
    organisation = _text(data.get("organisation"), "$.organisation", required=True)
    if organisation == organisation_name():
        raise SchemaError("$.organisation", _("is this organisation: its prompts are already here"))
    prompts = data.get("prompts")
    if not isinstance(prompts, list):
        raise SchemaError("$.prompts", _("must be a list"))
    return [_prompt(item, f"$.prompts[{i}]", organisation) for i, item in enumerate(prompts)]


@dataclass(frozen=True)
class ImportOutcome:
    created: int
    updated: int


def gallery_import(*, data: object) -> ImportOutcome:
    """Import another organisation's export: all of it, or (SchemaError) nothing."""
    prompts = import_validate(data)
    created = updated = 0
    with transaction.atomic():
        for imported in prompts:
            prompt = GalleryPrompt.objects.filter(
                organisation=imported.organisation, external_id=imported.external_id
            ).first() or GalleryPrompt(
                organisation=imported.organisation, external_id=imported.external_id
            )
            is_new = prompt.pk is None
            for name, value in imported.values.items():
                setattr(prompt, name, value)
            prompt.minutes_saved = GalleryPrompt.saved_per_use(
                prompt.minutes_before, prompt.minutes_after
            )
            prompt.published_at = imported.published_at
            prompt.search_text = search_text_of(prompt)
            prompt.save()
            created += is_new
            updated += not is_new
        transaction.on_commit(gallery_facets_forget)
    return ImportOutcome(created, updated)
