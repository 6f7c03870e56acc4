"""The web proxy source: URL decoding, SSRF refusals (on every hop), allow-lists, DNS pinning.

Refused targets must never be contacted: the servers here record every request.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import anyio
import imgix
import pytest

from sources.base import BadPath, Forbidden, Unreachable
from sources.ssrf import AddressPolicy, host_matches, parse_ipv4_loose
from sources.web_proxy import WebProxySource, decode_remote_url
from tests.upstream import IMAGE, make_tls, run_upstream

BUILDER = imgix.UrlBuilder("signet.test", include_library_param=False)


def imgix_path(remote_url: str) -> str:
    """The raw path after the source prefix, exactly as imgix's Python client builds it."""
    return urlsplit(BUILDER.create_url(remote_url)).path.removeprefix("/")


@pytest.fixture(scope="module")
def servers():
    """Recorders on 127.0.0.1 and 127.0.0.2, on the same port so one URL can mean either."""
    for _ in range(20):
        with run_upstream("127.0.0.2") as two:
            try:
                with run_upstream("127.0.0.1", two.port) as one:
                    yield one, two
                    return
            except OSError:
                continue
    pytest.fail("no port was free on both 127.0.0.1 and 127.0.0.2")


@pytest.fixture
def local(servers):
    one, _ = servers
    one.requests.clear()
    return one


@pytest.fixture
def remote(servers):
    """The 127.0.0.2 server, standing in for a public host that a config has opened."""
    _, two = servers
    two.requests.clear()
    return two


def fetch(raw_path: str, **options):
    async def main():
        source = WebProxySource("proxy", max_bytes=1_000_000, timeout=2.0, **options)
        try:
            return await source.fetch(source.path_from_url(raw_path))
        finally:
            await source.close()

    return anyio.run(main)


def refused_targets(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/image.jpg",
        f"http://localhost:{port}/image.jpg",
        "http://10.0.0.1/image.jpg",
        "http://192.168.1.1/image.jpg",
        "http://172.16.0.1/image.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/image.jpg",
        "http://[fd00:ec2::254]/latest/meta-data/",
        f"http://[::1]:{port}/image.jpg",
        f"http://[::ffff:127.0.0.1]:{port}/image.jpg",
        f"http://[64:ff9b::7f00:1]:{port}/image.jpg",
        f"http://[2002:7f00:1::]:{port}/image.jpg",
        f"http://0.0.0.0:{port}/image.jpg",
        f"http://2130706433:{port}/image.jpg",
        f"http://0x7f000001:{port}/image.jpg",
        f"http://0x7f.1:{port}/image.jpg",
        f"http://017700000001:{port}/image.jpg",
        f"http://127.1:{port}/image.jpg",
        "file:///etc/passwd",
        f"gopher://127.0.0.1:{port}/_GET%20/image.jpg",
        f"ftp://127.0.0.1:{port}/image.jpg",
        f"http://user:pw@127.0.0.2:{port}/image.jpg",
    ]


@pytest.mark.parametrize("form", ["imgix", "plain"])
def test_default_config_refuses_private_targets_without_contacting_them(local, remote, form):
    for target in refused_targets(local.port):
        raw = imgix_path(target) if form == "imgix" else target
        with pytest.raises((Forbidden, BadPath)) as info:
            fetch(raw)
        assert "127.0.0.1" not in str(info.value) or "127.0.0.1" in target, target
    assert local.requests == [] and remote.requests == []


def test_refusal_names_no_resolved_address(local):
    with pytest.raises(Forbidden) as info:
        fetch(f"http://localhost:{local.port}/image.jpg")
    assert "127.0.0.1" not in str(info.value) and "::1" not in str(info.value)


def test_opened_network_is_served(remote):
    original = fetch(
        imgix_path(f"http://127.0.0.2:{remote.port}/image.jpg?v=1"),
        allowed_networks=["127.0.0.2/32"],
    )
    assert original.data == IMAGE
    assert remote.requests == ["/image.jpg?v=1"]


