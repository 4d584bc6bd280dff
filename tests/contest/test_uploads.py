"""Uploads stop at the page's file limit: what is read of the body, what reaches the disk,
and what the person sees when their file was too large."""

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client, RequestFactory
from django.test.client import FakePayload
from django.urls import reverse

from accounts.models import User
from contest.images import MAX_IMAGE_BYTES
from contest.models import Contest, Entry, SampleTask
from contest.organise.task_csv import MAX_BYTES as CSV_LIMIT
from contest.uploads import DEFAULT_UPLOAD_LIMIT, limit_for
from tests import factories

MB = 1024 * 1024
# The parser reads ahead by a chunk (64 KB) and the multipart framing around it.
SLACK = 256 * 1024


@dataclass
class Traffic:
    read: int = 0  # bytes of the request body the server read
    to_disk: int = 0  # bytes handed to the temporary-file upload handler


@pytest.fixture
def traffic(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> Traffic:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    seen = Traffic()
    read = FakePayload.read
    receive = TemporaryFileUploadHandler.receive_data_chunk

    def counting_read(self: FakePayload, size: int = -1, /) -> bytes:
        data: bytes = read(self, size)
        seen.read += len(data)
        return data

    def counting_receive(self: TemporaryFileUploadHandler, raw_data: bytes, start: int) -> Any:
        seen.to_disk += len(raw_data)
        return receive(self, raw_data, start)

    monkeypatch.setattr(FakePayload, "read", counting_read)
    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting_receive)
    return seen


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def big_png(size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "screen.png", b"\x89PNG\r\n\x1a\n" + bytes(size - 8), content_type="image/png"
    )


def entry_data(contest: Contest, image: SimpleUploadedFile) -> dict[str, Any]:
    # In the order a browser sends the form: the file comes after the fields above it.
    return {
        "form_token": str(uuid.uuid4()),
        "title": "画像つきの応募",
        "category": str(contest.categories.first().pk),  # type: ignore[union-attr]
        "prompt_template": "次の文章を要約してください。\n{{input}}",
        "usage_notes": "そのまま貼り付けてください。",
        "credit": Entry.Credit.ANONYMOUS,
        "share_in_gallery": "on",
        "image": image,
        "confirm_no_personal_data": "on",
        "action": "submit",
    }


def test_a_20_mb_image_is_not_read_past_the_limit_and_the_form_keeps_the_rest(
    traffic: Traffic, open_contest: Contest, staff: User
) -> None:
    data = entry_data(open_contest, big_png(20 * MB))

    response = signed_in(staff).post(reverse("entry_create", args=[open_contest.slug]), data)

    assert traffic.read < MAX_IMAGE_BYTES + SLACK
    assert traffic.to_disk <= MAX_IMAGE_BYTES
    page = response.content.decode()
    assert response.status_code == 200
    assert "The image is larger than 5 MB, so it was not received." in page
    assert "Please choose the image again." in page
    assert 'value="画像つきの応募"' in page
    assert "次の文章を要約してください。\n{{input}}</textarea>" in page
    assert "そのまま貼り付けてください。</textarea>" in page
    assert 'value="anonymous" required id="id_credit_2" checked' in page
    assert 'id="id_share_in_gallery" checked' in page
    assert not Entry.objects.exists()


def test_an_image_a_little_too_large_is_drained_so_every_field_arrives(
    traffic: Traffic, open_contest: Contest, staff: User
) -> None:
    data = entry_data(open_contest, big_png(7 * MB))

    response = signed_in(staff).post(reverse("entry_create", args=[open_contest.slug]), data)

    # Read to the end (to answer with the page), but nothing past the limit was stored.
    assert traffic.read > 7 * MB
    assert traffic.to_disk <= MAX_IMAGE_BYTES
    page = response.content.decode()
    assert "The image is larger than 5 MB, so it was not received." in page
    assert 'id="id_confirm_no_personal_data" checked' in page  # sent after the file
    assert not Entry.objects.exists()


def test_an_image_within_the_limit_still_arrives_whole(
    traffic: Traffic, open_contest: Contest, staff: User
) -> None:
    data = entry_data(open_contest, big_png(4 * MB))

    response = signed_in(staff).post(reverse("entry_create", args=[open_contest.slug]), data)

    # Not an image a decoder can read, but it arrived whole and was judged on its content.
    assert traffic.to_disk == 4 * MB
    assert "The image is damaged or incomplete" in response.content.decode()


@pytest.fixture
def draft_contest(organiser: User) -> Contest:
    return factories.make_contest(status=Contest.Status.DRAFT, created_by=organiser)


@pytest.mark.parametrize("size", [2 * MB + 1, int(1.5 * MB)], ids=["stopped", "drained"])
def test_a_csv_over_1_mb_is_refused_without_reading_it_all(
    traffic: Traffic, draft_contest: Contest, organiser: User, size: int
) -> None:
    csv = SimpleUploadedFile("tasks.csv", b"title,input\r\n" + b"x" * size, "text/csv")
    url = reverse("organiser_task_import", args=[draft_contest.slug])

    response = signed_in(organiser).post(url, {"file": csv})

    assert traffic.to_disk <= CSV_LIMIT
    if size > 2 * CSV_LIMIT:
        assert traffic.read < CSV_LIMIT + SLACK
    assert "The file is larger than 1 MB." in response.content.decode()
    assert not SampleTask.objects.exists()


def test_each_page_has_its_own_file_limit(open_contest: Contest) -> None:
    factory = RequestFactory()
    entry_form = factory.post(reverse("entry_create", args=[open_contest.slug]))
    csv_import = factory.post(reverse("organiser_task_import", args=[open_contest.slug]))

    assert limit_for(entry_form) == MAX_IMAGE_BYTES
    assert limit_for(csv_import) == CSV_LIMIT
    assert limit_for(factory.post("/admin/contest/entry/1/change/")) == DEFAULT_UPLOAD_LIMIT
    assert limit_for(factory.post("/no/such/page/")) == DEFAULT_UPLOAD_LIMIT
