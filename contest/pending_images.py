"""Images kept between two posts of an entry form, and the clean-up of abandoned ones.

A browser cannot refill a file input, so an image that passed its checks on a form that
failed for another reason is kept here under the form's token; the next post of the
same form uses it unless a new file is chosen. One person keeps at most
PENDING_IMAGES_PER_PERSON such images, the newest: failed posts in a loop cannot fill the
disk.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

if TYPE_CHECKING:
    from contest.services import ImageFiles

PENDING_IMAGES = "entries/pending"
# Forms one person may have open with a kept image at the same time; more is a script.
PENDING_IMAGES_PER_PERSON = 5


@dataclass(frozen=True)
class KeptImage:
    content: ContentFile[bytes]
    thumbnail: ContentFile[bytes]


def _pending_folder(author_id: int, form_token: UUID) -> str:
    return f"{PENDING_IMAGES}/{author_id}/{form_token.hex}"


def _pending_files(folder: str) -> list[str]:
    try:
        return default_storage.listdir(folder)[1]
    except FileNotFoundError:
        return []


def pending_image_save(*, author_id: int, form_token: UUID, image: ImageFiles) -> None:
    pending_image_delete(author_id=author_id, form_token=form_token)
    folder = _pending_folder(author_id, form_token)
    for prefix, part in (("image-", image.content), ("thumb-", image.thumbnail)):
        part.seek(0)
        name = posixpath.basename(part.name or "file")
        default_storage.save(f"{folder}/{prefix}{name}", part)
    _keep_newest(author_id)


def _keep_newest(author_id: int) -> None:
    """Delete the person's kept images beyond the newest PENDING_IMAGES_PER_PERSON."""
    base = f"{PENDING_IMAGES}/{author_id}"
    try:
        tokens = default_storage.listdir(base)[0]
    except FileNotFoundError:
        return
    kept = []
    for token in tokens:
        folder = f"{base}/{token}"
        files = _pending_files(folder)
        if files:
            newest = max(default_storage.get_modified_time(f"{folder}/{f}") for f in files)
            kept.append((newest, folder, files))
    kept.sort(reverse=True)
    for _newest, folder, files in kept[PENDING_IMAGES_PER_PERSON:]:
        for stored in files:
            default_storage.delete(f"{folder}/{stored}")


def pending_image_get(*, author_id: int, form_token: UUID) -> KeptImage | None:
    folder = _pending_folder(author_id, form_token)
    parts: dict[str, ContentFile[bytes]] = {}
    for stored in _pending_files(folder):
        prefix, _sep, name = stored.partition("-")
        with default_storage.open(f"{folder}/{stored}", "rb") as handle:
            parts[prefix] = ContentFile(handle.read(), name=name)
    if "image" not in parts or "thumb" not in parts:
        return None
    return KeptImage(content=parts["image"], thumbnail=parts["thumb"])


def pending_image_delete(*, author_id: int, form_token: UUID) -> None:
    folder = _pending_folder(author_id, form_token)
    for stored in _pending_files(folder):
        default_storage.delete(f"{folder}/{stored}")


def pending_images_purge(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete kept images of forms nobody came back to; returns how many files went."""
    cutoff = timezone.now() - older_than
    deleted = 0
    try:
        authors = default_storage.listdir(PENDING_IMAGES)[0]
    except FileNotFoundError:
        return 0
    for author in authors:
        for token in default_storage.listdir(f"{PENDING_IMAGES}/{author}")[0]:
            folder = f"{PENDING_IMAGES}/{author}/{token}"
            files = _pending_files(folder)
            if files and all(
                default_storage.get_modified_time(f"{folder}/{f}") < cutoff for f in files
            ):
                for stored in files:
                    default_storage.delete(f"{folder}/{stored}")
                deleted += len(files)
    return deleted
