"""A connection cut mid-file is one more failed mirror, not a crash.

A cut chunked body raises ``http.client.IncompleteRead``, an ``HTTPException``
and not an ``OSError``, so it once escaped the mirror loop; a body cut short of
its Content-Length reads as a short file, which the checksum refuses.
"""
import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from minigrad.data import download

PAYLOAD = b"minigrad" * 1000


class _CuttingHandler(BaseHTTPRequestHandler):
    """Announces the whole payload (as Content-Length, or as one chunk), sends a tenth of it, then closes."""

    protocol_version = "HTTP/1.1"   # chunked transfer needs 1.1
    chunked = False

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def do_GET(self):
        self.send_response(200)
        if self.chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(f"{len(PAYLOAD):x}\r\n".encode())
        else:
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
        self.wfile.write(PAYLOAD[: len(PAYLOAD) // 10])
        self.wfile.flush()
        self.close_connection = True


@pytest.fixture(params=["content-length", "chunked"])
def cutting_mirror(request):
    """A server on 127.0.0.1 whose every answer is cut short; yields its base URL."""
    handler = type("Handler", (_CuttingHandler,), {"chunked": request.param == "chunked"})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_a_mirror_that_cuts_the_connection_is_skipped(tmp_path, cutting_mirror, http_mirror):
    good = tmp_path / "good"
    good.mkdir()
    (good / "file.bin").write_bytes(PAYLOAD)
    good_url, good_server = http_mirror(good)
    target = tmp_path / "out" / "file.bin"
    target.parent.mkdir()
    sha = hashlib.sha256(PAYLOAD).hexdigest()
    download.download_verified("file.bin", target, sha, [cutting_mirror, good_url])
    assert target.read_bytes() == PAYLOAD
    assert good_server.requested == ["/file.bin"]
    assert [p.name for p in target.parent.iterdir()] == ["file.bin"]   # no partial file left


def test_a_cut_connection_on_every_mirror_is_one_clear_error(tmp_path, cutting_mirror):
    target = tmp_path / "file.bin"
    with pytest.raises(download.DownloadError, match=r"could not download file\.bin; tried:\n  http://127\.0\.0\.1"):
        download.download_verified("file.bin", target, hashlib.sha256(PAYLOAD).hexdigest(), [cutting_mirror])
    assert not target.exists() and list(tmp_path.iterdir()) == []
