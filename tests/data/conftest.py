"""Fixtures for the data tests: where the real datasets are, and a local HTTP mirror.

No test touches the internet: downloads go to an ``http.server`` on 127.0.0.1.
"""
from __future__ import annotations

import functools
import os
import socket
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

# The test modules import the shared reference values from datahelpers.py; make that
# work under every pytest import mode, not only the default "prepend".
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

from datahelpers import PUBLISHED_SHA256  # noqa: E402


@pytest.fixture(scope="session")
def data_root() -> Path:
    """The shared data folder: $MINIGRAD_TEST_DATA, else ../shared/data beside the repo."""
    env = os.environ.get("MINIGRAD_TEST_DATA", "").strip()
    root = Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"
    for name in PUBLISHED_SHA256:
        for filename in PUBLISHED_SHA256[name]:
            assert (root / name / filename).is_file(), (
                f"the data tests need the real datasets: {root / name / filename} is missing "
                "(set MINIGRAD_TEST_DATA to the folder holding mnist/ and fashion-mnist/)"
            )
    return root


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves one folder, records every requested path, logs nothing."""

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def do_GET(self):
        self.server.requested.append(self.path)
        super().do_GET()


@pytest.fixture
def http_mirror():
    """Start HTTP servers on 127.0.0.1 (port 0); ``http_mirror(folder)`` returns (base URL, server)."""
    servers = []

    def start(folder):
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.requested = []
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}/", server

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def silent_server_url():
    """A URL whose server accepts connections but never answers (to exercise timeouts)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    sock.close()
