"""Images kept between two posts of an entry form, and their clean-up."""

import os
import time
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from contest.images import CleanImage, clean_image
from contest.pending_images import (
    PENDING_IMAGES_PER_PERSON,
    pending_image_get,
    pending_image_save,
    pending_images_purge,
)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _clean_png() -> CleanImage:
    buffer = BytesIO()
    Image.new("RGB", (20, 10), "navy").save(buffer, format="PNG")
    return clean_image(SimpleUploadedFile("a.png", buffer.getvalue(), content_type="image/png"))


def test_kept_image_comes_back_for_the_same_form_only() -> None:
    token = uuid4()
    pending_image_save(author_id=7, form_token=token, image=_clean_png())
    kept = pending_image_get(author_id=7, form_token=token)
    assert kept is not None
    assert kept.content.read().startswith(b"\x89PNG")
    assert pending_image_get(author_id=7, form_token=uuid4()) is None
    assert pending_image_get(author_id=8, form_token=token) is None


def test_purge_deletes_only_images_older_than_the_cutoff(media_root: Path) -> None:
    old, fresh = uuid4(), uuid4()
    pending_image_save(author_id=1, form_token=old, image=_clean_png())
    pending_image_save(author_id=1, form_token=fresh, image=_clean_png())
    two_days_ago = time.time() - 2 * 24 * 3600
    for path in (media_root / "entries/pending/1" / old.hex).iterdir():
        os.utime(path, (two_days_ago, two_days_ago))

    assert pending_images_purge(older_than=timedelta(days=1)) == 2
    assert pending_image_get(author_id=1, form_token=old) is None
    assert pending_image_get(author_id=1, form_token=fresh) is not None


def test_purge_with_nothing_kept_deletes_nothing() -> None:
    assert pending_images_purge() == 0


def test_one_person_keeps_only_their_newest_images(media_root: Path) -> None:
    tokens = [uuid4() for _ in range(PENDING_IMAGES_PER_PERSON + 2)]
    someone_else = uuid4()
    pending_image_save(author_id=2, form_token=someone_else, image=_clean_png())
    for age, token in enumerate(reversed(tokens)):
        pending_image_save(author_id=1, form_token=token, image=_clean_png())
        # Saved in quick succession: give each its own moment, oldest first.
        moment = time.time() - 3600 + age
        for path in (media_root / "entries/pending/1" / token.hex).iterdir():
            os.utime(path, (moment, moment))

    kept = [t for t in tokens if pending_image_get(author_id=1, form_token=t) is not None]

    assert PENDING_IMAGES_PER_PERSON == 5
    assert kept == tokens[:PENDING_IMAGES_PER_PERSON]  # the newest five
    assert pending_image_get(author_id=2, form_token=someone_else) is not None
