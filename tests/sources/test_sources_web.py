"""The web folder source against a real HTTP server on 127.0.0.2."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import anyio
import pytest

from sources.base import BadPath, NotFound, SourceError, TimedOut, TooLarge, Unreachable
from sources.web_folder import WebFolderSource
from tests.servers import free_socket
from tests.upstream import IMAGE, IMAGE_ETAG, IMAGE_LAST_MODIFIED, run_upstream

LIMIT = 1_000_000


UPSTREAM = {"host": "127.0.0.2"}  # where the `upstream` fixture runs


@pytest.fixture(scope="module")
def other():
    """A second server on 127.0.0.1: a redirect target the source must not follow."""
    with run_upstream("127.0.0.1") as up:
        yield up


def fetch(base_url: str, raw_path: str, *, timeout: float = 2.0, max_bytes: int = LIMIT):
    async def main():
        source = WebFolderSource("web", base_url=base_url, max_bytes=max_bytes, timeout=timeout)
        try:
            return await source.fetch(source.path_from_url(raw_path))
        finally:
            await source.close()

    return anyio.run(main)


def refused(base_url: str, raw_path: str, kind: type[SourceError], **options) -> SourceError:
    with pytest.raises(kind) as info:
        fetch(base_url, raw_path, **options)
    assert "127.0.0" not in str(info.value)  # messages never name the upstream's address
    return info.value


def test_fetches_bytes_and_validators(upstream):
    original = fetch(upstream.base, "image.jpg")
    assert original.data == IMAGE
    assert original.content_type == "image/jpeg"
    assert original.etag == IMAGE_ETAG
    assert original.last_modified == parsedate_to_datetime(IMAGE_LAST_MODIFIED).timestamp()
    assert original.private is False


def test_path_is_requoted_under_the_base_path(upstream):
    refused(upstream.base + "/base/dir", "caf%C3%A9%20photo%3F%23.jpg", NotFound)
    assert upstream.requests[-1] == "/base/dir/caf%C3%A9%20photo%3F%23.jpg"


def test_path_may_not_leave_the_base():
    with pytest.raises(BadPath):
        WebFolderSource("web", base_url="http://127.0.0.2/", max_bytes=1, timeout=1).path_from_url(
            "a/%2e%2e/secret"
        )


@pytest.mark.parametrize(
    ("route", "kind"),
    [("missing", NotFound), ("gone", NotFound), ("forbidden", Unreachable), ("error", Unreachable)],
)
def test_status_mapping(upstream, route, kind):
    refused(upstream.base, route, kind)


def test_slow_answer_times_out_within_the_timeout(upstream):
    started = time.monotonic()
    refused(upstream.base, "slow", TimedOut, timeout=0.5)
    assert time.monotonic() - started < 1.5


def test_endless_body_stops_at_the_limit(upstream):
    started = time.monotonic()
    refused(upstream.base, "huge", TooLarge)
    assert time.monotonic() - started < 2
    time.sleep(0.2)
    # Far less than the server would push in its 5 seconds to a client that kept reading.
    assert upstream.huge_bytes_sent < 64 * LIMIT


def test_declared_length_over_the_limit_is_refused_before_reading(upstream):
    started = time.monotonic()
    refused(upstream.base, "huge-declared", TooLarge)
    assert time.monotonic() - started < 1


def test_redirect_within_the_origin_is_followed(upstream):
    assert fetch(upstream.base, "redirect-relative").data == IMAGE


def test_redirect_to_another_server_is_not_followed(upstream, other):
    refused(upstream.base, f"redirect-to/127.0.0.1/{other.port}/image.jpg", Unreachable)
    assert other.requests == []


def test_redirect_loop_ends(upstream):
    before = len(upstream.requests)
    refused(upstream.base, "loop", Unreachable)
    assert len(upstream.requests) - before == 4  # the request and three redirects


def test_nothing_listening_is_unreachable():
    sock = free_socket("127.0.0.2")
    port = sock.getsockname()[1]
    sock.close()
    refused(f"http://127.0.0.2:{port}", "image.jpg", Unreachable)


def test_base_url_must_be_http():
    with pytest.raises(ValueError, match="base_url"):
        WebFolderSource("web", base_url="file:///srv", max_bytes=1, timeout=1)
