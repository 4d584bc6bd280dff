"""The entry screenshot: what is refused, and what is stored once an image is cleaned.

Every image is made here with Pillow, in memory; nothing binary is committed.
"""

import io
import re
import struct
import zlib
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image, ImageCms, ImageFile
from PIL.PngImagePlugin import PngInfo

from contest.images import (
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    THUMBNAIL_SIZE,
    CleanImage,
    clean_image,
)

GPS_IFD = 0x8825
ORIENTATION = 0x0112


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def upload(
    data: bytes, name: str = "screenshot.png", content_type: str = "image/png"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def reopen(content: ContentFile) -> Image.Image:
    content.seek(0)
    return Image.open(io.BytesIO(content.read()))


def refusal(data: bytes, **kwargs: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        clean_image(upload(data, **kwargs))
    return caught.value


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def single_colour_png(width: int, height: int) -> bytes:
    """A real, valid 1-bit PNG that compresses to a few kilobytes whatever its size.

    Written by hand because Pillow would hold every pixel in memory to save it.
    """
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


# --- accepted images ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image_format", "extension"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")]
)
def test_valid_image_is_re_encoded_in_its_own_format(image_format: str, extension: str) -> None:
    data = encode(Image.new("RGB", (120, 80), (10, 120, 200)), image_format)
    cleaned = clean_image(upload(data))
    assert isinstance(cleaned, CleanImage)
    assert (cleaned.width, cleaned.height, cleaned.format) == (120, 80, image_format)
    assert re.fullmatch(rf"[0-9a-f]{{32}}\.{extension}", cleaned.content.name or "")
    stored = reopen(cleaned.content)
    assert stored.format == image_format
    assert stored.size == (120, 80)
    red, green, blue = stored.convert("RGB").getpixel((60, 40))  # type: ignore[misc]
    assert abs(red - 10) < 6 and abs(green - 120) < 6 and abs(blue - 200) < 6


def test_format_comes_from_the_content_not_the_name_or_content_type() -> None:
    data = encode(Image.new("RGB", (10, 10)), "PNG")
    cleaned = clean_image(upload(data, name="photo.jpg", content_type="image/jpeg"))
    assert cleaned.format == "PNG"
    assert cleaned.content.name.endswith(".png")  # type: ignore[union-attr]


def test_thumbnail_fits_the_bounds_and_keeps_the_aspect_ratio() -> None:
    data = encode(Image.new("RGB", (2000, 1000), "white"), "PNG")
    cleaned = clean_image(upload(data))
    thumbnail = reopen(cleaned.thumbnail)
    assert thumbnail.format in ("WEBP", "JPEG")
    assert thumbnail.width <= THUMBNAIL_SIZE[0] and thumbnail.height <= THUMBNAIL_SIZE[1]
    assert thumbnail.size == (480, 240)
    stem = cleaned.content.name.split(".")[0]  # type: ignore[union-attr]
    assert re.fullmatch(rf"{stem}\.(webp|jpg)", cleaned.thumbnail.name or "")


def test_small_image_is_not_enlarged_for_its_thumbnail() -> None:
    cleaned = clean_image(upload(encode(Image.new("RGB", (100, 50)), "JPEG")))
    assert reopen(cleaned.thumbnail).size == (100, 50)


def test_each_upload_gets_a_new_name() -> None:
    data = encode(Image.new("RGB", (10, 10)), "PNG")
    assert clean_image(upload(data)).content.name != clean_image(upload(data)).content.name


# --- metadata is gone ---------------------------------------------------------------------


def jpeg_with_gps_and_comment(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "ExampleCam"  # Make
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (35.0, 26.0, 38.0), 3: "E", 4: (139.0, 38.0, 18.0)}
    return encode(
        Image.new("RGB", (40, 20), (200, 30, 30)),
        "JPEG",
        exif=exif,
        comment=b"taken at home by Taro Yamada",
    )


def test_jpeg_exif_gps_and_comment_are_removed() -> None:
    data = jpeg_with_gps_and_comment()
    original = Image.open(io.BytesIO(data))
    assert original.getexif().get_ifd(GPS_IFD)  # the test image really carries GPS
    assert "comment" in original.info

    cleaned = clean_image(upload(data))
    raw = cleaned.content.read()
    stored = Image.open(io.BytesIO(raw))
    assert "exif" not in stored.info
    assert "comment" not in stored.info
    assert len(stored.getexif()) == 0
    assert b"Exif" not in raw
    assert b"Taro Yamada" not in raw
    assert b"ExampleCam" not in raw
    assert b"Taro Yamada" not in cleaned.thumbnail.read()


def test_exif_orientation_is_applied_before_it_is_stripped() -> None:
    # Orientation 6: the camera was turned; the picture must be shown rotated 90°.
    cleaned = clean_image(upload(jpeg_with_gps_and_comment(orientation=6)))
    assert (cleaned.width, cleaned.height) == (20, 40)
    assert reopen(cleaned.content).size == (20, 40)


def test_png_text_chunks_are_removed() -> None:
    info = PngInfo()
    info.add_text("Author", "山田太郎")
    info.add_text("Comment", "自宅で撮影", zip=True)
    info.add_itxt("Description", "住所：横浜市中区港町1-1")
    data = encode(Image.new("RGB", (30, 30)), "PNG", pnginfo=info)
    assert Image.open(io.BytesIO(data)).info["Author"] == "山田太郎"

    cleaned = clean_image(upload(data))
    raw = cleaned.content.read()
    stored = Image.open(io.BytesIO(raw))
    assert not {"Author", "Comment", "Description"} & set(stored.info)
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf"):
        assert chunk not in raw


def test_webp_exif_and_xmp_are_removed() -> None:
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (35.0, 26.0, 38.0)}
    data = encode(Image.new("RGB", (30, 30)), "WEBP", exif=exif, xmp=b"<x:xmpmeta>me</x:xmpmeta>")
    raw = clean_image(upload(data)).content.read()
    assert b"EXIF" not in raw and b"XMP " not in raw and b"xmpmeta" not in raw


