"""Public pages read from a streaming replica (config/replica.py).

The slow tests start a real PostgreSQL primary and streaming replica
(tests/pg_cluster.py) and the site in gunicorn pointed at both, once with
the content version in a file (local-memory cache) and once in a Redis
(an in-memory one on a loopback port). They tell which server answered a
page by pausing replay on the replica: a row changed on the primary after
the pause, behind the site's back, is missing from the replica only.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from config import replica
from tests.cache_servers import FakeRedisServer
from tests.pg_cluster import Cluster, cluster_started
from tests.servers import GunicornServer, gunicorn_started, http_request

# Made by `_seed` on the primary: a product the routing test gives a new
# address behind the site's back, and one the lag test renames.
HIDDEN_SLUG = "routing-lamp-before"
MOVED_SLUG = "routing-lamp"
RENAMED_SLUG = "reading-lamp"

# --- Without a cluster ----------------------------------------------------


def test_reads_go_to_the_primary_outside_a_replica_render():
    router = replica.ReplicaRouter()

    assert router.db_for_read(None) == DEFAULT_DB_ALIAS
    assert router.db_for_write(None) == DEFAULT_DB_ALIAS


def test_only_the_primary_is_migrated():
    router = replica.ReplicaRouter()

    assert router.allow_migrate(DEFAULT_DB_ALIAS, "catalog")
    assert not router.allow_migrate(replica.REPLICA, "catalog")


def test_without_a_replica_pages_render_as_before():
    """No replica configured: the page is rendered once, and the WAL
    position is never asked for."""
    request = RequestFactory().get("/")
    position = mock.Mock()

    response = replica.render(request, lambda _: HttpResponse("page"), position)

    assert response.content == b"page"
    position.assert_not_called()


class _FakeReplica:
    """A replica connection whose queries fail when told to."""

    def __init__(self, *, check_fails: bool = False) -> None:
        self.check_fails = check_fails
        self.errors_occurred = False
        self.closed = False

    def cursor(self):
        fake = self

        class Cursor:
            def __enter__(self):
                if fake.check_fails:
                    raise OperationalError("connection refused")
                return self

            def __exit__(self, *exc):
                return False

            def execute(self, sql, params):
                pass

            def fetchone(self):
                return (True,)

        return Cursor()

    def close(self):
        self.closed = True


@pytest.fixture
def fake_replica(settings) -> Iterator[_FakeReplica]:
    settings.DATABASE_REPLICA_RETRY_SECONDS = 60
    fake = _FakeReplica()
    with (
        mock.patch.object(replica, "configured", return_value=True),
        mock.patch.object(replica, "connections", {replica.REPLICA: fake}),
        mock.patch.object(replica, "_down_until", 0.0),
    ):
        yield fake


def test_a_page_renders_with_replica_reads_when_it_has_caught_up(fake_replica):
    seen = []

    def view(request):
        seen.append(replica.ReplicaRouter().db_for_read(None))
        return HttpResponse("page")

    replica.render(RequestFactory().get("/"), view, lambda: "0/1")

    assert seen == [replica.REPLICA]
    assert replica.ReplicaRouter().db_for_read(None) == DEFAULT_DB_ALIAS


def test_a_visitor_who_just_wrote_reads_the_primary(fake_replica):
    seen = []
    request = RequestFactory().get("/")
    request.COOKIES[replica.PIN_COOKIE] = "1"

    replica.render(
        request,
        lambda r: (
            seen.append(replica.ReplicaRouter().db_for_read(None)) or HttpResponse()
        ),
        lambda: "0/1",
    )

    assert seen == [DEFAULT_DB_ALIAS]


def test_a_replica_that_fails_during_a_page_makes_it_render_from_the_primary(
    fake_replica, caplog
):
    """The first render failed on the replica (Django made it a 500): the
    page is rendered again from the primary, the failure logged, and the
    replica left alone afterwards."""
    seen = []

    def view(request):
        database = replica.ReplicaRouter().db_for_read(None)
        seen.append(database)
        if database == replica.REPLICA:
            fake_replica.errors_occurred = True
            return HttpResponse(status=500)
        return HttpResponse("from the primary")

    response = replica.render(RequestFactory().get("/"), view, lambda: "0/1")
    again = replica.render(RequestFactory().get("/"), view, lambda: "0/1")

    assert response.content == again.content == b"from the primary"
    assert seen == [replica.REPLICA, DEFAULT_DB_ALIAS, DEFAULT_DB_ALIAS]
    assert fake_replica.closed
    assert [r.levelname for r in caplog.records] == ["ERROR"]


def test_a_replica_that_does_not_answer_is_logged_once_and_left_alone(
    fake_replica, caplog
):
    fake_replica.check_fails = True
    position = mock.Mock(return_value="0/1")

    for _ in range(3):
        replica.render(RequestFactory().get("/"), lambda r: HttpResponse(), position)

    assert position.call_count == 1
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert "did not answer (connection refused)" in errors[0].getMessage()


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_an_unsafe_request_pins_the_visitor_to_the_primary(method, settings):
    settings.DATABASE_REPLICA_PIN_SECONDS = 7
    settings.SESSION_COOKIE_SECURE = True
    middleware = replica.ReadYourWritesMiddleware(lambda r: HttpResponse(status=500))

    response = middleware(RequestFactory().generic(method, "/"))

    cookie = response.cookies[replica.PIN_COOKIE]
    assert cookie["max-age"] == 7
    assert cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"] == "Lax"


def test_a_safe_request_sets_no_cookie():
    middleware = replica.ReadYourWritesMiddleware(lambda r: HttpResponse())

    response = middleware(RequestFactory().get("/"))

    assert replica.PIN_COOKIE not in response.cookies


# --- Against a real primary and streaming replica --------------------------


@dataclass
class Site:
    cluster: Cluster
    env: dict[str, str]
    folder: Path
    sessions: dict[str, str]

    def django(self, code: str) -> str:
        """Run `code` in `manage.py shell` against the cluster; its output."""
        result = subprocess.run(  # noqa: S603 - our interpreter, our code
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=settings.BASE_DIR,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def server(self, name: str, **env: str):
        return gunicorn_started(
            env={**self.env, **env},
            log_path=self.folder / f"{name}.log",
            workers=1,
        )


_SEED = f"""
from django.test import Client
from accounts.tests.factories import make_user
from catalog.tests.factories import make_product
make_product(name="Routing lamp", slug="{HIDDEN_SLUG}")
make_product(name="Reading lamp", slug="{RENAMED_SLUG}")
for user in (make_user(), make_user(is_staff=True)):
    client = Client()
    client.force_login(user)
    print("session", client.cookies["sessionid"].value)
