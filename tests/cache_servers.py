"""Cache servers for fault tests: a closed port, a hung one and a fake Redis.

Each binds its own loopback port, so the tests never touch a real Redis and
never depend on one being there.
"""

import contextlib
import socket
import threading
from collections.abc import Iterator

from django.test import override_settings
from fakeredis import TcpFakeServer

BACKEND = "config.cache_backends.FailSoftRedisCache"


@contextlib.contextmanager
def redis_cache_at(location: str, **settings_values) -> Iterator[None]:
    """Make the fail-soft Redis backend at `location` the default cache.

    Changing CACHES makes Django drop every cache object, so the backend and
    its connection pool are built anew, and again when the block ends.
    """
    caches = {"default": {"BACKEND": BACKEND, "LOCATION": location}}
    with override_settings(**settings_values), override_settings(CACHES=caches):
        yield


def closed_port() -> int:
    """A loopback port that refuses connections: bound once, then closed."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


class HungServer:
    """A listener that accepts connections and never answers a byte."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections.append(connection)

    def close(self) -> None:
        self._stopping.set()
        self._thread.join()
        self._listener.close()
        for connection in self.connections:
            connection.close()


class FakeRedisServer:
    """An in-memory Redis on a loopback port that can go away and come back.

    `stop()` closes the port (connections are refused); `start()` listens on
    the same port again with the data it held, like a Redis restarted from
    its snapshot, or a network that heals.
    """

    def __init__(self) -> None:
        self._server = TcpFakeServer(("127.0.0.1", 0))
        self.port = self._server.server_address[1]
        self._data = self._server.fake_server
        self._thread: threading.Thread | None = None
        self.start(server=self._server)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, server: TcpFakeServer | None = None) -> None:
        if server is None:
            server = TcpFakeServer(("127.0.0.1", self.port))
            server.fake_server = self._data
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