def test_colour_profile_is_not_stored() -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(Image.new("RGB", (10, 10), (20, 200, 20)), "PNG", icc_profile=srgb)
    cleaned = clean_image(upload(data))
    stored = reopen(cleaned.content)
    assert "icc_profile" not in stored.info
    assert stored.getpixel((5, 5)) == (20, 200, 20)
    # A profile that does not fit the pixels is ignored, not a reason to refuse.
    broken = encode(Image.new("RGB", (10, 10)), "PNG", icc_profile=profile[:40])
    assert clean_image(upload(broken)).format == "PNG"


# --- modes and frames ---------------------------------------------------------------------


def test_animated_webp_keeps_its_first_frame() -> None:
    frames = [Image.new("RGB", (20, 20), colour) for colour in ("red", "blue", "green")]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    assert Image.open(io.BytesIO(data)).n_frames == 3  # type: ignore[attr-defined]
    stored = reopen(clean_image(upload(data)).content)
    assert getattr(stored, "n_frames", 1) == 1
    assert stored.convert("RGB").getpixel((10, 10))[0] > 200  # type: ignore[index]


def test_animated_png_keeps_its_first_frame() -> None:
    frames = [Image.new("RGB", (20, 20), colour) for colour in ("blue", "red")]
    data = encode(frames[0], "PNG", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(data)).n_frames == 2  # type: ignore[attr-defined]
    stored = reopen(clean_image(upload(data)).content)
    assert getattr(stored, "n_frames", 1) == 1
    assert stored.getpixel((10, 10)) == (0, 0, 255)


