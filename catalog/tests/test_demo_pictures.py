"""Demo pictures: a soft backdrop and a silhouette of the kind of thing."""

import io

import pytest
from PIL import Image, ImageChops

from catalog.demo_pictures import SHAPES, demo_picture


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


@pytest.mark.parametrize("shape", SHAPES)
def test_each_shape_is_a_jpeg_with_a_gradient_and_a_silhouette(shape):
    picture = _open(demo_picture(shape=shape, seed=4))

    assert (picture.format, picture.size) == ("JPEG", (1280, 960))
    top, lower_wall = picture.getpixel((5, 5)), picture.getpixel((5, 600))
    assert top != lower_wall
    # The middle of the picture holds something other than the wall's tones.
    colours = picture.crop((320, 150, 960, 850)).getcolors(maxcolors=1 << 20)
    assert len(colours) > 50


def test_a_seed_always_gives_the_same_picture():
    assert demo_picture(shape="sofa", seed=3) == demo_picture(shape="sofa", seed=3)


def test_seeds_vary_the_palette_and_shapes_differ():
    chair = _open(demo_picture(shape="armchair", seed=1))
    other_seed = _open(demo_picture(shape="armchair", seed=2))
    lamp = _open(demo_picture(shape="floor lamp", seed=1))

    for other in (other_seed, lamp):
        difference = ImageChops.difference(chair, other).convert("L")
        changed = sum(difference.point(lambda value: 255 if value > 40 else 0)
                      .histogram()[255:])  # fmt: skip
        assert changed > 1280 * 960 // 50


def test_smaller_sizes_are_drawn_to_size():
    assert _open(demo_picture(shape="rug", seed=1, size=(800, 600))).size == (800, 600)
