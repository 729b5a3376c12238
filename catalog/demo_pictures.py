"""Product pictures for the demo catalog, drawn with Pillow.

Each picture is a still life: a soft wall and floor, a shadow, and a flat
silhouette of the kind of thing on sale (a chair, a lamp, a rug...), in one
of a few colour palettes. The same shape and seed always give the same
bytes, and no file or network is read.

The scene is drawn at twice its size and halved at the end, which smooths
the silhouettes' edges at a fraction of the cost of the renditions made
from the picture afterwards.
"""

import io
import random
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter

RGB = tuple[int, int, int]
# Where the wall meets the floor, and where standing things touch the floor,
# as fractions of the picture's height.
HORIZON = 0.7
BASE = 0.86
# Each palette: wall (top, bottom), floor (far, near), then the silhouette's
# main colour, a darker colour for legs and frames, and a light accent.
PALETTES: list[dict[str, RGB]] = [
    {"wall": (247, 240, 230), "wall_low": (236, 224, 207), "floor": (218, 200,
     176), "floor_near": (201, 181, 155), "body": (178, 114, 74), "frame": (92,
     68, 50), "accent": (240, 204, 128)},
    {"wall": (238, 243, 235), "wall_low": (219, 229, 214), "floor": (196, 208,
     188), "floor_near": (176, 190, 168), "body": (101, 131, 96), "frame": (58,
     70, 55), "accent": (232, 216, 172)},
    {"wall": (234, 239, 246), "wall_low": (213, 222, 236), "floor": (186, 197,
     216), "floor_near": (165, 177, 199), "body": (60, 90, 140), "frame": (38,
     48, 68), "accent": (245, 198, 112)},
    {"wall": (251, 237, 229), "wall_low": (242, 216, 202), "floor": (224, 189,
     168), "floor_near": (207, 168, 145), "body": (188, 94, 68), "frame": (88,
     50, 38), "accent": (247, 228, 192)},
    {"wall": (243, 241, 237), "wall_low": (228, 224, 216), "floor": (203, 197,
     187), "floor_near": (184, 177, 166), "body": (72, 72, 76), "frame": (158,
     124, 82), "accent": (241, 235, 222)},
    {"wall": (246, 238, 242), "wall_low": (234, 220, 228), "floor": (212, 194,
     204), "floor_near": (194, 174, 186), "body": (142, 82, 110), "frame": (66,
     44, 56), "accent": (238, 222, 196)},
]  # fmt: skip


class _Scene:
    """Draws in fractions of the picture, with the thing scaled and shifted.

    x runs from 0 (left) to 1 (right) and y from 0 (top) to 1 (bottom).
    Scaling is about the point where the thing stands, so a smaller thing
    still stands on the floor.
    """

    def __init__(self, image: Image.Image, *, scale: float, shift: float, colours):
        self.image = image
        self.draw = ImageDraw.Draw(image, "RGBA")
        self.width, self.height = image.size
        self.scale = scale
        self.shift = shift
        self.colours = colours

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return (
            (0.5 + self.shift + (x - 0.5) * self.scale) * self.width,
            (BASE + (y - BASE) * self.scale) * self.height,
        )

    def _box(self, x0, y0, x1, y1) -> list[float]:
        return [*self.xy(x0, y0), *self.xy(x1, y1)]

    def rect(self, x0, y0, x1, y1, fill, radius: float = 0) -> None:
        pixels = radius * self.scale * self.width
        self.draw.rounded_rectangle(self._box(x0, y0, x1, y1), pixels, fill=fill)

    def ellipse(self, x0, y0, x1, y1, fill) -> None:
        self.draw.ellipse(self._box(x0, y0, x1, y1), fill=fill)

    def pieslice(self, x0, y0, x1, y1, start, end, fill) -> None:
        self.draw.pieslice(self._box(x0, y0, x1, y1), start, end, fill=fill)

    def polygon(self, points, fill) -> None:
        self.draw.polygon([self.xy(x, y) for x, y in points], fill=fill)

    def line(self, points, fill, width: float) -> None:
        pixels = max(1, round(width * self.scale * self.width))
        self.draw.line([self.xy(x, y) for x, y in points], fill=fill, width=pixels)


