"""Demo catalog content: a category tree and products with generated images.

Everything is made locally with Pillow and the random module, so a fresh
machine gets a realistic catalog with no network access.
"""

import itertools
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog.demo_pictures import SHAPES, demo_picture
from catalog.images import image_upload_clean
from catalog.models import Category, Product, ProductImage
from catalog.services import picture_renditions
from config import sitecache

# The renditions' field names, for bench/upload_bench.py, which times making
# them one by one.
RENDITION_FIELDS = [
    "w320", "w640", "w1280", "w320_webp", "w640_webp", "w1280_webp",
]  # fmt: skip
# Pictures made for each leaf category; a product shows one or more of its
# category's. Each costs about a second, most of it making the renditions.
IMAGES_PER_LEAF = 2

TREE = {
    "Furniture": {
        "Seating": ["Armchairs", "Sofas", "Stools"],
        "Tables": ["Dining tables", "Desks", "Side tables"],
        "Storage": ["Shelves", "Cabinets"],
    },
    "Lighting": {
        "Lamps": ["Floor lamps", "Table lamps"],
        "Ceiling": ["Pendants", "Spotlights"],
    },
    "Textiles": {
        "Rugs": ["Wool rugs", "Cotton rugs"],
        "Cushions": ["Linen cushions", "Velvet cushions"],
    },
}

# The leaf categories' names, in the tree's order.
LEAVES = [
    leaf
    for branches in TREE.values()
    for leaves in branches.values()
    for leaf in leaves
]


@dataclass(frozen=True)
class Kind:
    """What a leaf category sells: the words and numbers its products get.

    Every noun belongs to one kind only, so a product's name tells its
    category.
    """

    nouns: tuple[str, ...]
    materials: tuple[str, ...]
    use: str
    care: str
    prices: tuple[int, int]  # whole euros, lowest and highest
    shape: str  # a key of catalog.demo_pictures.SHAPES


