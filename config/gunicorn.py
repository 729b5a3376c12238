"""Gunicorn settings: `gunicorn -c config/gunicorn.py`.

Every value can be changed from the environment, so one file serves both
`make run` on a laptop and an app server behind a load balancer.
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two workers per core plus one is gunicorn's advice for sync workers; the
# cap keeps memory small on big machines where several sites share a host.
workers = int(
    os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 9))
)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Recycle workers now and then so a slow leak can never take the host down.
max_requests = 2000
max_requests_jitter = 200
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
