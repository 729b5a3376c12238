"""Time and memory of an image upload: refusing a bomb, accepting photos.

Run from the project folder:

    .venv/bin/python bench/upload_bench.py [--runs 3]

The input files are made first, in this process: the 12,000 × 12,000 PNG of
issue 11 (one colour, so 432 MB of pixels compress to some 420 KB), a
photo-like 4000 × 3000 JPEG (a smooth gradient with grain, as a phone
makes), the same photo at 40 megapixels, the largest accepted by default,
and a 40-megapixel PNG graphic of smooth colours. Each case then runs in a
fresh Python process that starts Django, reads the file, and does one of two
things:

- `clean`: `image_upload_clean`, what every upload goes through;
- `upload`: that, then storing the file and making the six renditions, as
  the admin does on save (everything but the row's insert).

It reports the median wall time of the step over the runs, and the peak RSS
of the process (VmHWM, which includes what Python and Django take before
the step, shown as "start"). Pillow allocates pixel memory outside Python's
allocator, so tracemalloc would not see it. Nothing here is a test: the
numbers go into README.
"""

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageFilter

BASE_DIR = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from catalog.demo import RENDITION_FIELDS
from catalog.images import image_upload_clean
from catalog.models import ProductImage

mode, path, name = sys.argv[1:4]
upload = SimpleUploadedFile(name, open(path, "rb").read())
def peak_rss():
    # The high-water mark of this process since it started (getrusage's
    # ru_maxrss would carry the parent's over from before the exec).
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

start = peak_rss()
began = time.perf_counter()
try:
    cleaned = image_upload_clean(upload)
    if mode == "upload":
        image = ProductImage(alt_text="")
        image.image.save(cleaned.name, cleaned, save=False)
        for spec in RENDITION_FIELDS:
            getattr(image, spec).generate()
    outcome = f"accepted as {cleaned.name}, {cleaned.size:,} bytes"
except ValidationError as error:
    outcome = "refused: " + error.messages[0]
seconds = time.perf_counter() - began
result = {"seconds": seconds, "start": start, "peak": peak_rss()}
print(json.dumps({**result, "outcome": outcome}))
"""


def bomb_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12_000, 12_000), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def photo_jpeg(size: tuple[int, int]) -> bytes:
    """A JPEG with the size and detail of a photo, without a real photo."""
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    colour = Image.merge(
        "RGB", (gradient, gradient.rotate(90).resize(size), gradient.transpose(0))
    )
    grain = Image.effect_noise(size, 24).filter(ImageFilter.GaussianBlur(1))
    photo = Image.blend(colour, Image.merge("RGB", (grain,) * 3), 0.25)
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def gradient_png(size: tuple[int, int]) -> bytes:
    """A PNG graphic: smooth colours, as a rendered product shot might have."""
    gradient = Image.linear_gradient("L").resize(size)
    colour = Image.merge("RGB", (gradient, gradient.transpose(0), gradient))
    buffer = io.BytesIO()
    colour.save(buffer, format="PNG")
    return buffer.getvalue()


def run_case(mode: str, path: Path, name: str, env: dict) -> dict:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", CHILD, mode, str(path), name],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "true",
            "DJANGO_SECRET_KEY": "bench",
            "MEDIA_ROOT": str(scratch / "media"),
            "DATABASE_URL": f"sqlite:///{scratch / 'unused.sqlite3'}",
            # The 40-megapixel photo is larger than the default 10 MB limit
            # at this quality; the pixel limit is what is measured.
            "CATALOG_MAX_IMAGE_BYTES": str(64 * 1024 * 1024),
        }
        cases = [
            ("12,000 × 12,000 PNG (issue 11)", "bomb.png", bomb_png()),
            ("4000 × 3000 JPEG photo", "photo.jpg", photo_jpeg((4000, 3000))),
            ("7300 × 5475 JPEG (40 MP)", "large.jpg", photo_jpeg((7300, 5475))),
            ("7300 × 5475 PNG (40 MP)", "large.png", gradient_png((7300, 5475))),
        ]
        print(f"{'case':34} {'step':7} {'median s':>9} {'peak MiB':>9} {'start':>6}")
        for label, name, data in cases:
            path = scratch / name
            path.write_bytes(data)
            for mode in ("clean", "upload"):
                results = [run_case(mode, path, name, env) for _ in range(args.runs)]
                seconds = statistics.median(r["seconds"] for r in results)
                peak = max(r["peak"] for r in results) / 1024
                start = max(r["start"] for r in results) / 1024
                print(
                    f"{label:34} {mode:7} {seconds:9.3f} {peak:9.0f} {start:6.0f}"
                    f"   {len(data) / 1024:,.0f} KB, {results[0]['outcome']}"
                )
                if results[0]["outcome"].startswith("refused"):
                    break


if __name__ == "__main__":
    main()
