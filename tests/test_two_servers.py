"""Two app servers behind one configuration (issue 14).

Two gunicorn servers, A and B, run with the same production-like settings
and share one PostgreSQL database, one Redis database and an S3 bucket
(moto's server, tests/moto_server.py), as two machines behind a load
balancer would. Each collected its own static files. The steps talk to
them over real HTTP, as a browser would, and run in the order written:

1. a session started on A works on B;
2. an image uploaded through A's admin shows on B, from the bucket;
3. a price changed on B shows at once on A's cached pages;
4. failed sign-ins spread over A and B lock the account on both;
5. a backup taken on A restores on B, and two backups at once are refused;
6. with A killed, B goes on serving.

They need PostgreSQL and Redis (DATABASE_URL, CACHE_URL) and skip without
them, unless REQUIRE_SERVERS=1, where a missing prerequisite fails them.
"""

import contextlib
import html
import json
import os
import re
import secrets
import selectors
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urljoin

import psycopg
import pytest
import redis
import requests
from django.conf import settings

from backups.errors import EXIT_LOCKED
from backups.postgresql import LOCK_CLASS
from catalog.demo import demo_image_bytes
from tests.html_forms import form_with_field
from tests.moto_server import MotoServer, moto_server_started
from tests.servers import (
    GunicornServer,
    gunicorn_started,
    manage_run,
    site_environment,
)

pytestmark = pytest.mark.slow

PASSWORD = "a-long-passphrase-42"
VISITOR = "visitor@example.com"
STAFF = "staff@example.com"
TARGET = "target@example.com"
PRODUCT_NAME = "Walnut side table"
MEDIA_BUCKET = "two-servers-media"
BACKUP_BUCKET = "two-servers-backups"
BACKUP_PREFIX = "archives"
ARTIFACTS = settings.BASE_DIR / "test-artifacts"

# Run with `manage.py shell -c` in the servers' environment: the accounts and
# the product the steps use. Prints the product's id and address.
SEED = textwrap.dedent(
    f"""
    from allauth.account.models import EmailAddress
    from accounts.models import User
    from catalog.tests.factories import make_product

    for email, create in (
        ({VISITOR!r}, User.objects.create_user),
        ({TARGET!r}, User.objects.create_user),
        ({STAFF!r}, User.objects.create_superuser),
    ):
        user = create(email=email, password={PASSWORD!r})
        # A superuser's address is verified already.
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={{"primary": True, "verified": True}}
        )
    product = make_product(name={PRODUCT_NAME!r}, slug="walnut-side-table")
    print(product.pk, product.get_absolute_url())
    """
)

# `manage.py backup` that stops once it has written the first media file
# into the archive, prints "writing" and waits for a line on its stdin, so
# that a second backup can start while it holds the lock.
BACKUP_HOLDING_THE_LOCK = textwrap.dedent(
    """
    import sys
    from backups import archive
    add = archive.ArchiveWriter.add
    def add_then_wait(self, name, *args, **kwargs):
        add(self, name, *args, **kwargs)
        if name.startswith("media/"):
            archive.ArchiveWriter.add = add
            print("writing", flush=True)
            sys.stdin.readline()
    archive.ArchiveWriter.add = add_then_wait
    from django.core.management import execute_from_command_line
    execute_from_command_line(["manage.py", "backup"])
    """
)


@dataclass
class TwoServers:
    a: GunicornServer
    b: GunicornServer
    env_a: dict[str, str]
    env_b: dict[str, str]
    moto: MotoServer
    database: str
    product_id: int
    product_path: str
    folder: Path


def _prerequisites_missing() -> str | None:
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return "needs PostgreSQL: set DATABASE_URL=postgres://... (CI does)"
    if not os.environ.get("CACHE_URL", "").startswith(("redis://", "rediss://")):
        return "needs Redis: set CACHE_URL=redis://... (CI does)"
    binaries = Path(sys.executable).parent
    for name in ("gunicorn", "moto_server"):
        if not (binaries / name).exists():
            return f"{binaries / name} is missing (pip install -r requirements-dev.txt)"
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            return f"{tool} is not on PATH (install postgresql-client)"
    return None


