"""Uploads: a request body is read only as far as its files are allowed to go.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE counts the text fields of a post, not its files, so
without this a 300 MB "screenshot" is streamed to a temporary file before any form can
refuse it. `LimitedUploadHandler` comes first in FILE_UPLOAD_HANDLERS and counts the file
bytes of each request against the limit of the view the request is for (`upload_limit`
on the view; the image limit for any other). The moment they pass it the file is
dropped, nothing more of it is stored, and the view finds out with `refused_upload`:

- a body of at most twice the limit is read to its end without storing the rest of the
  file (`SkipFile`), so the fields sent after it arrive and the page answers as usual
  (a screenshot a little too large is the common case);
- a larger body is not read any further (`StopUpload(connection_reset=True)`): fields
  sent after the file are lost, and a browser still sending may show a reset connection
  instead of the page. A body limit at the reverse proxy (README) answers those earlier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.http import HttpRequest
from django.urls import Resolver404, resolve

from contest.images import MAX_IMAGE_BYTES

# The largest file any page takes; a view without `upload_limit` gets this one.
DEFAULT_UPLOAD_LIMIT = MAX_IMAGE_BYTES
# Past the limit, a body up to this many times the limit is still read to its end.
DRAIN_FACTOR = 2
_LIMIT_ATTRIBUTE = "upload_limit_bytes"
_REFUSED_ATTRIBUTE = "_contest_refused_upload"

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class RefusedUpload:
    """The file a request's body was cut at: its form field and the limit it passed."""

    field_name: str
    limit: int


def upload_limit(limit: int) -> Callable[[View], View]:
    """Mark a view with the bytes of files one post to it may carry, all files together."""

    def mark(view: View) -> View:
        setattr(view, _LIMIT_ATTRIBUTE, limit)
        return view

    return mark


def limit_for(request: HttpRequest) -> int:
    """The file limit of the view this request goes to."""
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return DEFAULT_UPLOAD_LIMIT
    return int(getattr(match.func, _LIMIT_ATTRIBUTE, DEFAULT_UPLOAD_LIMIT))


def refused_upload(request: HttpRequest) -> RefusedUpload | None:
    """The file this request's body was cut at, or None; reads the body if not yet read."""
    request.FILES  # noqa: B018 - parsing the body is what records a refusal
    refused: RefusedUpload | None = getattr(request, _REFUSED_ATTRIBUTE, None)
    return refused


class LimitedUploadHandler(FileUploadHandler):
    """Counts file bytes and passes them on to the next handler, up to the view's limit."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = DEFAULT_UPLOAD_LIMIT
        self.body_length = 0
        self.received = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str | bytes,
        encoding: str | None = None,
    ) -> None:
        if self.request is not None:
            self.limit = limit_for(self.request)
        self.body_length = content_length

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        # The next handler (memory or temporary file) makes the file.
        return None

    def _refuse(self) -> None:
        if self.request is not None and not hasattr(self.request, _REFUSED_ATTRIBUTE):
            refused = RefusedUpload(field_name=self.field_name or "", limit=self.limit)
            setattr(self.request, _REFUSED_ATTRIBUTE, refused)
        if self.body_length <= DRAIN_FACTOR * self.limit:
            raise SkipFile
        raise StopUpload(connection_reset=True)