_FURNITURE_CARE = "wipe with a dry or slightly damp cloth"
_LAMP_CARE = "switch off and dust with a soft, dry cloth"
KINDS = {
    "Armchairs": Kind(
        ("armchair", "lounge chair", "reading chair", "wingback chair"),
        ("solid oak with a wool bouclé cover", "walnut with a linen cover",
         "ash with a leather seat", "beech with a cotton velvet cover"),
        "A deep seat and a supportive back for long evenings with a book.",
        "vacuum the cover; wipe the frame with a dry cloth", (290, 1400),
        "armchair",
    ),
    "Sofas": Kind(
        ("sofa", "two-seat sofa", "corner sofa", "daybed"),
        ("a beech frame with a wool cover", "a pine frame with a linen cover",
         "an oak frame with a cotton canvas cover"),
        "Feather-wrapped seat cushions that keep their shape.",
        "the covers come off and can be dry-cleaned", (890, 3900), "sofa",
    ),
    "Stools": Kind(
        ("stool", "bar stool", "counter stool", "footstool"),
        ("solid oak", "solid ash", "powder-coated steel and oak",
         "walnut with a leather seat"),
        "Light enough to carry from the kitchen to the balcony.",
        _FURNITURE_CARE, (69, 390), "stool",
    ),
    "Dining tables": Kind(
        ("dining table", "extending table", "round dining table", "trestle table"),
        ("solid oak", "solid walnut", "ash with a linoleum top",
         "reclaimed pine"),
        "Seats six comfortably; the oiled top ages well with everyday use.",
        _FURNITURE_CARE, (490, 2600), "dining table",
    ),
    "Desks": Kind(
        ("desk", "writing desk", "standing desk", "secretary desk"),
        ("solid oak", "walnut veneer", "birch plywood", "steel and ash"),
        "A drawer for the cables and room for a laptop and a lamp.",
        _FURNITURE_CARE, (290, 1500), "desk",
    ),
    "Side tables": Kind(
        ("side table", "bedside table", "nesting tables", "drum table"),
        ("solid oak", "solid walnut", "travertine and ash",
         "powder-coated steel"),
        "Just the height of a sofa's arm, for a cup and a book.",
        _FURNITURE_CARE, (79, 490), "side table",
    ),
    "Shelves": Kind(
        ("bookshelf", "wall shelf", "shelving unit", "ladder shelf"),
        ("solid oak", "birch plywood", "powder-coated steel", "solid pine"),
        "Each shelf carries 25 kg; the fixings for the wall are included.",
        _FURNITURE_CARE, (89, 990), "shelf",
    ),
    "Cabinets": Kind(
        ("cabinet", "sideboard", "chest of drawers", "display cabinet"),
        ("solid oak", "walnut veneer", "ash with cane doors",
         "lacquered birch"),
        "Soft-closing doors and adjustable shelves inside.",
        _FURNITURE_CARE, (390, 2200), "cabinet",
    ),
    "Floor lamps": Kind(
        ("floor lamp", "arc lamp", "reading lamp", "tripod lamp"),
        ("brass with a linen shade", "black steel with a paper shade",
         "oak with a cotton shade"),
        "A foot switch on the cable; takes one E27 LED bulb, not included.",
        _LAMP_CARE, (129, 890), "floor lamp",
    ),
    "Table lamps": Kind(
        ("table lamp", "desk lamp", "bedside lamp", "mushroom lamp"),
        ("glazed ceramic with a linen shade", "brass with an opal glass shade",
         "terracotta with a cotton shade"),
        "A dimmer on the cable; takes one E14 LED bulb, not included.",
        _LAMP_CARE, (49, 390), "table lamp",
    ),
    "Pendants": Kind(
        ("pendant", "dome pendant", "globe pendant", "cluster pendant"),
        ("spun aluminium", "brushed brass", "opal glass", "woven rattan"),
        "Comes with 2 m of fabric cable to shorten on site; ceiling cup included.",
        _LAMP_CARE, (79, 690), "pendant",
    ),
    "Spotlights": Kind(
        ("spotlight", "track light", "wall spotlight", "twin spotlight"),
        ("powder-coated steel", "brushed brass", "anodised aluminium"),
        "Each head turns and tilts to light a picture or a worktop.",
        _LAMP_CARE, (19, 290), "spotlight",
    ),
    "Wool rugs": Kind(
        ("wool rug", "wool runner", "kilim", "Berber rug"),
        ("hand-knotted wool", "undyed wool", "wool and jute",
         "hand-tufted New Zealand wool"),
        "Dense and soft underfoot; a felt underlay keeps it in place.",
        "vacuum without the beater bar and blot spills at once", (190, 1900),
        "rug",
    ),
    "Cotton rugs": Kind(
        ("cotton rug", "flatweave rug", "cotton runner", "bath mat"),
        ("recycled cotton", "organic cotton", "cotton chenille"),
        "Light and reversible; it goes in the washing machine.",
        "machine wash at 30 °C and dry flat", (19, 490), "rug",
    ),
    "Linen cushions": Kind(
        ("linen cushion", "linen bolster", "floor cushion", "seat pad"),
        ("washed linen", "linen and cotton", "stonewashed linen"),
        "A feather inner in a cover that closes with a hidden zip.",
        "the cover comes off and washes at 40 °C", (19, 89), "cushion",
    ),
    "Velvet cushions": Kind(
        ("velvet cushion", "velvet bolster", "round cushion", "lumbar cushion"),
        ("cotton velvet", "recycled velvet", "linen velvet"),
        "A feather inner in a cover that closes with a hidden zip.",
        "the cover comes off and washes at 30 °C", (25, 99), "cushion",
    ),
}  # fmt: skip
# Collection names come first in product names. None is a material, a
# colour or a kind of thing, so "Cove wool rug" never contradicts itself as
# "Oak rug" in wool did.
COLLECTIONS = [
    "Aster", "Brook", "Cove", "Dune", "Ember", "Fjord", "Grove", "Harbor",
    "Isle", "Juno", "Kestrel", "Lark", "Marlow", "Nordic", "Orla", "Pebble",
    "Quill", "Ridge", "Sorrel", "Tarn", "Umbra", "Vale", "Wren", "Yarrow",
]  # fmt: skip