def _lighter(colour: RGB, amount: float = 0.25) -> RGB:
    return tuple(round(c + (255 - c) * amount) for c in colour)


def _darker(colour: RGB, amount: float = 0.2) -> RGB:
    return tuple(round(c * (1 - amount)) for c in colour)


def _armchair(s: _Scene, rng: random.Random) -> None:
    body, frame = s.colours["body"], s.colours["frame"]
    for x in (0.36, 0.625):
        s.rect(x, 0.76, x + 0.015, BASE, frame)
    s.rect(0.36, 0.36, 0.64, 0.68, _darker(body, 0.12), radius=0.04)
    s.rect(0.33, 0.62, 0.67, 0.79, body, radius=0.025)
    s.rect(0.37, 0.595, 0.63, 0.665, _lighter(body, 0.15), radius=0.02)
    for x in (0.31, 0.62):
        s.rect(x, 0.52, x + 0.07, 0.78, _darker(body, 0.05), radius=0.03)


def _sofa(s: _Scene, rng: random.Random) -> None:
    body, frame = s.colours["body"], s.colours["frame"]
    for x in (0.24, 0.745):
        s.rect(x, 0.76, x + 0.015, BASE, frame)
    s.rect(0.23, 0.43, 0.77, 0.66, _darker(body, 0.12), radius=0.04)
    s.rect(0.19, 0.61, 0.81, 0.79, body, radius=0.025)
    for x0, x1 in ((0.26, 0.495), (0.505, 0.74)):
        s.rect(x0, 0.585, x1, 0.655, _lighter(body, 0.15), radius=0.02)
    s.rect(0.3, 0.47, 0.38, 0.57, s.colours["accent"], radius=0.02)
    for x in (0.17, 0.74):
        s.rect(x, 0.53, x + 0.09, 0.78, _darker(body, 0.05), radius=0.035)


def _stool(s: _Scene, rng: random.Random) -> None:
    body, frame = s.colours["body"], s.colours["frame"]
    s.line([(0.5, 0.5), (0.5, BASE - 0.02)], _darker(frame, 0.3), 0.012)
    s.line([(0.42, 0.52), (0.38, BASE)], frame, 0.016)
    s.line([(0.58, 0.52), (0.62, BASE)], frame, 0.016)
    s.line([(0.395, 0.74), (0.605, 0.74)], frame, 0.01)
    s.rect(0.39, 0.47, 0.61, 0.53, _darker(body, 0.15), radius=0.02)
    s.ellipse(0.39, 0.45, 0.61, 0.5, body)


def _dining_table(s: _Scene, rng: random.Random) -> None:
    body, frame = s.colours["body"], s.colours["frame"]
    for x in (0.27, 0.715):
        s.rect(x, 0.56, x + 0.018, BASE - 0.035, _darker(frame, 0.25))
    for x in (0.21, 0.77):
        s.rect(x, 0.56, x + 0.022, BASE, frame)
    s.rect(0.19, 0.56, 0.81, 0.6, _darker(body, 0.15))
    s.rect(0.17, 0.525, 0.83, 0.565, body, radius=0.006)
    # A vase on the table gives the scene a sense of scale.
    s.rect(0.47, 0.43, 0.53, 0.525, s.colours["accent"], radius=0.02)
    s.line([(0.5, 0.43), (0.48, 0.34)], s.colours["frame"], 0.004)
    s.line([(0.5, 0.43), (0.53, 0.33)], s.colours["frame"], 0.004)


