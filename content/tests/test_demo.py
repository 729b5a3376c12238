"""The demo gives the home and about pages real-looking blocks."""

from io import StringIO

import pytest
from django.core.management import call_command

from content.models import Banner, Page, Question, RichText

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_the_home_and_about_pages_from_blocks(client):
    call_command("seed_demo", products=3, stdout=StringIO())
    home = client.get("/").content.decode()
    assert "Made to be lived with" in home and "<picture>" in home
    about = client.get("/pages/about/").content.decode()
    assert "built to be mended" in about
    assert about.count("<details") == 3


def test_seed_demo_leaves_pages_staff_changed_alone():
    about = Page.objects.get(url_path="about")
    RichText.objects.create(parent=about, region="main", ordering=99, text="Ours.")
    home = Page.objects.get(url_path="home")
    out = StringIO()
    call_command("seed_demo", products=1, stdout=out)
    assert not Question.objects.filter(parent=about).exists()
    assert Banner.objects.filter(parent=home).count() == 1
    call_command("seed_demo", products=1, stdout=out)
    assert Banner.objects.filter(parent=home).count() == 1