def test_opening_one_network_keeps_the_others_closed(local):
    with pytest.raises(Forbidden):
        fetch(f"http://127.0.0.1:{local.port}/image.jpg", allowed_networks=["127.0.0.2/32"])
    assert local.requests == []


@pytest.mark.parametrize(
    "hop", ["redirect?to=http://127.0.0.1:{port}/image.jpg", "redirect-to/localhost/{port}/x.jpg"]
)
def test_redirect_to_a_refused_address_is_not_followed(local, remote, hop):
    with pytest.raises(Forbidden):
        fetch(
            f"http://127.0.0.2:{remote.port}/" + hop.format(port=local.port),
            allowed_networks=["127.0.0.2/32"],
        )
    assert len(remote.requests) == 1
    assert local.requests == []


def test_redirects_within_limits_are_followed(remote):
    raw = imgix_path(f"http://127.0.0.2:{remote.port}/redirect-relative")
    assert fetch(raw, allowed_networks=["127.0.0.2/32"]).data == IMAGE
    with pytest.raises(Unreachable):
        fetch(raw, allowed_networks=["127.0.0.2/32"], max_redirects=0)


def test_redirect_loop_ends(remote):
    with pytest.raises(Unreachable):
        fetch(f"http://127.0.0.2:{remote.port}/loop", allowed_networks=["127.0.0.2/32"])
    assert len(remote.requests) == 4


def test_allowed_hosts(local):
    opened = {"allowed_hosts": ["localhost"], "allowed_networks": ["127.0.0.1/32", "::1/128"]}
    assert fetch(f"http://localhost:{local.port}/image.jpg", **opened).data == IMAGE
    assert local.requests == ["/image.jpg"]
    for other in (f"http://127.0.0.1:{local.port}/image.jpg", "http://img.example.com/a.jpg"):
        with pytest.raises(Forbidden):
            fetch(other, **opened)
    assert local.requests == ["/image.jpg"]


def test_connection_goes_to_the_checked_address(local, remote):
    """A second DNS answer (rebinding) cannot redirect the connection once it was checked."""
    answers = [["127.0.0.2"], ["127.0.0.1"]]

    async def rebinding(host: str, port: int) -> list[str]:
        return answers.pop(0)

    original = fetch(
        f"http://rebind.test:{remote.port}/image.jpg",
        allowed_networks=["127.0.0.2/32"],
        resolver=rebinding,
    )
    assert original.data == IMAGE
    assert answers == [["127.0.0.1"]]  # resolved exactly once
    assert local.requests == []


def test_any_refused_answer_refuses_the_host(local, remote):
    async def mixed(host: str, port: int) -> list[str]:
        return ["127.0.0.2", "127.0.0.1"]

    with pytest.raises(Forbidden):
        fetch(
            f"http://mixed.test:{remote.port}/image.jpg",
            allowed_networks=["127.0.0.2/32"],
            resolver=mixed,
        )
    assert local.requests == [] and remote.requests == []


def test_unresolvable_host_is_unreachable():
    async def nxdomain(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(Unreachable):
        fetch("https://nowhere.test/a.jpg", resolver=nxdomain)


def test_imgix_encoded_path_decodes():
    raw = imgix_path("https://h.example/a b+c.jpg?x=1&y=%2F")
    assert raw == "https%3A%2F%2Fh.example%2Fa+b%2Bc.jpg%3Fx%3D1%26y%3D%252F"
    assert decode_remote_url(raw) == "https://h.example/a b+c.jpg?x=1&y=%2F"


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("https://h.example/a+b.jpg", "https://h.example/a+b.jpg"),
        ("https:/h.example/a%20b.jpg", "https://h.example/a%20b.jpg"),
        ("HTTP%3A%2F%2Fh.example%2Fa.jpg", "HTTP://h.example/a.jpg"),
    ],
)
def test_plain_paths_decode(raw, url):
    assert decode_remote_url(raw) == url