def _desk(s: _Scene, rng: random.Random) -> None:
    body, frame = s.colours["body"], s.colours["frame"]
    for x in (0.27, 0.71):
        s.rect(x, 0.53, x + 0.02, BASE, frame)
    s.rect(0.53, 0.53, 0.71, 0.67, _darker(body, 0.1))
    s.rect(0.545, 0.56, 0.695, 0.6, _lighter(body, 0.1))
    s.rect(0.545, 0.615, 0.695, 0.655, _lighter(body, 0.1))
    for y in (0.575, 0.63):
        s.rect(0.605, y, 0.635, y + 0.01, frame)
    s.rect(0.25, 0.5, 0.75, 0.535, body, radius=0.006)
    # A few books on the desk.
    for x0, height, colour in ((0.32, 0.06, "accent"), (0.345, 0.075, "frame")):
        s.rect(x0, 0.5 - height, x0 + 0.022, 0.5, s.colours[colour])


def _side_table(s: _Scene, rng: random.Random) -> None:
    body, frame = s.colours["body"], s.colours["frame"]
    s.line([(0.44, 0.6), (0.41, BASE)], frame, 0.014)
    s.line([(0.56, 0.6), (0.59, BASE)], frame, 0.014)
    s.line([(0.5, 0.6), (0.5, BASE - 0.03)], _darker(frame, 0.3), 0.012)
    s.rect(0.39, 0.57, 0.61, 0.61, _darker(body, 0.15), radius=0.01)
    s.ellipse(0.39, 0.545, 0.61, 0.595, body)
    # A cup and saucer.
    s.ellipse(0.475, 0.545, 0.535, 0.565, _lighter(s.colours["accent"], 0.3))
    s.rect(0.485, 0.51, 0.525, 0.555, s.colours["accent"], radius=0.008)


def _shelf(s: _Scene, rng: random.Random) -> None:
    body, frame = s.colours["body"], s.colours["frame"]
    s.rect(0.33, 0.2, 0.67, BASE, _darker(s.colours["wall_low"], 0.06))
    for x in (0.33, 0.65):
        s.rect(x, 0.2, x + 0.02, BASE, frame)
    shelves = [0.2, 0.36, 0.52, 0.68, BASE - 0.02]
    for y in shelves:
        s.rect(0.33, y, 0.67, y + 0.02, body)
    colours = [s.colours["body"], s.colours["accent"], s.colours["frame"]]
    for top, bottom in zip(shelves, shelves[1:-1], strict=False):
        x = 0.355 + rng.random() * 0.03
        while x < 0.6:
            width = 0.012 + rng.random() * 0.012
            height = (bottom - top - 0.02) * (0.6 + rng.random() * 0.35)
            s.rect(x, bottom - height, x + width, bottom, rng.choice(colours))
            x += width + 0.004 + (0.05 if rng.random() < 0.15 else 0)


def _cabinet(s: _Scene, rng: random.Random) -> None:
    body, frame = s.colours["body"], s.colours["frame"]
    for x in (0.3, 0.685):
        s.rect(x, 0.78, x + 0.015, BASE, frame)
    s.rect(0.27, 0.45, 0.73, 0.8, body, radius=0.008)
    for x0, x1 in ((0.285, 0.495), (0.505, 0.715)):
        s.rect(x0, 0.47, x1, 0.78, _lighter(body, 0.08), radius=0.005)
    for x in (0.48, 0.515):
        s.rect(x, 0.59, x + 0.006, 0.66, frame)
    s.rect(0.6, 0.36, 0.645, 0.45, s.colours["accent"], radius=0.015)


def _glow(s: _Scene, x0, y0, x1, y1) -> None:
    """A soft halo of the accent colour, fading out to the box's edges."""
    left, top, right, bottom = (round(v) for v in s._box(x0, y0, x1, y1))
    _soft_paste(s.image, (left, top, right - left, bottom - top), s.colours["accent"],
                strength=110)  # fmt: skip


def _floor_lamp(s: _Scene, rng: random.Random) -> None:
    body, frame = s.colours["body"], s.colours["frame"]
    _glow(s, 0.36, 0.14, 0.64, 0.46)
    s.ellipse(0.44, BASE - 0.02, 0.56, BASE + 0.01, frame)
    s.line([(0.5, BASE - 0.005), (0.5, 0.3)], frame, 0.008)
    s.polygon([(0.44, 0.18), (0.56, 0.18), (0.6, 0.33), (0.4, 0.33)], body)
    s.ellipse(0.4, 0.32, 0.6, 0.345, _darker(body, 0.2))