def demo_categories_create(*, using: str = DEFAULT_DB_ALIAS) -> list[Category]:
    """Create the demo category tree, in one insert, and return its leaves.

    The rows are laid out as treebeard's own bulk loader lays them out,
    because its node-by-node API cannot serve another database (`add_child`
    reads the parent from the default one), and `bench/seed.py` may seed
    another. Slugs are the names' own: the address path already holds the
    parents' (`furniture/seating/armchairs`), and every name in TREE is
    distinct, as the model's unique slug requires.
    """
    rows = []

    def add(name: str, position: int, parent: Category | None, **fields):
        slug = slugify(name)
        depth = parent.depth + 1 if parent else 1
        parent_path = parent.path if parent else ""
        row = Category(
            name=name,
            slug=slug,
            position=position,
            depth=depth,
            path=Category._get_path(parent_path, depth, position + 1),
            url_path=f"{parent.url_path}/{slug}" if parent else slug,
            **fields,
        )
        if parent:
            parent.numchild += 1
        rows.append(row)
        return row

    for position, (root_name, children) in enumerate(TREE.items()):
        root = add(
            root_name, position, None, description=f"Everything in {root_name.lower()}."
        )
        for child_position, (child_name, grandchildren) in enumerate(children.items()):
            child = add(child_name, child_position, root)
            for leaf_position, leaf_name in enumerate(grandchildren):
                add(leaf_name, leaf_position, child)
    Category.objects.using(using).bulk_create(rows)
    return [row for row in rows if row.depth == 3]


def demo_leaves_find() -> list[Category] | None:
    """The demo tree's leaves when the catalog holds exactly that tree.

    A run of `seed_demo` stopped after making the tree and before the
    products leaves it behind; the next run fills it instead of failing.
    Returns None when the catalog has no categories, and raises ValueError
    when it has others.
    """
    found = {category.url_path: category for category in Category.objects.all()}
    if not found:
        return None
    url_paths = _tree_url_paths()
    if set(found) != set(url_paths):
        raise ValueError(
            "The catalog has categories other than the demo's; seed_demo fills "
            "an empty catalog."
        )
    return [found[url_path] for url_path in url_paths if url_path.count("/") == 2]


def _tree_url_paths() -> list[str]:
    """The address path of every category in TREE, parents first."""
    url_paths = []
    for root, children in TREE.items():
        root_path = slugify(root)
        url_paths.append(root_path)
        for child, leaves in children.items():
            child_path = f"{root_path}/{slugify(child)}"
            url_paths.append(child_path)
            url_paths += [f"{child_path}/{slugify(leaf)}" for leaf in leaves]
    return url_paths


def demo_image_bytes(*, seed: int, size: tuple[int, int] = (1280, 960)) -> bytes:
    """A JPEG picture of some kind of thing, chosen by `seed`, for whatever
    needs a product photo (test factories and uploads)."""
    shape = list(SHAPES)[seed % len(SHAPES)]
    return demo_picture(shape=shape, seed=seed, size=size)


def demo_description(*, kind: Kind, material: str) -> str:
    """A product's Markdown description, from its kind and material alone.

    Descriptions leave the name out so that a catalog of any size repeats a
    few dozen of them: bench/seed.py indexes each distinct one once for
    search.
    """
    return (
        f"{kind.use}\n\n"
        "## Details\n\n"
        f"- Material: {material}\n"
        "- Made in small batches in Europe\n"
        f"- Care: {kind.care}\n\n"
        "Delivered in recycled packaging; returns are free for 30 days."
    )


def _names(leaf: str, seed: int) -> list[tuple[str, str]]:
    """Every (collection, noun) of a leaf, in an order fixed by the seed."""
    names = [
        (collection, noun) for collection in COLLECTIONS for noun in KINDS[leaf].nouns
    ]
    random.Random(f"{seed}-{leaf}").shuffle(names)  # noqa: S311 - not secrets
    return names


def _price(rng: random.Random, lowest: int, highest: int) -> Decimal:
    """A whole price; above 100, one that ends in 9, as shops price things."""
    euros = rng.randint(lowest, highest)
    return Decimal(euros if euros < 100 else round(euros, -1) - 1)


