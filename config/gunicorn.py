"""Gunicorn settings: `gunicorn -c config/gunicorn.py`.

Every value can be changed from the environment, so one file serves both
`make run` on a laptop and an app server behind a load balancer.
"""

import multiprocessing
import os
from pathlib import Path

import environ

# The same .env as the site's settings, so GUNICORN_BIND and the others may
# live there too; the real environment wins.
environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env")

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two workers per core plus one is gunicorn's advice for sync workers; the
# cap keeps memory small on big machines where several sites share a host.
workers = int(
    os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 9))
)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Recycle workers now and then so a slow leak can never take the host down,
# but rarely: a restart costs about 0.4 s of CPU (the new worker's first full
# garbage collection walks, and so copies, every preloaded object; the old
# one tears its interpreter down), so about 0.2 s of the server's throughput
# on 2 cores, and up to 0.75 s when other work shares them. On the 2-core
# machine, `bench/pages.py --floor-only --max-requests 200` took the floor
# from 1,660 to 650 req/s, and 2,000 (the earlier value) to 1,450 (medians
# of 4 paired runs); at the several thousand req/s expected of cached pages,
# each worker would restart about every second. The cost is that time x
# rate / max_requests: under 0.4% at 5,000 req/s with this value. Nor do
# workers need recycling sooner: over 30,000 uncached requests after
# warming up (bench/pages.py's memory run, 100,000 products), USS grew 1.1
# to 1.3% in the first 5,000 and 0.2 to 0.7% in the next 25,000, in small
# steps rather than a steady climb. At 5,000 req/s a worker still restarts
# every 7 minutes or so; the jitter keeps both from restarting at once.
# (The workers are gunicorn's default sync ones: every request comes on a
# new connection, so after a restart the load spreads over both again.)
max_requests = 1_000_000
max_requests_jitter = 100_000
# Loading the app before forking shares its memory between workers and makes
# a broken configuration fail once, at start, instead of in every worker.
preload_app = True
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Nothing here uses gunicornc, and its socket's default path
# ($HOME/.gunicorn/gunicorn.ctl) is one per user: a second gunicorn of that
# user (another site, a test's server) would take it over and remove it.
control_socket_disable = True


def when_ready(server) -> None:
    """Say where the site is served, from the sockets as really bound
    (GUNICORN_BIND may move them, and port 0 lets the kernel pick one)."""
    for listener in server.LISTENERS:
        address = str(listener)
        if address.startswith("http"):
            address = address.replace("://0.0.0.0:", "://127.0.0.1:", 1)
            server.log.info("Serving on %s (Ctrl-C to stop)", address)


def worker_exit(server, worker) -> None:
    """A worker holds statistics in its own memory (reports/buffer.py): its
    last second of page views with Redis, its buffer with the local-memory
    cache. Write them out before the worker goes (a restart, a reload, a
    stop)."""
    from reports.services import flush_at_exit

    flush_at_exit()