def _table_lamp(s: _Scene, rng: random.Random) -> None:
    body, frame = s.colours["body"], s.colours["frame"]
    s.rect(0.34, 0.68, 0.66, BASE, _lighter(frame, 0.45), radius=0.006)
    s.rect(0.33, 0.665, 0.67, 0.69, _lighter(frame, 0.3))
    _glow(s, 0.38, 0.26, 0.62, 0.58)
    s.ellipse(0.445, 0.53, 0.555, 0.67, body)
    s.line([(0.5, 0.54), (0.5, 0.45)], frame, 0.006)
    s.polygon([(0.45, 0.33), (0.55, 0.33), (0.59, 0.47), (0.41, 0.47)],
              s.colours["accent"])  # fmt: skip
    s.ellipse(0.41, 0.46, 0.59, 0.48, _darker(s.colours["accent"], 0.15))


def _pendant(s: _Scene, rng: random.Random) -> None:
    body, frame = s.colours["body"], s.colours["frame"]
    r, g, b = s.colours["accent"]
    s.polygon([(0.4, 0.47), (0.6, 0.47), (0.76, BASE), (0.24, BASE)], (r, g, b, 60))
    s.line([(0.5, -0.2), (0.5, 0.33)], frame, 0.004)
    s.pieslice(0.35, 0.3, 0.65, 0.64, 180, 360, body)
    s.rect(0.35, 0.465, 0.65, 0.475, _darker(body, 0.25))
    s.ellipse(0.475, 0.46, 0.525, 0.5, _lighter(s.colours["accent"], 0.4))


def _spotlight(s: _Scene, rng: random.Random) -> None:
    body, frame = s.colours["body"], s.colours["frame"]
    r, g, b = s.colours["accent"]
    s.rect(0.2, 0.1, 0.8, 0.125, frame)
    for x, lean in ((0.32, -0.05), (0.5, 0.0), (0.68, 0.05)):
        s.polygon(
            [(x - 0.025 + lean, 0.3), (x + 0.025 + lean, 0.3),
             (x + 0.12 + lean * 3, BASE), (x - 0.12 + lean * 3, BASE)],
            (r, g, b, 45),
        )  # fmt: skip
        s.line([(x, 0.125), (x, 0.17)], frame, 0.008)
        s.polygon(
            [(x - 0.03, 0.17), (x + 0.03, 0.17),
             (x + 0.035 + lean, 0.3), (x - 0.035 + lean, 0.3)],
            body,
        )  # fmt: skip
        s.ellipse(x - 0.03 + lean, 0.29, x + 0.03 + lean, 0.31, s.colours["accent"])


def _rug(s: _Scene, rng: random.Random) -> None:
    body, frame, accent = s.colours["body"], s.colours["frame"], s.colours["accent"]

    def trapezoid(inset: float) -> list[tuple[float, float]]:
        # The rug lies on the floor, its far edge narrower than its near one.
        far, near = 0.72 + inset * 0.4, 0.98 - inset * 0.6
        half_far, half_near = 0.3 - inset, 0.45 - inset * 1.4
        return [(0.5 - half_far, far), (0.5 + half_far, far),
                (0.5 + half_near, near), (0.5 - half_near, near)]  # fmt: skip

    outline = trapezoid(0)
    for (x0, y0), (x1, _) in ((outline[0], outline[1]), (outline[3], outline[2])):
        step = 28
        out = -0.012 if y0 < 0.8 else 0.02
        for index in range(step + 1):
            x = x0 + (x1 - x0) * index / step
            s.line([(x, y0), (x, y0 + out)], _lighter(accent, 0.2), 0.002)
    s.polygon(outline, frame)
    s.polygon(trapezoid(0.02), accent)
    s.polygon(trapezoid(0.035), body)
    cx, cy = 0.5, 0.85
    for size, colour in ((0.1, accent), (0.06, frame), (0.03, accent)):
        s.polygon(
            [(cx - size, cy), (cx, cy - size * 0.5), (cx + size, cy),
             (cx, cy + size * 0.55)],
            colour,
        )  # fmt: skip