"""


@pytest.fixture(scope="module", params=["file", "redis"])
def site(request, tmp_path_factory) -> Iterator[Site]:
    """The cluster, migrated and seeded, and the environment for the site:
    the content version in a file, or in a Redis.

    The cluster is its own, whatever DATABASE_URL names, so the test runs
    once, in the PostgreSQL pass (as CI's), not again with SQLite.
    """
    if connection.vendor != "postgresql":
        pytest.skip(
            "the replica test runs in the PostgreSQL pass (DATABASE_URL="
            "postgres://...; CI does), with a primary and replica of its own"
        )
    folder = tmp_path_factory.mktemp(f"replica-{request.param}")
    redis = FakeRedisServer() if request.param == "redis" else None
    try:
        with cluster_started() as cluster:
            env = {
                "DJANGO_SETTINGS_MODULE": "config.settings_test",
                "DATABASE_URL": cluster.primary.url,
                "DATABASE_REPLICA_URL": cluster.replica.url,
                "CACHE_URL": redis.url if redis else "locmemcache://",
                "SITE_CACHE_VERSION_FILE": str(folder / "content-version"),
                "MEDIA_ROOT": str(folder / "media"),
                "DJANGO_LOG_LEVEL": "INFO",
            }
            site = Site(cluster=cluster, env=env, folder=folder, sessions={})
            migrate = subprocess.run(  # noqa: S603 - our interpreter
                [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                cwd=settings.BASE_DIR,
                env={**os.environ, **env},
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert migrate.returncode == 0, migrate.stdout + migrate.stderr
            # Log lines go to stdout too.
            output = site.django(_SEED).splitlines()
            person, staff = (
                line.split()[1] for line in output if line.startswith("session ")
            )
            site.sessions = {"person": person, "staff": staff}
            cluster.wait_replayed()
            yield site
    finally:
        if redis is not None:
            redis.stop()


@pytest.fixture
def paused(site: Site) -> Iterator[Cluster]:
    """Replay paused on the replica, resumed and caught up afterwards."""
    site.cluster.replay_pause()
    try:
        yield site.cluster
    finally:
        site.cluster.replay_resume()
        site.cluster.wait_replayed()


def _get(server: GunicornServer, path: str, cookies: str = ""):
    headers = {"Cookie": cookies} if cookies else {}
    return http_request(server.port, "GET", path, headers=headers)


def _product(slug: str) -> str:
    return reverse("catalog:product-detail", kwargs={"slug": slug})


@pytest.mark.slow
def test_anonymous_pages_read_the_replica_everyone_else_the_primary(site, paused):
    """After the pause, the product gets a new address on the primary only.
    An anonymous visitor does not find it there: their page was read from
    the replica. Signed-in people, staff and a visitor who has just sent a
    form read the primary and find it."""
    paused.primary.execute(
        "UPDATE catalog_product SET slug = %s WHERE slug = %s",
        (MOVED_SLUG, HIDDEN_SLUG),
    )
    path = _product(MOVED_SLUG)
    with site.server("routing") as server:
        anonymous = _get(server, path)
        person = _get(server, path, f"sessionid={site.sessions['person']}")
        staff = _get(server, path, f"sessionid={site.sessions['staff']}")
        report = http_request(
            server.port,
            "POST",
            "/csp-report/",
            headers={"Content-Type": "application/csp-report"},
            body=json.dumps({"csp-report": {}}).encode(),
        )
        pin = report.headers["Set-Cookie"]
        pinned = _get(server, path, pin.split(";")[0])
        log = server.log()

    assert anonymous.status == 404, log
    assert person.status == 200 and b"Routing lamp" in person.body, log
    assert staff.status == 200 and b"Routing lamp" in staff.body, log
    assert pin.startswith(f"{replica.PIN_COOKIE}=")
    assert "HttpOnly" in pin and "SameSite=Lax" in pin, pin
    assert f"Max-Age={settings.DATABASE_REPLICA_PIN_SECONDS}" in pin, pin
    assert pinned.status == 200 and b"Routing lamp" in pinned.body, log
    assert " ERROR " not in log, log


@pytest.mark.slow
def test_a_change_is_never_rendered_from_a_replica_that_lags(site, paused):
    """Staff rename a product while the replica replays nothing: the page
    misses the cache under the new content version, and is rendered from
    the primary, which has the change, not from the replica, which has not.
    The copy stored in the cache is the new one too."""
    path = _product(RENAMED_SLUG)
    with site.server("lag") as server:
        # Rendered from the replica (it has replayed the last change) and
        # stored in the cache under the current version.
        before = _get(server, path)
        site.django(
            "from catalog.models import Product\n"
            f"product = Product.objects.get(slug='{RENAMED_SLUG}')\n"
            "product.name = 'Desk lamp'\n"
            "product.save()\n"
        )
        # The replica still shows the old name.
        on_replica = paused.replica.query(
            "SELECT name FROM catalog_product WHERE slug = %s", (RENAMED_SLUG,)
        )
        rendered = _get(server, path)
        cached = _get(server, path)
        log = server.log()

    assert before.status == 200 and b"Reading lamp" in before.body, log
    assert on_replica == ("Reading lamp",)
    assert rendered.status == 200 and b"Desk lamp" in rendered.body, log
    assert b"Reading lamp" not in rendered.body
    assert cached.status == 200 and cached.body == rendered.body, log
    assert " ERROR " not in log, log


@pytest.mark.slow
def test_a_replica_that_is_down_leaves_pages_to_the_primary(site):
    """The replica stops: pages are still answered, from the primary, with
    one error logged per process; none is a 500. The replica is started
    again afterwards."""
    cluster = site.cluster
    # Long enough that no retry happens during the test.
    with site.server("down", DATABASE_REPLICA_RETRY_SECONDS="600") as server:
        first = _get(server, "/search/?q=lamp")
        cluster.stop(cluster.replica, mode="immediate")
        try:
            down = [
                _get(server, path)
                for path in ("/products/", "/search/?q=lamp&sort=price", "/")
            ]
            log = server.log()
        finally:
            cluster.start(cluster.replica)
            cluster.wait_streaming()

    assert first.status == 200, log
    assert [answer.status for answer in down] == [200, 200, 200], log
    assert b"Routing lamp" in down[0].body, log
    errors = [line for line in log.splitlines() if " ERROR " in line]
    assert len(errors) == 1, log
    assert "config.replica" in errors[0]
    assert "The read replica did not answer" in errors[0]
    assert "Internal Server Error" not in log