def demo_products_iter(*, categories: Iterable[str], seed: int = 1) -> Iterator[dict]:
    """Yield field values for one demo product per leaf name in `categories`.

    The same names give the same products for each seed. A product is named
    after a collection and a noun of its category's kind ("Cove wool rug");
    a category's names repeat only after its 96 combinations are used, and
    then with the product's number, which no other product has. Most
    products are published in the past year; a few are drafts, scheduled
    for later, or already withdrawn, as in a real catalog.
    """
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    now = timezone.now()
    names: dict[str, list[tuple[str, str]]] = {}
    made: dict[str, int] = {}
    for number, leaf in enumerate(categories, start=1):
        kind = KINDS[leaf]
        if leaf not in names:
            names[leaf], made[leaf] = _names(leaf, seed), 0
        collection, noun = names[leaf][made[leaf] % len(names[leaf])]
        name = f"{collection} {noun}"
        if made[leaf] >= len(names[leaf]):
            name = f"{name} {number}"
        made[leaf] += 1
        material = rng.choice(kind.materials)
        roll = rng.random()
        status = Product.Status.DRAFT if roll < 0.03 else Product.Status.PUBLISHED
        publish_at = now - timedelta(minutes=rng.randint(1, 525_600))
        if 0.03 <= roll < 0.05:
            publish_at = now + timedelta(days=rng.randint(1, 60))
        yield {
            "name": name,
            "slug": slugify(name),
            "sku": f"SR-{number:07d}",
            "summary": f"{noun[0].upper()}{noun[1:]} in {material}.",
            "description": demo_description(kind=kind, material=material),
            "price": _price(rng, *kind.prices),
            "stock": rng.choice([0, 0, 3, 8, 12, 40, 100]),
            "featured": number % 7 == 1,
            "status": status,
            "publish_at": publish_at,
            "unpublish_at": now - timedelta(days=1) if 0.05 <= roll < 0.06 else None,
        }


def demo_image_pool_create(*, pictures: list[tuple[str, int]]) -> list[ProductImage]:
    """Save a generated image for each (shape, seed), with its renditions.

    Returned as unsaved ProductImage values to copy: with many products the
    same files are shared, so seeding stays fast and the disk stays small.
    """
    pool = []
    for shape, seed in pictures:
        image = ProductImage(alt_text="")
        # Demo images follow the rules of every upload, so the demo shows
        # what the site stores.
        cleaned = image_upload_clean(
            ContentFile(demo_picture(shape=shape, seed=seed), name="demo.jpg")
        )
        image.image.save(cleaned.name, cleaned, save=False)
        image.renditions = picture_renditions(image=image)
        pool.append(image)
    return pool


def demo_catalog_create(
    *, products: int = 24, batch_size: int = 2000, progress=None
) -> int:
    """Fill a catalog with no products with demo content; return the products made.

    Products go round the leaf categories in turn. Each leaf has
    IMAGES_PER_LEAF pictures of its kind of thing, and each product shows
    one or more of them. Products and images go in with bulk inserts, in
    one transaction per batch; `progress(done, total)` is called after each
    batch. Raises ValueError when the catalog has categories other than the
    demo's.
    """
    rng = random.Random(7)  # noqa: S311 - demo data, not secrets
    with transaction.atomic():
        leaves = demo_leaves_find() or demo_categories_create()
    used = leaves[:products]
    pictures = [
        (KINDS[leaf.name].shape, index * IMAGES_PER_LEAF + variant)
        for index, leaf in enumerate(used)
        for variant in range(IMAGES_PER_LEAF)
    ]
    pool = demo_image_pool_create(pictures=pictures)
    pictures_of = {
        leaf.pk: pool[index * IMAGES_PER_LEAF : (index + 1) * IMAGES_PER_LEAF]
        for index, leaf in enumerate(used)
    }
    categories = [leaves[index % len(leaves)] for index in range(products)]
    rows = zip(
        categories,
        demo_products_iter(categories=(leaf.name for leaf in categories)),
        strict=True,
    )
    done = 0
    while done < products:
        batch = list(itertools.islice(rows, batch_size))
        with transaction.atomic():
            made = Product.objects.bulk_create(
                Product(category=leaf, **fields) for leaf, fields in batch
            )
            images = []
            for product in made:
                choices = pictures_of[product.category_id]
                count = rng.randint(1, len(choices))
                for position, source in enumerate(rng.sample(choices, count)):
                    images.append(
                        ProductImage(
                            product=product,
                            image=source.image.name,
                            width=source.width,
                            height=source.height,
                            # The files are shared, so are their renditions.
                            renditions=source.renditions,
                            alt_text=f"{product.name}, view {position + 1}",
                            position=position,
                        )
                    )
            ProductImage.objects.bulk_create(images)
        done += len(batch)
        if progress:
            progress(done, products)
    # Fresh statistics let the query planner pick the right index at once;
    # on SQLite without them, a filtered list sorts the whole table.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # Rows were written in bulk, which sends no signal to `sitecache.watch`.
    sitecache.content_changed()
    return done
