"""The optional screenshot on an entry: checked, decoded safely, re-encoded without metadata.

Nothing about an upload is trusted: the format comes from the file's first bytes (not its
name or the browser's content type), the pixel count from the header before any pixel is
decoded, and what we store is a fresh image holding only pixels, so EXIF (GPS included),
XMP, text chunks, comments and colour profiles never leave the author's machine.
"""

from __future__ import annotations

import io
import struct
import uuid
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps

MAX_IMAGE_BYTES = 5 * 1024 * 1024
# What a screenshot needs (a 5K display is 14.7 megapixels), and what bounds the web
# process's memory: each decoded copy of an RGBA image takes 4 bytes a pixel.
MAX_IMAGE_PIXELS = 16_000_000
THUMBNAIL_SIZE = (480, 480)

_EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
_SAVE_OPTIONS: dict[str, dict[str, object]] = {
    "PNG": {"compress_level": 6},
    "JPEG": {"quality": 90},
    "WEBP": {"quality": 90, "method": 4},
}
# Formats people commonly try, named in the refusal so they know what they sent.
_OTHER_SIGNATURES = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
)
# What a malformed file makes Pillow's decoders raise; any of them means "cannot be read".
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    struct.error,
)


@dataclass(frozen=True)
class CleanImage:
    content: ContentFile[bytes]
    thumbnail: ContentFile[bytes]
    width: int
    height: int
    format: str


def clean_image(upload: UploadedFile[bytes]) -> CleanImage:
    """The upload re-encoded as a metadata-free image plus a thumbnail, or ValidationError."""
    data = _read_limited(upload)
    image_format = _sniff_format(data)
    # Our own pixel limit is checked from the header; on top of it, Pillow's bomb warning
    # (above Image.MAX_IMAGE_PIXELS, whatever a deployment sets) becomes a refusal. The
    # filter is scoped to this block and the global Pillow settings are left alone. (The
    # warnings filter list is process-wide: a thread leaving its block may drop another's
    # filter for a moment, which only matters if Pillow's limit is set below ours.)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = _decode(data, image_format)
            pixels = _pixels_only(image)
            # The decoded original is no longer needed: free its pixels before encoding, so
            # at most two full-size copies are alive at any time.
            image.close()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _too_many_pixels_error() from error
        except _DECODE_ERRORS as error:
            raise _broken_error() from error
    stem = uuid.uuid4().hex
    return CleanImage(
        content=_encode(pixels, image_format, f"{stem}.{_EXTENSIONS[image_format]}"),
        thumbnail=_thumbnail(pixels, stem),
        width=pixels.width,
        height=pixels.height,
        format=image_format,
    )


def _read_limited(upload: UploadedFile[bytes]) -> bytes:
    """The upload's bytes, reading at most one byte past the limit."""
    if upload.size is not None and upload.size > MAX_IMAGE_BYTES:
        raise _too_large_error(upload.size)
    upload.seek(0)
    data: bytes = upload.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise _too_large_error(max(len(data), upload.size or 0))
    if not data:
        raise ValidationError(
            _("The file is empty. Upload a PNG, JPEG or WebP image of at most 5 MB."),
            code="image_empty",
        )
    return data


def _sniff_format(data: bytes) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    for signature, name in _OTHER_SIGNATURES:
        if data.startswith(signature):
            raise ValidationError(
                _("This is a %(format)s file; only PNG, JPEG and WebP images are allowed."),
                code="image_format",
                params={"format": name},
            )
    raise ValidationError(
        _(
            "This file is not a PNG, JPEG or WebP image (its content was checked, not its "
            "name). Only those formats are allowed."
        ),
        code="image_format",
    )


def _decode(data: bytes, image_format: str) -> Image.Image:
    """Open, check the size from the header, verify, then reopen and decode the first frame."""
    with Image.open(io.BytesIO(data), formats=[image_format]) as probe:
        _check_dimensions(*probe.size)
        probe.verify()
    # verify() leaves the image unusable, so decode from a fresh open.
    image = Image.open(io.BytesIO(data), formats=[image_format])
    image.seek(0)  # an animated image keeps only its first frame
    image.load()
    return image


def _check_dimensions(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise _broken_error()
    if width * height > MAX_IMAGE_PIXELS:
        raise ValidationError(
            _(
                "The image is %(width)s×%(height)s pixels (%(megapixels)s megapixels); "
                "the limit is %(limit)s megapixels."
            ),
            code="image_pixels",
            params={
                "width": width,
                "height": height,
                "megapixels": f"{width * height / 1_000_000:.1f}",
                "limit": MAX_IMAGE_PIXELS // 1_000_000,
            },
        )


def _pixels_only(image: Image.Image) -> Image.Image:
    """Upright pixels in sRGB and an 8-bit mode, in a new image that carries no metadata."""
    # In place: no copy of the decoded pixels when the image is already upright.
    ImageOps.exif_transpose(image, in_place=True)
    icc_profile = image.info.get("icc_profile")
    upright = _to_srgb(image, icc_profile) if icc_profile else image
    converted = _to_8bit_mode(upright)
    clean = Image.new(converted.mode, converted.size)
    clean.paste(converted)
    return clean


def _to_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image:
    """Apply the embedded colour profile so the colours survive dropping it."""
    if image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, srgb, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        # A broken or mismatched profile: the pixels are still fine as they are.
        return image
    return converted if converted is not None else image


def _to_8bit_mode(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode in ("RGB", "RGBA", "L"):
        return image
    if mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if mode in ("LA", "La", "PA", "RGBa"):
        return image.convert("RGBA")
    if mode.startswith("I;16"):
        # 16-bit grey: scale to 8 bits instead of letting every value above 255 clip.
        return image.convert("I").point(lambda value: value / 256).convert("L")
    if mode in ("1", "I", "F"):
        return image.convert("L")
    return image.convert("RGB")  # CMYK, YCbCr, LAB, HSV


def _encode(image: Image.Image, image_format: str, name: str) -> ContentFile[bytes]:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **_SAVE_OPTIONS[image_format])
    return ContentFile(buffer.getvalue(), name=name)


def _thumbnail(image: Image.Image, stem: str) -> ContentFile[bytes]:
    thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    # WebP keeps transparency and text edges at a fraction of a PNG's size.
    return _encode(thumb, "WEBP", f"{stem}.webp")


def _too_large_error(size: int) -> ValidationError:
    return ValidationError(
        _("The image is %(size)s MB; the limit is %(limit)s MB."),
        code="image_too_large",
        params={"size": f"{size / (1024 * 1024):.1f}", "limit": MAX_IMAGE_BYTES // (1024 * 1024)},
    )


def upload_too_large_error() -> ValidationError:
    """For an upload the request handler stopped reading at the limit (contest.uploads)."""
    return ValidationError(
        _(
            "The image is larger than %(limit)s MB, so it was not received. Choose a smaller "
            "file, for example a screenshot of one window rather than the whole screen."
        ),
        code="image_too_large",
        params={"limit": MAX_IMAGE_BYTES // (1024 * 1024)},
    )


def _too_many_pixels_error() -> ValidationError:
    return ValidationError(
        _(
            "The image has too many pixels to be processed safely; the limit is %(limit)s "
            "megapixels."
        ),
        code="image_pixels",
        params={"limit": MAX_IMAGE_PIXELS // 1_000_000},
    )


def _broken_error() -> ValidationError:
    return ValidationError(
        _(
            "The image is damaged or incomplete and cannot be read. Save it again as PNG, "
            "JPEG or WebP and upload it again."
        ),
        code="image_broken",
    )
