"""A connection cut mid-file is one more failed mirror, not a crash.

``http.client.IncompleteRead`` (a short read of a body with Content-Length) is an
``HTTPException``, not an ``OSError``, so it escaped the mirror loop.
"""
import hashlib
import http.client
import io
import urllib.request

from minigrad.data import download

PAYLOAD = b"minigrad" * 1000


class _Response(io.BytesIO):
    def __init__(self, data, cut):
        super().__init__(data)
        self.cut = cut

    def read(self, n=-1):
        if self.cut:
            raise http.client.IncompleteRead(b"partial", 100)
        return super().read(n)


def test_a_mirror_that_cuts_the_connection_is_skipped(tmp_path, monkeypatch):
    def fake_urlopen(url, timeout):
        return _Response(PAYLOAD, cut=url.startswith("http://bad"))

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    target = tmp_path / "file.bin"
    sha = hashlib.sha256(PAYLOAD).hexdigest()
    download.download_verified("file.bin", target, sha, ["http://bad.example", "http://good.example"])
    assert target.read_bytes() == PAYLOAD
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]   # no partial file left