def _admin_connection(dbname: str = "postgres") -> psycopg.Connection:
    s = settings.DATABASES["default"]
    return psycopg.connect(
        host=s["HOST"],
        port=s["PORT"],
        user=s["USER"],
        password=s["PASSWORD"],
        dbname=dbname,
        autocommit=True,
    )


def _database_url(name: str) -> str:
    s = settings.DATABASES["default"]
    user = quote(s["USER"], safe="")
    password = f":{quote(s['PASSWORD'], safe='')}" if s["PASSWORD"] else ""
    return f"postgres://{user}{password}@{s['HOST']}:{s['PORT']}/{name}"


def _databases_drop(prefix: str) -> None:
    """Drop the database and what a restore left beside it (its safety copy)."""
    with _admin_connection() as admin:
        names = [
            row[0]
            for row in admin.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s)",
                (prefix,),
            )
        ]
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _succeeded(result: subprocess.CompletedProcess, what: str) -> str:
    assert result.returncode == 0, (
        f"{what} exited with {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def _collectstatic_started(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=site_environment(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _ended(processes: list[subprocess.Popen]) -> None:
    """Kill those of `processes` still running (a step failed before them)."""
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.communicate()


def _terminated(servers: list[GunicornServer]) -> None:
    """SIGTERM every server still running, so that they stop together;
    gunicorn_started() then waits for each."""
    for server in servers:
        if server.process.poll() is None:
            server.process.terminate()


def _public_read(bucket: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }


@pytest.fixture(scope="module")
def two_servers() -> Iterator[TwoServers]:
    missing = _prerequisites_missing()
    if missing:
        if os.environ.get("REQUIRE_SERVERS") == "1":
            pytest.fail(f"REQUIRE_SERVERS=1 but the test {missing}", pytrace=False)
        pytest.skip(f"the two-server test {missing}")
    folder = Path(tempfile.mkdtemp(prefix="showroom-two-servers-"))
    database = f"showroom_two_{secrets.token_hex(4)}"
    try:
        with contextlib.ExitStack() as stack:
            with _admin_connection() as admin:
                admin.execute(f'CREATE DATABASE "{database}"')
            stack.callback(_databases_drop, database)
            moto = stack.enter_context(
                moto_server_started(log_path=folder / "moto.log")
            )
            for bucket in (MEDIA_BUCKET, BACKUP_BUCKET):
                moto.client().create_bucket(Bucket=bucket)
            # As README asks of the media bucket: anyone may read its files,
            # which pages link to directly. Archives stay private.
            moto.client().put_bucket_policy(
                Bucket=MEDIA_BUCKET, Policy=json.dumps(_public_read(MEDIA_BUCKET))
            )
            env = {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DJANGO_DEBUG": "false",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                "DJANGO_STAFF_MFA_REQUIRED": "false",
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "DATABASE_URL": _database_url(database),
                "CACHE_URL": os.environ["CACHE_URL"],
                "APP_SERVERS": "2",
                **moto.site_env(),
                "MEDIA_S3_BUCKET": MEDIA_BUCKET,
                "BACKUP_S3_BUCKET": BACKUP_BUCKET,
                "BACKUP_S3_PREFIX": BACKUP_PREFIX,
                # Nothing should land here; if something does, it is removed.
                "MEDIA_ROOT": str(folder / "media"),
            }
            # Each server has its own static files and its own backup work
            # folder (the local lock file), as on two machines.
            env_a = {
                **env,
                "STATIC_ROOT": str(folder / "static-a"),
                "BACKUP_DIR": str(folder / "backup-work-a"),
            }
            env_b = {
                **env,
                "STATIC_ROOT": str(folder / "static-b"),
                "BACKUP_DIR": str(folder / "backup-work-b"),
            }
            # Collecting takes seconds and needs no database: it runs for
            # both servers while the database is migrated.
            collecting = [_collectstatic_started(e) for e in (env_a, env_b)]
            stack.callback(_ended, collecting)
            _succeeded(manage_run("migrate", "--noinput", env=env), "migrate")
            seeded = _succeeded(manage_run("shell", "-c", SEED, env=env), "seed")
            product_id, product_path = seeded.split()[-2:]
            for run in collecting:
                output, _ = run.communicate(timeout=120)
                assert run.returncode == 0, f"collectstatic failed:\n{output}"
            a = stack.enter_context(
                gunicorn_started(env=env_a, log_path=folder / "a.log", workers=2)
            )
            b = stack.enter_context(
                gunicorn_started(env=env_b, log_path=folder / "b.log", workers=2)
            )
            stack.callback(_terminated, [a, b])
            yield TwoServers(
                a=a,
                b=b,
                env_a=env_a,
                env_b=env_b,
                moto=moto,
                database=database,
                product_id=int(product_id),
                product_path=product_path,
                folder=folder,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def visitor() -> Iterator[requests.Session]:
    """One browser: its cookies go to both servers, which share a host."""
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="module")
def staff() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def _get(session: requests.Session, url: str) -> requests.Response:
    return session.get(url, timeout=30, allow_redirects=False)


def _page(server: GunicornServer, path: str) -> str:
    """An anonymous visitor's page; it must answer 200."""
    response = requests.get(server.url + path, timeout=30, allow_redirects=False)
    assert response.status_code == 200, (
        f"{server.url}{path} answered {response.status_code}:\n{response.text[:2000]}"
    )
    return response.text


def _errors(page: str) -> str:
    """The error messages of a form page, for assertion messages."""
    found = re.findall(r'class="(?:errornote|errorlist)[^"]*"[^>]*>(.*?)</', page, re.S)
    return " | ".join(re.sub(r"<[^>]+>", " ", e).strip() for e in found) or page[:3000]


def _sign_in(
    session: requests.Session, server: GunicornServer, email: str, password: str
) -> requests.Response:
    login = f"{server.url}/accounts/login/"
    page = _get(session, login)
    assert page.status_code == 200, page.text[:2000]
    form = form_with_field(page.text, "password")
    return session.post(
        urljoin(login, form.action),
        data=form.data({"login": email, "password": password}),
        timeout=30,
        allow_redirects=False,
    )


def _signed_in(session: requests.Session, server: GunicornServer, email: str) -> None:
    response = _sign_in(session, server, email, PASSWORD)
    assert response.status_code == 302, _errors(response.text)


def _product_change(
    session: requests.Session,
    server: GunicornServer,
    product_id: int,
    changes: dict[str, str],
    files: dict | None = None,
) -> None:
    """Save the product's admin change form with `changes` made, as staff do."""
    url = f"{server.url}/admin/catalog/product/{product_id}/change/"
    page = _get(session, url)
    assert page.status_code == 200, f"{url} answered {page.status_code}"
    form = form_with_field(page.text, "price")
    response = session.post(
        urljoin(url, form.action),
        data=form.data(changes),
        files=files,
        timeout=60,
        allow_redirects=False,
    )
    assert response.status_code == 302, _errors(response.text)


def _picture_urls(page: str) -> list[str]:
    """Every URL of the page's first <picture>: each srcset entry and the src."""
    picture = re.search(r"<picture>(.*?)</picture>", page, re.S)
    assert picture, "the page has no <picture>"
    urls = []
    for attribute, value in re.findall(r'\s(srcset|src)="([^"]*)"', picture[1]):
        value = html.unescape(value)
        if attribute == "src":
            urls.append(value)
        else:
            urls.extend(entry.split()[0] for entry in value.split(",") if entry)
    return urls


def _static_urls(page: str) -> list[str]:
    return sorted(set(re.findall(r'"(/static/[^"]+)"', page)))


def _page_keys() -> list[bytes]:
    """The pages stored in the shared Redis."""
    with redis.Redis.from_url(os.environ["CACHE_URL"]) as client:
        return [
            key
            for key in client.scan_iter(match="*page:*", count=1000)
            if not key.endswith(b":rendering")
        ]


def test_each_server_serves_its_own_static_files_under_the_same_names(two_servers):
    """Both servers collected their own files; the pages name the same hashed
    files, and each server serves them."""
    a, b = two_servers.a, two_servers.b
    names_a = _static_urls(_page(a, "/"))
    names_b = _static_urls(_page(b, "/"))
    assert names_a, "the home page names no static file"
    assert names_a == names_b
    assert all(re.search(r"\.[0-9a-f]{12}\.", name) for name in names_a), names_a
    for name in names_a:
        for server in (a, b):
            status, _ = server.get(name)
            assert status == 200, f"{server.url}{name} answered {status}"


def test_1_a_session_started_on_a_works_on_b(two_servers, visitor):
    a, b = two_servers.a, two_servers.b

    _signed_in(visitor, a, VISITOR)

    profile = _get(visitor, f"{b.url}/accounts/profile/")
    assert profile.status_code == 200, (
        f"B answered {profile.status_code} {profile.headers.get('Location')}"
    )
    assert VISITOR in profile.text


def test_2_an_image_uploaded_on_a_shows_on_b_from_the_bucket(two_servers, staff):
    a, b, moto = two_servers.a, two_servers.b, two_servers.moto
    _signed_in(staff, a, STAFF)

    _product_change(
        staff,
        a,
        two_servers.product_id,
        {"images-0-alt_text": "A walnut side table, seen from the front"},
        files={
            "images-0-image": (
                "table.jpg",
                demo_image_bytes(seed=7, size=(1600, 1200)),
                "image/jpeg",
            )
        },
    )

    page = _page(b, two_servers.product_path)
    assert 'alt="A walnut side table, seen from the front"' in page
    urls = _picture_urls(page)
    assert len(urls) > 1, urls
    for url in urls:
        assert url.startswith(moto.url), f"{url} is not in the bucket"
        response = requests.get(url, timeout=30)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        assert response.headers["Content-Type"].startswith("image/"), url
    assert moto.keys(MEDIA_BUCKET), "the media bucket is empty"
    assert not (two_servers.folder / "media").exists(), "a file went to MEDIA_ROOT"


@pytest.mark.browser
def test_2_the_image_shows_in_chromium_on_b(two_servers, browser):
    """The browser loads the bucket's image under B's content security policy;
    the screenshot goes to test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        blocked = []
        page.on(
            "console",
            lambda m: blocked.append(m.text) if m.type == "error" else None,
        )
        page.goto(two_servers.b.url + two_servers.product_path)
        image = page.locator(".gallery img").first
        image.wait_for()
        page.wait_for_function(
            "document.querySelector('.gallery img').complete", timeout=10_000
        )
        width = image.evaluate("img => img.naturalWidth")
        page.screenshot(path=ARTIFACTS / "two-servers-product-on-b.png")
    finally:
        page.close()
    assert width > 0, f"the image did not load: {blocked}"
    assert not blocked, blocked


def test_3_a_price_changed_on_b_shows_on_a_cached_pages(two_servers, staff):
    a, b = two_servers.a, two_servers.b
    path = two_servers.product_path
    assert "123.45" not in _page(a, path)
    assert "123.45" not in _page(a, "/products/")
    assert _page_keys(), "A stored no page in Redis"

    _product_change(staff, b, two_servers.product_id, {"price": "123.45"})

    assert "123.45" in _page(a, path)
    assert "123.45" in _page(a, "/products/")


def test_4_failed_sign_ins_on_a_and_b_lock_the_account_on_both(two_servers):
    a, b = two_servers.a, two_servers.b
    statuses = []
    for server in (a, b, a, b, a):
        with requests.Session() as session:
            response = _sign_in(session, server, TARGET, "wrong-password")
            statuses.append(response.status_code)
    assert statuses[:4] == [200] * 4, statuses

    for server in (a, b):
        with requests.Session() as session:
            response = _sign_in(session, server, TARGET, PASSWORD)
            assert response.status_code == 429, (
                f"{server.url} answered {response.status_code} to the right "
                f"password after {statuses}"
            )


def test_5_a_backup_taken_on_a_restores_on_b(two_servers, staff):
    a, b, moto = two_servers.a, two_servers.b, two_servers.moto
    path = two_servers.product_path
    _succeeded(manage_run("backup", env=two_servers.env_a), "backup on A")
    archives = moto.keys(BACKUP_BUCKET, prefix=f"{BACKUP_PREFIX}/")
    assert archives, "the backup wrote nothing to the bucket"
    _product_change(staff, a, two_servers.product_id, {"name": "Renamed table"})
    assert "Renamed table" in _page(b, path)

    _succeeded(
        manage_run("restore", "latest", "--noinput", env=two_servers.env_b),
        "restore on B",
    )

    for server in (a, b):
        page = _page(server, path)
        assert PRODUCT_NAME in page, f"{server.url} does not show the old name"
        assert "Renamed table" not in page
        assert "123.45" in page


def _line_read(process: subprocess.Popen, *, timeout: float) -> str:
    """The next line of the process's stdout, waiting at most `timeout`."""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return process.stdout.readline()


def _backup_lock_holders(database: str) -> list[str]:
    """The application names of the sessions holding the site's backup lock
    on the database server (backups.postgresql.pg_backup_lock)."""
    with _admin_connection() as admin:
        rows = admin.execute(
            "SELECT a.application_name FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted "
            "AND l.classid = %s AND l.objid = hashtext(%s)::oid",
            (LOCK_CLASS, database),
        ).fetchall()
    return [row[0] for row in rows]


def test_5_of_two_backups_on_a_and_b_at_once_the_second_is_refused(two_servers):
    """Each server has its own lock file, so only the database's advisory
    lock can keep the second run out."""
    script = two_servers.folder / "backup_holding_the_lock.py"
    script.write_text(BACKUP_HOLDING_THE_LOCK)
    first = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, str(script)],
        cwd=settings.BASE_DIR,
        env=site_environment(two_servers.env_a),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = _line_read(first, timeout=60)
        assert line.strip() == "writing", (
            f"the first backup did not reach its media: {line!r}\n"
            + ("" if first.poll() is None else first.stderr.read())
        )
        holders = _backup_lock_holders(two_servers.database)
        assert len(holders) == 1, f"the backup lock's holders: {holders}"
        assert f"pid {first.pid}" in holders[0]

        second = manage_run("backup", env=two_servers.env_b)

        assert second.returncode == EXIT_LOCKED, (
            f"the second backup exited with {second.returncode}:\n"
            f"{second.stdout}\n{second.stderr}"
        )
        assert f"pid {first.pid}" in second.stderr
        first.stdin.write("\n")
        first.stdin.flush()
        output, errors = first.communicate(timeout=120)
        assert first.returncode == 0, f"the first backup failed:\n{output}\n{errors}"
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()


def test_6_with_a_killed_b_goes_on_serving(two_servers, visitor):
    a, b = two_servers.a, two_servers.b
    log_before = len(b.log())

    a.kill()

    with pytest.raises(requests.ConnectionError):
        requests.get(a.url + "/", timeout=5)
    for path in ("/", "/products/", two_servers.product_path) * 2:
        _page(b, path)
    profile = _get(visitor, f"{b.url}/accounts/profile/")
    assert profile.status_code == 200, profile.headers.get("Location")
    assert VISITOR in profile.text
    since_the_kill = b.log()[log_before:]
    assert "Traceback" not in since_the_kill, since_the_kill
    assert " ERROR " not in since_the_kill, since_the_kill