@pytest.mark.parametrize(
    "raw",
    [
        "https%3A%2F%2Fh.example%2Fa%00.jpg",
        "https%3A%2F%2Fh.example%2Fa%0d%0aX-Evil:%201.jpg",
        "https%3A%2F%2Fh.example%2Fa%ff.jpg",
        "https%3A%2F%2Fh.example%2Fa%zz.jpg",
        "https%3A%2F%2Fh.example%5C%2Fa.jpg",
        "h.example/a.jpg",
        "",
    ],
)
def test_bad_paths_are_refused(raw):
    with pytest.raises(BadPath):
        decode_remote_url(raw)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1.2", "10.1.0.2"),
        ("8.8.8.8", "8.8.8.8"),
        ("256.1.1.1", None),
        ("09.1.1.1", None),
        ("example.com", None),
        ("1.2.3.4.5", None),
    ],
)
def test_numeric_ipv4_forms(host, expected):
    parsed = parse_ipv4_loose(host)
    assert (str(parsed) if parsed else None) == expected


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("8.8.8.8", False),
        ("2606:4700::1111", False),
        ("::ffff:8.8.8.8", False),
        ("64:ff9b::808:808", False),  # NAT64 of a public address
        ("2002:808:808::1", False),  # 6to4 of a public address
        ("127.0.0.1", True),
        ("224.0.0.1", True),
        ("255.255.255.255", True),
        ("100.100.100.200", True),
        ("fe80::1", True),
        ("ff02::1", True),
        ("::", True),
        ("::ffff:10.0.0.1", True),
        ("64:ff9b::a9fe:a9fe", True),  # NAT64 of 169.254.169.254
        ("2002:a9fe:a9fe::", True),  # 6to4 of 169.254.169.254
        ("::127.0.0.1", True),  # IPv4-compatible, deprecated
        ("2001:db8::1", True),
    ],
)
def test_address_rules(address, refused):
    assert AddressPolicy().address_refused(ipaddress.ip_address(address)) is refused


def test_opened_networks_apply_to_mapped_addresses():
    policy = AddressPolicy(allowed_networks=["127.0.0.2/32"])
    assert not policy.address_refused(ipaddress.ip_address("::ffff:127.0.0.2"))
    assert policy.address_refused(ipaddress.ip_address("127.0.0.3"))


@pytest.mark.parametrize(
    ("host", "pattern", "matches"),
    [
        ("example.com", "example.com", True),
        ("img.example.com", "example.com", False),
        ("img.example.com", "*.example.com", True),
        ("a.b.example.com", "*.example.com", True),
        ("example.com", "*.example.com", False),
        ("badexample.com", "*.example.com", False),
        ("example.com.evil.test", "example.com", False),
    ],
)
def test_host_patterns(host, pattern, matches):
    assert host_matches(host, pattern) is matches


def test_proxy_requires_signature():
    assert WebProxySource.requires_signature is True


def test_https_is_pinned_yet_verified_against_the_host_name(tmp_path, monkeypatch):
    """The socket goes to the checked address; TLS SNI and the certificate use the name."""
    ca_file, tls = make_tls(tmp_path, "img.test")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))

    async def to_two(host: str, port: int) -> list[str]:
        return ["127.0.0.2"]

    opened = {"allowed_networks": ["127.0.0.2/32"], "resolver": to_two}
    with run_upstream("127.0.0.2", tls=tls) as up:
        assert fetch(imgix_path(f"https://img.test:{up.port}/image.jpg"), **opened).data == IMAGE
        with pytest.raises(Unreachable):  # the certificate does not name this host
            fetch(f"https://other.test:{up.port}/image.jpg", **opened)
    assert up.requests == ["/image.jpg"]
