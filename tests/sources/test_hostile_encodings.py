"""Content encodings from an upstream, decoded in bounded steps (issue 17, item 3).

`Content-Encoding: gzip, gzip` with 1.8 KB of body took a worker from 167 MB to 2.2 GB
before its 413: httpx inflates each chunk whole before anyone can count it. Memory is
measured here as this process's peak RSS (the server runs in it).
"""

from __future__ import annotations

import gzip
import io
import re
import time
import zlib

import httpx
import pytest
from PIL import Image

from sources.base import TooLarge, Unreachable
from sources.content_encoding import BodyDecoder
from sources.http_fetch import REQUEST_HEADERS
from tests import imagegen
from tests.probes import health_probe, peak_mib, reset_peak, rss_mib
from tests.upstream import Canned

IMAGE = imagegen.jpeg(120, 80)
BOMB_BYTES = 128 * 1024 * 1024
LIMIT = 2_000_000


def _compress(chunks, wbits: int) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return b"".join(z.compress(c) for c in chunks) + z.flush()


def _zeros():
    block = bytes(1 << 20)
    return (block for _ in range(BOMB_BYTES >> 20))


GZIP, ZLIB, RAW = 31, 15, -15


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    inner_gzip = _compress(_zeros(), GZIP)
    inner_deflate = _compress(_zeros(), ZLIB)
    return {
        "gzip": inner_gzip,
        "gzip, gzip": _compress([inner_gzip], GZIP),
        "deflate, gzip": _compress([inner_deflate], GZIP),
        "gzip, deflate": _compress([inner_gzip], ZLIB),
    }


@pytest.fixture(scope="module")
def server(upstream, signet_with) -> str:
    with signet_with(
        limits={"max_source_bytes": LIMIT},
        sources=[{"name": "w", "type": "web_folder", "base_url": upstream.base + "/"}],
    ) as served:
        yield served.base


def canned(upstream, name: str, encoding: str | None, body: bytes, **extra) -> str:
    name = re.sub(r"[^A-Za-z0-9.-]+", "-", name)
    headers = [("Content-Type", "image/jpeg")]
    if encoding is not None:
        headers.append(("Content-Encoding", encoding))
    upstream.canned["/" + name] = Canned(200, tuple(headers), body, **extra)
    return name


@pytest.mark.parametrize("encoding", ["gzip, gzip", "deflate, gzip", "gzip, deflate", "gzip"])
def test_compression_bombs_are_refused_within_the_limit(server, upstream, bombs, encoding):
    name = canned(upstream, f"bomb-{encoding.replace(', ', '-')}", encoding, bombs[encoding])
    base = rss_mib()
    reset_peak()
    with health_probe(server) as probe:
        began = time.monotonic()
        resp = httpx.get(f"{server}/w/{name}?w=10", timeout=30)
        took = time.monotonic() - began
    assert resp.status_code == 413, resp.text
    assert f"over the limit of {LIMIT} bytes" in resp.text
    assert peak_mib() - base < 64, (base, peak_mib())  # the bomb is 128 MiB inflated
    assert took < 5
    assert probe.responsive(), (probe.worst, probe.failures)


def test_the_bomb_is_tiny_on_the_wire(bombs):
    assert len(bombs["gzip, gzip"]) < 4096


@pytest.mark.parametrize(
    "encoding,body",
    [
        ("gzip", gzip.compress(IMAGE)),
        ("x-gzip", gzip.compress(IMAGE)),
        ("deflate", _compress([IMAGE], ZLIB)),
        ("deflate", _compress([IMAGE], RAW)),  # raw deflate, as some servers send it
        ("gzip, gzip", gzip.compress(gzip.compress(IMAGE))),
        ("identity", IMAGE),
        ("GZIP , identity", gzip.compress(IMAGE)),
        (None, IMAGE),
    ],
)
def test_encoded_originals_are_decoded(server, upstream, encoding, body):
    name = canned(upstream, f"ok-{encoding}-{len(body)}", encoding, body)
    resp = httpx.get(f"{server}/w/{name}?w=60&fm=png", timeout=10)
    assert resp.status_code == 200, resp.text
    assert Image.open(io.BytesIO(resp.content)).size == (60, 40)


def test_an_encoded_body_without_a_length(server, upstream):
    name = canned(upstream, "nolength", "gzip", gzip.compress(IMAGE), length=False)
    resp = httpx.get(f"{server}/w/{name}?w=60", timeout=10)
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize(
    "encoding,body,words",
    [
        ("br", IMAGE, "content encoding Signet does not decode (br)"),
        ("zstd", IMAGE, "does not decode (zstd)"),
        ("compress", IMAGE, "does not decode (compress)"),
        ("gzip, gzip, gzip", gzip.compress(gzip.compress(gzip.compress(IMAGE))),
         "stacked more than 2"),
        ("gzip", b"\x1f\x8b\x08\x00garbage" * 10, "a body that does not decode"),
        ("deflate", b"not deflate at all" * 10, "a body that does not decode"),
    ],
)
def test_encodings_we_do_not_decode_are_refused(server, upstream, encoding, body, words):
    name = canned(upstream, f"bad-{encoding}-{len(body)}", encoding, body)
    resp = httpx.get(f"{server}/w/{name}?w=60", timeout=10)
    assert resp.status_code == 502, resp.text
    assert words in resp.text


def test_what_signet_asks_for():
    """Only the codings the bounded decoder handles are asked for."""
    assert REQUEST_HEADERS["Accept-Encoding"] == "gzip, deflate"


def test_decoder_steps_are_bounded():
    """Each feed returns at most what the limit allows, whatever the ratio."""
    bomb = _compress([bytes(50 << 20)], GZIP)
    decoder = BodyDecoder("gzip", 10 << 20)
    with pytest.raises(TooLarge):
        for i in range(0, len(bomb), 1024):
            assert decoder.size <= 10 << 20
            decoder.feed(bomb[i : i + 1024])
    decoder = BodyDecoder("gzip", 60 << 20)
    out = sum(len(decoder.feed(bomb[i : i + 1024])) for i in range(0, len(bomb), 1024))
    assert out + len(decoder.finish()) == 50 << 20
    with pytest.raises(Unreachable):
        BodyDecoder("gzip, gzip, gzip", 100)
