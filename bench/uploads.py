"""Upload limits: the web process's memory for one large image, and what an oversized post costs.

    python bench/uploads.py [--root PATH] [--upload-mb 300]

PATH is the checkout whose code is measured (default: this one), so the same script gives
the figures before and after a change. Each figure comes from a fresh Python process:

- image: the peak resident memory (`ru_maxrss`) of a process that cleans a 5000×5000 and
  a 4000×4000 PNG screenshot with `contest.images.clean_image`, before and during the call;
- upload: the bytes Django reads from the request body, and the largest file it keeps,
  when a post to the entry form carries an image of `--upload-mb` megabytes.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024

_SETUP = """
import json, os, resource, sys, time
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
"""

_IMAGE = (
    _SETUP
    + """
import gc
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from contest.images import clean_image
data = open(sys.argv[1], "rb").read()
gc.collect()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    clean_image(SimpleUploadedFile("screen.png", data, content_type="image/png"))
    outcome = "accepted"
except ValidationError as error:
    outcome = f"refused ({error.code})"
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"file_kb": len(data) // 1024, "rss_before_mb": before // 1024,
                  "rss_peak_mb": peak // 1024, "outcome": outcome}))
"""
)

_UPLOAD = (
    _SETUP
    + """
from django.core.handlers.wsgi import WSGIRequest
from django.test import override_settings

BOUNDARY = "----bench-boundary"
size = int(sys.argv[1])


def part(name, value):
    return (f"--{BOUNDARY}\\r\\nContent-Disposition: form-data; name=\\"{name}\\"\\r\\n\\r\\n"
            f"{value}\\r\\n").encode()


head = part("title", "title") + part("prompt_template", "{{input}}") + (
    f"--{BOUNDARY}\\r\\nContent-Disposition: form-data; name=\\"image\\"; "
    f"filename=\\"huge.png\\"\\r\\nContent-Type: image/png\\r\\n\\r\\n").encode()
tail = b"\\r\\n" + part("action", "submit") + f"--{BOUNDARY}--\\r\\n".encode()


class Body:
    \"\"\"The request body, made as it is read: nothing of the file is held in memory.\"\"\"

    def __init__(self):
        self.position = 0
        self.total = len(head) + size + len(tail)

    def read(self, limit=-1):
        if limit is None or limit < 0:
            limit = self.total - self.position
        start, end = self.position, min(self.position + limit, self.total)
        pieces = []
        for offset, length, data in (
            (0, len(head), head), (len(head), size, None), (len(head) + size, len(tail), tail)
        ):
            lo, hi = max(start, offset), min(end, offset + length)
            if lo < hi:
                pieces.append(bytes(hi - lo) if data is None else data[lo - offset:hi - offset])
        self.position = end
        return b"".join(pieces)

    readline = read  # a WSGI input must have it; the multipart parser does not use it


body = Body()
environ = {
    "REQUEST_METHOD": "POST", "PATH_INFO": "/contests/bench/enter/", "SCRIPT_NAME": "",
    "SERVER_NAME": "testserver", "SERVER_PORT": "80", "wsgi.url_scheme": "http",
    "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
    "CONTENT_LENGTH": str(body.total), "wsgi.input": body,
}
from django.urls import resolve

resolve("/")  # the URL configuration imports every view: not part of reading the body
started = time.perf_counter()
with override_settings(FILE_UPLOAD_TEMP_DIR=sys.argv[2]):
    request = WSGIRequest(environ)
    files, post = request.FILES, request.POST
    kept = max((f.size for f in files.values()), default=0)
    fields = sorted(post)
seconds = time.perf_counter() - started
print(json.dumps({
    "posted_mb": round(body.total / 2**20, 1),
    "read_mb": round(body.position / 2**20, 2),
    "largest_file_kept_mb": round(kept / 2**20, 1),
    "fields_received": fields,
    "seconds": round(seconds, 2),
}))
"""
)


def screenshot_png(path: Path, side: int) -> None:
    """A square PNG that compresses like a screenshot: flat colours, lines and text."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (side, side), "white")
    draw = ImageDraw.Draw(image)
    for top in range(0, side, 250):
        draw.rectangle((40, top + 20, side - 40, top + 60), fill=(230, 236, 245))
        for left in range(60, side - 100, 700):
            draw.text((left, top + 30), f"row {top // 250} col {left // 700}", fill="black")
        for line in range(80, 240, 16):
            end = 60 + (top * 7 + line * 13) % (side - 200)
            draw.line((60, top + line, end, top + line), fill="gray")
    image.save(path, format="PNG", compress_level=6)


def measure(code: str, root: Path, *args: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=root,
        # Development settings, so no production secret is needed; nothing here depends on them.
        env={**os.environ, "DJANGO_DEBUG": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(result.stderr)
    figures: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--upload-mb", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-uploads-") as folder:
        # Over the pixel limit since it was lowered; the largest square still under it.
        for side in (5000, 4000):
            png = Path(folder) / f"screen-{side}.png"
            screenshot_png(png, side)
            figures = measure(_IMAGE, args.root, str(png))
            print(f"image {side}×{side}:", json.dumps(figures))
        temp = Path(folder) / "uploads"
        temp.mkdir()
        upload = measure(_UPLOAD, args.root, str(args.upload_mb * MB), str(temp))
        print(f"upload {args.upload_mb} MB:", json.dumps(upload))


if __name__ == "__main__":
    main()