def _cushion(s: _Scene, rng: random.Random) -> None:
    body, frame, accent = s.colours["body"], s.colours["frame"], s.colours["accent"]
    s.rect(0.3, 0.44, 0.56, 0.79, accent, radius=0.06)
    s.rect(0.42, 0.5, 0.7, BASE, body, radius=0.06)
    s.rect(0.435, 0.515, 0.685, BASE - 0.015, _lighter(body, 0.1), radius=0.05)
    s.ellipse(0.55, 0.665, 0.57, 0.69, frame)


SHAPES: dict[str, Callable[[_Scene, random.Random], None]] = {
    "armchair": _armchair,
    "sofa": _sofa,
    "stool": _stool,
    "dining table": _dining_table,
    "desk": _desk,
    "side table": _side_table,
    "shelf": _shelf,
    "cabinet": _cabinet,
    "floor lamp": _floor_lamp,
    "table lamp": _table_lamp,
    "pendant": _pendant,
    "spotlight": _spotlight,
    "rug": _rug,
    "cushion": _cushion,
}
# Things that hang from the ceiling or lie flat cast no shadow at their feet.
_NO_SHADOW = {"pendant", "spotlight", "rug"}


def _gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    """A vertical gradient, made small and stretched: a gradient has no detail."""
    mask = Image.linear_gradient("L").resize((1, size[1]))
    gradient = Image.composite(
        Image.new("RGB", (1, size[1]), bottom),
        Image.new("RGB", (1, size[1]), top),
        mask,
    )
    # Stretching a one-pixel column sideways needs no filtering.
    return gradient.resize(size, Image.Resampling.NEAREST)


def _backdrop(size: tuple[int, int], colours: dict[str, RGB]) -> Image.Image:
    width, height = size
    horizon = round(height * HORIZON)
    image = _gradient(size, colours["wall"], colours["wall_low"])
    floor = _gradient(
        (width, height - horizon), colours["floor"], colours["floor_near"]
    )
    image.paste(floor, (0, horizon))
    return image


def _soft_paste(
    image: Image.Image, box: tuple[int, int, int, int], colour: RGB, strength: int
) -> None:
    """Lay `colour` over an ellipse in `box` (left, top, width, height) whose
    edges fade out: the ellipse is blurred small, then stretched."""
    left, top, width, height = box
    small = Image.new("L", (64, 64))
    ImageDraw.Draw(small).ellipse((12, 12, 52, 52), fill=strength)
    mask = small.filter(ImageFilter.GaussianBlur(6)).resize((width, height))
    image.paste(Image.new("RGB", mask.size, colour), (left, top), mask)


def _shadow(image: Image.Image, colours: dict[str, RGB], shift: float) -> None:
    """A soft shadow on the floor where the thing stands."""
    width, height = image.size
    box = (
        round(width * (0.2 + shift)),
        round(height * (BASE - 0.04)),
        round(width * 0.6),
        round(height * 0.08),
    )
    _soft_paste(image, box, _darker(colours["floor_near"], 0.35), strength=170)


def demo_picture(
    *, shape: str, seed: int, size: tuple[int, int] = (1280, 960)
) -> bytes:
    """A JPEG still life of a `shape` (a key of SHAPES), the same for each seed."""
    rng = random.Random(seed)  # noqa: S311 - pictures, not secrets
    # Consecutive seeds, as one category's pictures have, differ in colour.
    colours = PALETTES[seed % len(PALETTES)]
    scale = rng.uniform(0.9, 1.08)
    shift = rng.uniform(-0.06, 0.06)
    canvas = _backdrop((size[0] * 2, size[1] * 2), colours)
    if shape not in _NO_SHADOW:
        _shadow(canvas, colours, shift * scale)
    SHAPES[shape](_Scene(canvas, scale=scale, shift=shift, colours=colours), rng)
    buffer = io.BytesIO()
    canvas.reduce(2).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
