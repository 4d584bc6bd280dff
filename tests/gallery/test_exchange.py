"""Export and import between two organisations: round trip, re-import, refusals."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from gallery.exchange import SCHEMA, VERSION, SchemaError, gallery_export, gallery_import
from gallery.models import GalleryPrompt
from gallery.selectors import Listing, gallery_prompts

from .conftest import make_prompt

pytestmark = pytest.mark.django_db


def _their_export(settings) -> dict:
    """What another organisation's /gallery/export.json holds (made by our own code)."""
    settings.GALLERY_ORGANISATION_NAME = "かもめ台町"
    make_prompt(
        title="議事録作成アシスタント",
        organisation="かもめ台町",
        award_name="最優秀賞",
        award_rank=1,
        credit_department="総務課",
        examples=[{"task": "会議", "input": "メモ", "output": "議事録", "model": "gpt-4o-mini"}],
    )
    make_prompt(title="未公開", organisation="かもめ台町", status=GalleryPrompt.Status.UNPUBLISHED)
    data = json.loads(json.dumps(gallery_export()))
    GalleryPrompt.objects.all().delete()
    settings.GALLERY_ORGANISATION_NAME = "みなと坂市"
    return data


def test_export_has_the_schema_and_only_published_snapshots(client: Client, staff: User):
    make_prompt(title="公開中", credit_name="職員 太郎")
    make_prompt(title="非公開", status=GalleryPrompt.Status.UNPUBLISHED)
    client.force_login(staff)
    data = client.get(reverse("gallery_export")).json()
    assert (data["schema"], data["version"]) == (SCHEMA, VERSION)
    assert [p["title"] for p in data["prompts"]] == ["公開中"]
    keys = set(data["prompts"][0])
    assert keys == {"id", "organisation", "published_at", *GalleryPrompt.SNAPSHOT_FIELDS}


def test_import_round_trip_credits_the_source_and_is_searchable(settings):
    outcome = gallery_import(data=_their_export(settings))
    assert (outcome.created, outcome.updated) == (1, 0)
    prompt = GalleryPrompt.objects.get()
    assert prompt.organisation == "かもめ台町"
    assert prompt.is_imported and prompt.contest is None
    assert prompt.award_name == "最優秀賞" and prompt.credit_department == "総務課"
    listing = Listing(q="議事録", filters={"organisation": "かもめ台町"}, sort="new")
    assert list(gallery_prompts(listing)) == [prompt]


def test_reimport_updates_instead_of_duplicating(settings):
    data = _their_export(settings)
    gallery_import(data=data)
    data["prompts"][0]["title"] = "議事録作成アシスタント（改訂）"
    outcome = gallery_import(data=data)
    assert (outcome.created, outcome.updated) == (0, 1)
    assert GalleryPrompt.objects.get().title == "議事録作成アシスタント（改訂）"
    listing = Listing(q="改訂", filters={}, sort="new")
    assert gallery_prompts(listing).count() == 1


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d.update(schema="other"), "$.schema"),
        (lambda d: d.update(version=2), "$.version"),
        (lambda d: d.pop("organisation"), "$.organisation"),
        (lambda d: d.update(prompts={}), "$.prompts"),
        (lambda d: d["prompts"][0].update(id="not-a-uuid"), "$.prompts[0].id"),
        (lambda d: d["prompts"][0].update(title=""), "$.prompts[0].title"),
        (lambda d: d["prompts"][0].update(fiscal_year="2024"), "$.prompts[0].fiscal_year"),
        (lambda d: d["prompts"][0]["examples"][0].pop("output"), "$.prompts[0].examples[0].output"),
        (lambda d: d["prompts"][0].update(published_at="昨日"), "$.prompts[0].published_at"),
    ],
)
def test_a_bad_file_is_refused_with_the_path_and_changes_nothing(settings, change, path):
    data = _their_export(settings)
    data["prompts"].insert(1, dict(data["prompts"][0], id="6f1c1f5e-0000-4000-8000-000000000001"))
    good_first = json.loads(json.dumps(data))
    gallery_import(data=good_first)
    before = list(GalleryPrompt.objects.values_list("title", "updated_at"))
    data["prompts"][1]["title"] = "変わってはいけない"
    change(data)
    with pytest.raises(SchemaError) as refused:
        gallery_import(data=data)
    assert refused.value.path == path
    assert list(GalleryPrompt.objects.values_list("title", "updated_at")) == before


def test_import_gallery_command(settings, tmp_path: Path):
    file = tmp_path / "export.json"
    file.write_text(json.dumps(_their_export(settings), ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    call_command("import_gallery", str(file), stdout=out)
    assert GalleryPrompt.objects.count() == 1
    file.write_text(json.dumps({"schema": SCHEMA, "version": 99}), encoding="utf-8")
    with pytest.raises(CommandError, match=r"\$\.version"):
        call_command("import_gallery", str(file))
    file.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_gallery", str(file))
    assert GalleryPrompt.objects.count() == 1


def test_our_own_export_is_not_imported_as_another_organisation(settings):
    settings.GALLERY_ORGANISATION_NAME = "みなと坂市"
    make_prompt()
    with pytest.raises(SchemaError) as refused:
        gallery_import(data=gallery_export())
    assert refused.value.path == "$.organisation"