@pytest.mark.parametrize(
    ("image", "image_format", "stored_mode"),
    [
        (Image.new("RGBA", (16, 16), (255, 0, 0, 128)), "PNG", "RGBA"),
        (Image.new("LA", (16, 16), (100, 50)), "PNG", "RGBA"),
        (Image.new("L", (16, 16), 100), "PNG", "L"),
        (Image.new("1", (16, 16), 1), "PNG", "L"),
        (Image.new("P", (16, 16), 3), "PNG", "RGB"),
        (Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG", "RGB"),
        (Image.new("L", (16, 16), 100), "JPEG", "L"),
        (Image.new("RGBA", (16, 16), (0, 0, 255, 0)), "WEBP", "RGBA"),
    ],
    ids=["rgba", "la", "grey", "bilevel", "palette", "cmyk-jpeg", "grey-jpeg", "rgba-webp"],
)
def test_image_modes_are_converted_to_ones_every_browser_shows(
    image: Image.Image, image_format: str, stored_mode: str
) -> None:
    cleaned = clean_image(upload(encode(image, image_format)))
    assert reopen(cleaned.content).mode == stored_mode
    assert reopen(cleaned.thumbnail).size == (16, 16)


def test_palette_image_with_transparency_keeps_it() -> None:
    image = Image.new("P", (8, 8), 0)
    image.putpalette([255, 0, 0, 0, 255, 0])
    data = encode(image, "PNG", transparency=0)
    stored = reopen(clean_image(upload(data)).content)
    assert stored.mode == "RGBA"
    assert stored.getpixel((0, 0))[3] == 0  # type: ignore[index]


def test_cmyk_jpeg_keeps_its_colour() -> None:
    data = encode(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG")
    red, green, blue = reopen(clean_image(upload(data)).content).getpixel((8, 8))  # type: ignore[misc]
    assert red > 200 and green < 60 and blue < 60


def test_sixteen_bit_grey_png_is_scaled_not_clipped() -> None:
    data = encode(Image.new("I;16", (8, 8), 32768), "PNG")
    stored = reopen(clean_image(upload(data)).content)
    assert stored.mode == "L"
    assert 120 <= stored.getpixel((4, 4)) <= 136  # type: ignore[operator]


# --- refusals -----------------------------------------------------------------------------


def test_file_over_five_megabytes_is_refused_with_its_size() -> None:
    pixels = (bytes(range(256)) * 24_610)[: 1500 * 1400 * 3]
    data = encode(Image.frombytes("RGB", (1500, 1400), pixels), "PNG", compress_level=0)
    assert len(data) > 6 * 1024 * 1024
    error = refusal(data)
    assert error.code == "image_too_large"
    assert error.messages == ["The image is 6.0 MB; the limit is 5 MB."]


def test_file_of_exactly_the_limit_is_not_refused_for_its_size() -> None:
    base = encode(Image.new("RGB", (10, 10)), "PNG")
    # Bytes after IEND are ignored by decoders but count towards the size.
    data = base + b"\x00" * (MAX_IMAGE_BYTES - len(base))
    assert len(data) == MAX_IMAGE_BYTES
    assert clean_image(upload(data)).format == "PNG"
    assert refusal(data + b"\x00").code == "image_too_large"


def test_upload_reporting_a_small_size_is_still_measured() -> None:
    big = upload(b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_IMAGE_BYTES)
    big.size = 10  # a size the client claimed
    with pytest.raises(ValidationError) as caught:
        clean_image(big)
    assert caught.value.code == "image_too_large"


def test_image_with_too_many_pixels_is_refused_from_its_header() -> None:
    # 6000×5000 = 30 megapixels: under Pillow's own bomb threshold, over ours.
    error = refusal(single_colour_png(6000, 5000))
    assert error.code == "image_pixels"
    assert error.messages == [
        "The image is 6000×5000 pixels (30.0 megapixels); the limit is 16 megapixels."
    ]


def test_a_5000_by_5000_screenshot_is_refused_from_its_header_without_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decoded: list[object] = []
    load = ImageFile.ImageFile.load

    def spy(image: ImageFile.ImageFile) -> object:
        decoded.append(image)
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)

    error = refusal(single_colour_png(5000, 5000))

    assert error.messages == [
        "The image is 5000×5000 pixels (25.0 megapixels); the limit is 16 megapixels."
    ]
    assert decoded == []


def test_an_image_of_exactly_the_pixel_limit_is_accepted() -> None:
    assert MAX_IMAGE_PIXELS == 4000 * 4000
    assert clean_image(upload(single_colour_png(4000, 4000))).width == 4000
    assert refusal(single_colour_png(4000, 4001)).code == "image_pixels"


def test_decompression_bomb_png_is_refused() -> None:
    data = single_colour_png(10_000, 10_000)
    assert len(data) < 50_000  # a hundred megapixels in a few kilobytes
    error = refusal(data)
    assert error.code == "image_pixels"
    assert "16 megapixels" in error.messages[0]


def test_huge_bomb_beyond_pillows_hard_limit_is_refused() -> None:
    error = refusal(single_colour_png(20_000, 20_000))
    assert error.code == "image_pixels"


def test_bomb_is_refused_even_when_pillows_limit_is_switched_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    error = refusal(single_colour_png(10_000, 10_000))
    assert error.code == "image_pixels"
    assert "10000×10000" in error.messages[0]


def test_pillow_bomb_warning_is_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    # A deployment may lower Pillow's limit below ours; its warning must not be ignored.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)
    error = refusal(encode(Image.new("RGB", (40, 40)), "PNG"))
    assert error.code == "image_pixels"


def test_gif_is_refused_as_a_format() -> None:
    error = refusal(encode(Image.new("RGB", (10, 10)), "GIF"), name="anim.gif")
    assert error.code == "image_format"
    assert error.messages == ["This is a GIF file; only PNG, JPEG and WebP images are allowed."]


def test_gif_renamed_png_is_still_refused() -> None:
    assert refusal(encode(Image.new("RGB", (10, 10)), "GIF")).code == "image_format"


@pytest.mark.parametrize("image_format", ["BMP", "TIFF"])
def test_other_image_formats_are_refused(image_format: str) -> None:
    error = refusal(encode(Image.new("RGB", (10, 10)), image_format))
    assert error.code == "image_format"
    assert image_format in error.messages[0]


def test_text_file_renamed_png_is_refused() -> None:
    error = refusal("これは画像ではありません\n".encode() * 10, name="notes.png")
    assert error.code == "image_format"
    assert "PNG, JPEG or WebP" in error.messages[0]


def test_empty_file_is_refused() -> None:
    assert refusal(b"").code == "image_empty"


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP"])
def test_truncated_image_is_refused(image_format: str) -> None:
    noise = Image.frombytes("RGB", (64, 64), bytes(range(256)) * 48)
    data = encode(noise, image_format)
    error = refusal(data[: len(data) // 2])
    assert error.code == "image_broken"
    assert "damaged or incomplete" in error.messages[0]


def test_png_with_a_corrupted_chunk_is_refused() -> None:
    data = bytearray(encode(Image.new("RGB", (32, 32), "white"), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 8] ^= 0xFF  # flips a byte of the compressed pixels: the CRC no longer fits
    assert refusal(bytes(data)).code == "image_broken"


def test_header_only_is_refused() -> None:
    assert refusal(b"\x89PNG\r\n\x1a\n").code == "image_broken"
    assert refusal(b"\xff\xd8\xff\xe0").code == "image_broken"
    assert refusal(b"RIFF\x00\x00\x00\x00WEBPVP8 ").code == "image_broken"


def test_zero_sized_png_is_refused() -> None:
    assert refusal(single_colour_png(0, 10)).code == "image_broken"
