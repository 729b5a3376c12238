"""seed_demo makes a catalog a newcomer can believe: coherent names, short
category addresses, distinct home page rows and pictures that fit."""

import re
from collections import Counter
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from PIL import Image

from catalog import demo
from catalog.demo import COLLECTIONS, KINDS, LEAVES, TREE, demo_products_iter
from catalog.demo_pictures import SHAPES
from catalog.models import Category, Product, ProductImage
from catalog.tests.factories import make_category


def _noun(name: str) -> str:
    """The noun of a demo name: what follows the collection, without a number."""
    return re.sub(r" \d+$", "", name.split(" ", 1)[1])


def _catalog() -> list[tuple]:
    """Every product, image and category as stored, to compare two states."""
    return [
        list(Product.objects.order_by("pk").values_list("pk", "name", "updated_at")),
        list(ProductImage.objects.order_by("pk").values_list("pk", "image")),
        list(Category.objects.order_by("pk").values_list("pk", "url_path")),
    ]


def test_every_leaf_has_a_kind_and_every_noun_one_kind():
    """A product's name alone tells its category."""
    nouns = [noun for kind in KINDS.values() for noun in kind.nouns]

    assert set(KINDS) == set(LEAVES)
    assert [noun for noun, count in Counter(nouns).items() if count > 1] == []
    assert {kind.shape for kind in KINDS.values()} <= set(SHAPES)


def test_collection_names_are_no_material():
    """ "Oak rug" in wool was the confusion: no collection names a material."""
    materials = " ".join(m for kind in KINDS.values() for m in kind.materials)

    assert not {name.lower() for name in COLLECTIONS} & set(materials.split())


def test_hundreds_of_products_have_distinct_names_without_numbers():
    leaves = [LEAVES[number % len(LEAVES)] for number in range(800)]

    names = [fields["name"] for fields in demo_products_iter(categories=leaves)]

    assert len(set(names)) == 800
    assert not any(character.isdigit() for name in names for character in name)


def test_names_are_numbered_only_when_a_category_runs_out_of_words():
    leaves = ["Stools"] * 200

    products = list(demo_products_iter(categories=leaves))

    names = [fields["name"] for fields in products]
    slugs = [fields["slug"] for fields in products]
    words = len(COLLECTIONS) * len(KINDS["Stools"].nouns)
    assert not any(re.search(r"\d", name) for name in names[:words])
    assert all(name.endswith(f" {n}") for n, name in enumerate(names, 1) if n > words)
    assert len(set(names)) == len(set(slugs)) == 200


def test_texts_and_prices_fit_the_kind():
    """Summary and description name one of the kind's materials; the price
    lies in the kind's range."""
    leaves = [LEAVES[number % len(LEAVES)] for number in range(160)]

    for leaf, fields in zip(leaves, demo_products_iter(categories=leaves), strict=True):
        kind = KINDS[leaf]
        assert _noun(fields["name"]) in kind.nouns
        (material,) = [m for m in kind.materials if f"- Material: {m}\n" in (
            fields["description"]
        )]  # fmt: skip
        assert fields["summary"].endswith(f" in {material}.")
        assert kind.prices[0] - 1 <= fields["price"] <= kind.prices[1] + 1


@pytest.mark.django_db
def test_category_slugs_do_not_repeat_their_parent():
    """/categories/furniture/seating/, not /categories/furniture/furniture-seating/."""
    demo.demo_categories_create()

    for category in Category.objects.filter(depth__gt=1):
        parent = Category.objects.get(path=category.path[: -Category.steplen])
        assert not category.slug.startswith(f"{parent.slug}-")
        assert category.url_path == f"{parent.url_path}/{category.slug}"
    assert Category.objects.get(name="Seating").get_absolute_url() == (
        "/categories/furniture/seating/"
    )
    assert Category.objects.count() == len(TREE) + sum(
        1 + len(leaves) for branches in TREE.values() for leaves in branches.values()
    )
    assert Category.objects.find_problems() == ([], [], [], [], [])


@pytest.mark.django_db
def test_seed_demo_fills_an_empty_catalog_with_images():
    call_command("seed_demo", products=6, stdout=StringIO())

    assert Product.objects.visible().count() == 6
    assert Category.objects.filter(depth=3).exists()
    image = ProductImage.objects.first()
    assert image.width == 1280 and image.height == 960
    assert image.image.storage.exists(image.image.name)


@pytest.mark.django_db
def test_seed_demo_records_every_images_renditions():
    call_command("seed_demo", products=6, stdout=StringIO())

    images = list(ProductImage.objects.all())
    assert images
    for image in images:
        assert image.renditions_current()
        assert [entry[1:] for entry in image.renditions["webp"]] == [
            [320, 240],
            [640, 480],
            [1280, 960],
        ]
        for name, *_ in image.renditions["original"] + image.renditions["webp"]:
            assert default_storage.exists(name)


@pytest.mark.django_db
def test_seeded_products_are_named_and_pictured_after_their_category(monkeypatch):
    """Every product's noun is one of its category's, and its pictures are
    its category's own: valid JPEGs that no other category shows."""
    monkeypatch.setattr(demo, "IMAGES_PER_LEAF", 1)
    call_command("seed_demo", products=len(LEAVES) * 2, stdout=StringIO())

    products = Product.objects.select_related("category").prefetch_related("images")
    pictures: dict[str, set[str]] = {}
    for product in products:
        assert _noun(product.name) in KINDS[product.category.name].nouns
        assert product.images.all()
        for image in product.images.all():
            assert image.alt_text.startswith(f"{product.name}, view ")
            pictures.setdefault(product.category.name, set()).add(image.image.name)
    assert set(pictures) == set(LEAVES)
    files = [name for names in pictures.values() for name in names]
    assert len(files) == len(set(files)) == len(LEAVES)
    for name in files:
        with default_storage.open(name) as file, Image.open(file) as picture:
            assert (picture.format, picture.size) == ("JPEG", (1280, 960))


@pytest.mark.django_db
def test_seeded_home_page_rows_share_no_product(client):
    call_command("seed_demo", products=6, stdout=StringIO())

    response = client.get("/")

    grids = {
        block.source: [product.pk for product in block.shown]
        for block in response.context["blocks"]
        if hasattr(block, "source")
    }
    featured, newest = grids["featured"], grids["newest"]
    assert featured and newest
    assert not set(featured) & set(newest)


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    """A second run changes nothing and says so."""
    call_command("seed_demo", products=2, stdout=StringIO())
    before = _catalog()
    out = StringIO()

    call_command("seed_demo", products=5, stdout=out)

    assert _catalog() == before
    assert "nothing to do" in out.getvalue()


@pytest.mark.django_db
def test_seed_demo_fills_the_demo_tree_a_stopped_run_left():
    demo.demo_categories_create()

    call_command("seed_demo", products=2, stdout=StringIO())

    assert Product.objects.count() == 2
    assert Category.objects.filter(slug="armchairs").count() == 1


@pytest.mark.django_db
def test_seed_demo_refuses_a_catalog_with_other_categories():
    make_category(name="Garden", slug="garden")

    with pytest.raises(CommandError, match="other than the demo's"):
        call_command("seed_demo", products=2, stdout=StringIO())
    assert not Product.objects.exists()
