"""Demo content for the pages: a home page and an about page that read like a
real shop's, built from the same blocks staff use."""

from django.core.files.base import ContentFile
from django.db import transaction

from catalog.demo_pictures import demo_picture
from catalog.images import image_upload_clean
from catalog.services import picture_renditions_store
from content.models import (
    HOME_PATH,
    Banner,
    ImageBlock,
    Page,
    Question,
    Quote,
    RichText,
)

ABOUT_TEXT = (
    "## A small shop with a long list of makers\n\n"
    "Showroom began in 2009 as a table at a Saturday market: six lamps, two "
    "stools and a box of cushions. Today we work with forty workshops, most "
    "of them within a day's drive, and we still visit each one before we "
    "sell a thing they make.\n\n"
    "We choose furniture, lighting and textiles that are **built to be "
    "mended**, sold at prices that pay the people who make them."
)
QUESTIONS = [
    (
        "How long does delivery take?",
        "Small items ship within two working days. Furniture is made or "
        "finished to order and arrives in two to four weeks; we tell you the "
        "date when you order.",
    ),
    (
        "Can I return something?",
        "Yes: within 30 days, unused and in its packaging. We collect "
        "furniture ourselves, at no charge.",
    ),
    (
        "Do you repair what you sell?",
        "We keep spare parts for every lamp we have sold since 2015, and our "
        "workshops repair their own furniture at cost.",
    ),
]


def _picture(block, *, shape: str, seed: int, size=(1600, 900)) -> None:
    cleaned = image_upload_clean(
        ContentFile(demo_picture(shape=shape, seed=seed, size=size), "demo.jpg")
    )
    block.image.save(cleaned.name, cleaned, save=False)
    block.save()
    picture_renditions_store(image=block)


@transaction.atomic
def demo_pages_fill() -> bool:
    """Give the home and about pages demo blocks; False when already done.

    Pages that staff have changed (the home page has a banner, or the
    about page more than its one text) are left alone.
    """
    home = Page.objects.filter(url_path=HOME_PATH).first()
    about = Page.objects.filter(url_path="about").first()
    done = False
    if home is not None and not Banner.objects.filter(parent=home).exists():
        banner = Banner(
            parent=home,
            region="main",
            ordering=1,
            alt_text="A grey three-seat sofa against a warm wall",
            heading="Made to be lived with",
            text="Sofas, lamps and rugs from workshops we know by name.",
            link_label="Shop the living room",
            link_url="/products/",
        )
        _picture(banner, shape="sofa", seed=11)
        Quote.objects.create(
            parent=home,
            region="main",
            ordering=50,
            text="The oak table arrived on the day they said, and the maker "
            "had signed the underside.",
            author="Ingrid M.",
            role="customer in Ghent",
        )
        done = True
    blocks = RichText.objects.filter(parent=about)
    if about is not None and blocks.count() == 1 and not about.numchild:
        blocks.update(text=ABOUT_TEXT)
        image = ImageBlock(
            parent=about,
            region="main",
            ordering=20,
            alt_text="A brass table lamp lit on a side table",
            caption="Every lamp is wired and tested in our own workshop.",
        )
        _picture(image, shape="table lamp", seed=5, size=(1280, 800))
        Quote.objects.create(
            parent=about,
            region="main",
            ordering=30,
            text="They asked how the chair would be used before they sold it.",
            author="Samir K.",
            role="customer",
        )
        for ordering, (question, answer) in enumerate(QUESTIONS, start=40):
            Question.objects.create(
                parent=about,
                region="main",
                ordering=ordering,
                question=question,
                answer=answer,
            )
        done = True
    return done
