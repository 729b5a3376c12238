"""Every view that follows a `next` keeps the visitor on this site.

Known hostile values and random ones go to each such view over http and
https: the answer is never a 500, its Location is never another site nor
http from an https page, the request still does what it was for, and an
answer that is an error has written nothing.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.adapter import get_adapter
from allauth.core import context
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client
from django.utils.encoding import iri_to_uri
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import SavedProduct, User
from accounts.tests.factories import PASSWORD, make_totp, make_user, totp_code
from catalog.models import Product
from catalog.tests.factories import make_product
from config.next_url import is_safe_next_url
from tests.next_urls import (
    HOSTILE_NEXT_URLS,
    NEXT_VALUES,
    ODD_SITE_PATHS,
    assert_stays_on_site,
)

pytestmark = pytest.mark.django_db

_addresses = itertools.count(1)


@dataclass
class Scene:
    """A member with a product, and fresh clients on demand."""

    user: User
    product: Product

    def client(self, *, signed_in: bool) -> Client:
        client = Client(raise_request_exception=False)
        if signed_in:
            # A password change in an earlier try gave the account a new
            # hash, which the session must carry to stay valid.
            self.user.refresh_from_db()
            client.force_login(self.user)
        return client

    def written(self) -> tuple:
        """What any of the probed views may write, to compare on errors."""
        user = User.objects.get(pk=self.user.pk)
        return (
            list(SavedProduct.objects.values_list("user", "product")),
            User.objects.count(),
            user.password,
            user.last_login,
        )


@dataclass
class Probe:
    """One view that takes a `next`: how to call it and what it is for."""

    send: Callable[[Scene, str, bool], tuple[Client, HttpResponse]]
    status: int
    # Whether the request did its job, given what was written before and
    # after it, the client and the answer.
    done: Callable[[Scene, tuple, tuple, Client, HttpResponse], bool]
    # Whether a safe `next` is where the answer goes (sign-up goes to the
    # "check your mail" page instead, the admin to the sign-in page).
    follows_next: bool
    # The admin puts its own address, `next` and all, into the sign-in link;
    # Django refuses to redirect to more than 16,384 characters and answers
    # 400 (DisallowedRedirect), which is fine for a 100 KB `next`.
    too_long_for_django: bool = False


def _saved_add(scene, value, secure):
    client = scene.client(signed_in=True)
    SavedProduct.objects.filter(user=scene.user).delete()
    url = f"/accounts/saved/{scene.product.slug}/add/"
    return client, client.post(url, {"next": value}, secure=secure)


def _saved_remove(scene, value, secure):
    client = scene.client(signed_in=True)
    SavedProduct.objects.get_or_create(user=scene.user, product=scene.product)
    url = f"/accounts/saved/{scene.product.slug}/remove/"
    return client, client.post(url, {"next": value}, secure=secure)


def _is_saved(scene, before, after, client, response):
    return SavedProduct.objects.filter(user=scene.user, product=scene.product).exists()


def _is_not_saved(scene, before, after, client, response):
    return not _is_saved(scene, before, after, client, response)


def _sign_in(scene, value, secure):
    client = scene.client(signed_in=False)
    data = {"login": scene.user.email, "password": PASSWORD, "next": value}
    return client, client.post("/accounts/login/", data, secure=secure)


def _sign_in_page_when_signed_in(scene, value, secure):
    client = scene.client(signed_in=True)
    return client, client.get("/accounts/login/", {"next": value}, secure=secure)


def _sign_in_page(scene, value, secure):
    client = scene.client(signed_in=False)
    return client, client.get("/accounts/login/", {"next": value}, secure=secure)


def _admin_sign_in_page(scene, value, secure):
    client = scene.client(signed_in=False)
    return client, client.get("/admin/login/", {"next": value}, secure=secure)


def _is_signed_in(scene, before, after, client, response):
    return client.session.get(SESSION_KEY) == str(scene.user.pk)


def _is_signed_out(scene, before, after, client, response):
    return SESSION_KEY not in client.session


def _shows_the_form(scene, before, after, client, response):
    return 'name="password"' in response.content.decode()


def _goes_to_sign_in(scene, before, after, client, response):
    return response["Location"].startswith("/accounts/login/?next=")


def _sign_out(scene, value, secure):
    client = scene.client(signed_in=True)
    return client, client.post("/accounts/logout/", {"next": value}, secure=secure)


def _sign_up(scene, value, secure):
    client = scene.client(signed_in=False)
    email = f"newcomer{next(_addresses)}@example.com"
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    return client, client.post(
        "/accounts/signup/", {**data, "next": value}, secure=secure
    )


def _account_created(scene, before, after, client, response):
    return after[1] == before[1] + 1


def _password_change(scene, value, secure):
    client = scene.client(signed_in=True)
    data = {"oldpassword": PASSWORD, "password1": PASSWORD, "password2": PASSWORD}
    return client, client.post(
        "/accounts/password/change/", {**data, "next": value}, secure=secure
    )


def _password_changed(scene, before, after, client, response):
    # Setting a password salts it anew, so even the same one hashes apart.
    return after[2] != before[2]


PROBES = {
    "saved-add": Probe(_saved_add, 302, _is_saved, True),
    "saved-remove": Probe(_saved_remove, 302, _is_not_saved, True),
    "sign-in": Probe(_sign_in, 302, _is_signed_in, True),
    "sign-in-page-signed-in": Probe(
        _sign_in_page_when_signed_in, 302, _is_signed_in, True
    ),
    "sign-in-page": Probe(_sign_in_page, 200, _shows_the_form, False),
    "admin-sign-in-page": Probe(
        _admin_sign_in_page, 302, _goes_to_sign_in, False, too_long_for_django=True
    ),
    "sign-out": Probe(_sign_out, 302, _is_signed_out, True),
    "sign-up": Probe(_sign_up, 302, _account_created, False),
    "password-change": Probe(_password_change, 302, _password_changed, True),
}


@pytest.fixture
def scene() -> Scene:
    return Scene(user=make_user(), product=make_product())


def _short(value: str) -> str:
    return repr(value) if len(value) < 80 else f"{value[:60]!r}... ({len(value)})"


def _check(probe: Probe, scene: Scene, value: str, secure: bool) -> None:
    # allauth's rate limits count in the cache; every value is a new try.
    cache.clear()
    before = scene.written()
    client, response = probe.send(scene, value, secure)
    after = scene.written()
    status = response.status_code
    assert status < 500, f"{status} for next={_short(value)}"
    if status >= 400:
        assert after == before, f"written on {status} for next={_short(value)}"
    if probe.too_long_for_django and len(value) > 16_000 and status == 400:
        return
    assert status == probe.status, f"{status} for next={_short(value)}"
    assert probe.done(scene, before, after, client, response), _short(value)
    if status != 302:
        return
    location = response["Location"]
    assert_stays_on_site(location, secure=secure)
    if probe.follows_next and is_safe_next_url(value, request=response.wsgi_request):
        # Django percent-encodes what is not ASCII (RFC 3987).
        assert location == iri_to_uri(value)
    if response.wsgi_request.path == "/admin/login/":
        # The admin hands a `next` of its own to the sign-in page: the value
        # given if it is safe, or the admin's address.
        (handed_on,) = parse_qs(urlsplit(location).query)["next"]
        assert_stays_on_site(handed_on, secure=secure)


@pytest.mark.slow
@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("name", PROBES)
def test_known_hostile_next_values_keep_to_this_site(scene, name, secure):
    """Every listed value, to every view, over http and https (about 40 s)."""
    for value in HOSTILE_NEXT_URLS + ODD_SITE_PATHS:
        _check(PROBES[name], scene, value, secure)


@pytest.mark.parametrize("name", PROBES)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(value=NEXT_VALUES, secure=st.booleans())
def test_random_next_values_keep_to_this_site(scene, name, value, secure):
    """Random and listed values, drawn by hypothesis, to every view."""
    _check(PROBES[name], scene, value, secure)


@pytest.mark.parametrize("name", ["saved-add", "saved-remove"])
@pytest.mark.parametrize("value", ["foo", "account_logout", "accounts:profile"])
def test_saving_with_a_url_name_as_next_returns_to_the_product(scene, name, value):
    """A bare word once went through redirect() as a URL name: a 500."""
    client, response = PROBES[name].send(scene, value, False)

    assert response.status_code == 302
    assert response["Location"] == scene.product.get_absolute_url()


def test_saving_from_an_https_page_never_goes_to_http(scene):
    client, response = _saved_add(scene, "http://testserver/accounts/profile/", True)

    assert response["Location"] == scene.product.get_absolute_url()


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_a_page_of_this_site_is_followed(scene, secure):
    """Paths, and the site's own origin with the request's scheme."""
    scheme = "https" if secure else "http"
    for name in [name for name, probe in PROBES.items() if probe.follows_next]:
        for value in ["/accounts/profile/", f"{scheme}://testserver/products/?page=2"]:
            client, response = PROBES[name].send(scene, value, secure)
            assert response["Location"] == value, name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/products/?page=2", "/products/?page=2"),
        ("https://testserver/products/", "https://testserver/products/"),
        ("http://testserver/products/", "/accounts/profile/"),
        ("//evil.com", "/accounts/profile/"),
        ("account_logout", "/accounts/profile/"),
        ("/\\evil.com", "/accounts/profile/"),
    ],
)
def test_the_second_factor_step_keeps_to_the_same_rule(travel, value, expected):
    """A `next` given with the password is followed after the code, if safe."""
    user = make_user()
    secret = make_totp(user)
    client = Client()

    with travel(timedelta(0)):
        response = client.post(
            "/accounts/login/",
            {"login": user.email, "password": PASSWORD, "next": value},
            secure=True,
        )
        assert response["Location"] == "/accounts/2fa/authenticate/"
        response = client.post(
            "/accounts/2fa/authenticate/", {"code": totp_code(secret)}, secure=True
        )

    assert response.status_code == 302
    assert response["Location"] == expected


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_the_account_adapter_answers_with_the_site_rule(rf, secure):
    """allauth asks its adapter about every `next`; the site's rule answers."""
    request = rf.get("/accounts/login/", secure=secure)
    scheme = "https" if secure else "http"

    with context.request_context(request):
        adapter = get_adapter()
        assert adapter.is_safe_url("/accounts/profile/")
        assert adapter.is_safe_url(f"{scheme}://testserver/products/")
        for value in HOSTILE_NEXT_URLS:
            if value != f"{scheme}://testserver/products/":
                assert not adapter.is_safe_url(value), value


@pytest.mark.django_db
def test_the_sign_up_link_on_the_sign_in_page_keeps_a_safe_next(client):
    """The header's links must not hide allauth's own next-keeping link."""
    response = client.get("/accounts/login/", {"next": "/products/"})

    assert 'href="/accounts/signup/?next=%2Fproducts%2F"' in response.content.decode()
