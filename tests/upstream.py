"""A small real HTTP server for the web source tests, on a chosen 127.0.0.x address.

Routes: /image.jpg, /slow* (answers after `slow_seconds`), /error (500), /missing (404),
/gone (410), /forbidden (403), /huge (an endless chunked body), /huge-declared (a
Content-Length over any test limit), /redirect?to=URL (302), /redirect-to/HOST/PORT/PATH
(302 to http://HOST:PORT/PATH), /redirect-relative (301 to `image.jpg`), /loop (redirects
to itself), and any path a test put in `canned` (an answer sent byte for byte).
Every request's path is recorded, so a test can assert that nothing reached the server.
"""

from __future__ import annotations

import contextlib
import datetime
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests import imagegen

IMAGE = imagegen.jpeg(64, 48)
IMAGE_ETAG = '"img-v1"'
IMAGE_LAST_MODIFIED = "Wed, 01 Jan 2025 00:00:00 GMT"
HUGE_CHUNK = b"x" * 65536
HUGE_SECONDS = 5.0  # how long /huge keeps streaming to a client that keeps reading


@dataclass(frozen=True)
class Canned:
    """An answer sent as is: the status, the headers in order (repeats allowed), the body.
    With `length` False no Content-Length is sent and the connection closes after the body."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    length: bool = True


@dataclass
class Upstream:
    host: str
    port: int
    scheme: str = "http"
    slow_seconds: float = 3.0
    requests: list[str] = field(default_factory=list)
    huge_bytes_sent: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)
    # Answers given byte for byte, by path: set `canned["/x"] = Canned(...)` from a test.
    canned: dict[str, Canned] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 10  # a client that stops reading without hanging up cannot pin a thread forever

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep pytest output clean

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        up = self.server.upstream
        up.requests.append(self.path)
        url = urlsplit(self.path)
        route = url.path
        canned = up.canned.get(route)
        if canned is not None:
            self._send_canned(canned)
        elif route == "/image.jpg":
            self._send(
                200,
                IMAGE,
                {
                    "Content-Type": "image/jpeg",
                    "ETag": IMAGE_ETAG,
                    "Last-Modified": IMAGE_LAST_MODIFIED,
                },
            )
        elif route.startswith("/slow"):  # /slow, /slow1, /slow-a.png ...
            up.stopping.wait(up.slow_seconds)
            self._send(200, IMAGE, {"Content-Type": "image/jpeg"})
        elif route in ("/error", "/missing", "/gone", "/forbidden"):
            status = {"/error": 500, "/missing": 404, "/gone": 410, "/forbidden": 403}[route]
            self._send(status, b"no\n", {"Content-Type": "text/plain"})
        elif route == "/huge":
            self._stream_forever()
        elif route == "/huge-declared":
            self.send_response(200)
            self.send_header("Content-Length", str(10**12))
            self.end_headers()
            self.wfile.write(b"x" * 1024)
            self.close_connection = True
        elif route == "/redirect":
            target = parse_qs(url.query).get("to", ["/image.jpg"])[0]
            self._send(302, b"", {"Location": target})
        elif route.startswith("/redirect-to/"):
            host, port, rest = route.removeprefix("/redirect-to/").split("/", 2)
            self._send(302, b"", {"Location": f"http://{host}:{port}/{rest}"})
        elif route == "/redirect-relative":
            self._send(301, b"", {"Location": "image.jpg"})
        elif route == "/loop":
            self._send(302, b"", {"Location": "/loop"})
        else:
            self._send(404, b"no such route\n")

    def _send_canned(self, canned: Canned) -> None:
        head = [f"HTTP/1.1 {canned.status} Canned".encode()]
        head += [f"{k}: {v}".encode("latin-1") for k, v in canned.headers]
        if canned.length:
            head.append(f"Content-Length: {len(canned.body)}".encode())
        else:
            head.append(b"Connection: close")
            self.close_connection = True
        self.wfile.write(b"\r\n".join(head) + b"\r\n\r\n" + canned.body)

    def _stream_forever(self) -> None:
        """Chunked and unbounded: a client that buffers the whole body never finishes."""
        up = self.server.upstream
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        deadline = time.monotonic() + HUGE_SECONDS
        try:
            while time.monotonic() < deadline and not up.stopping.is_set():
                self.wfile.write(b"%x\r\n%s\r\n" % (len(HUGE_CHUNK), HUGE_CHUNK))
                up.huge_bytes_sent += len(HUGE_CHUNK)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client hung up, which is what a byte limit should do


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    upstream: Upstream

    def handle_error(self, request, client_address) -> None:
        # Clients hanging up mid-answer is what several tests do on purpose.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def run_upstream(
    host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None, **options
) -> Iterator[Upstream]:
    """Serve the routes above on `host` (a loopback address) in a background thread."""
    server = _Server((host, port), _Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls is not None else "http"
    server.upstream = Upstream(host, server.server_address[1], scheme, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.upstream
    finally:
        server.upstream.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def make_tls(directory: Path, hostname: str) -> tuple[Path, ssl.SSLContext]:
    """A throwaway CA and a certificate for `hostname` signed by it.

    Returns the CA file (for the client to trust) and the server's TLS context.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def build(subject, issuer, public_key, signing_key, extensions):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
        )
        for ext, critical in extensions:
            builder = builder.add_extension(ext, critical=critical)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = build(
        "Signet test CA",
        "Signet test CA",
        ca_key.public_key(),
        ca_key,
        [
            (x509.BasicConstraints(ca=True, path_length=None), True),
            (x509.KeyUsage(False, False, False, False, False, True, True, False, False), True),
            (ca_ski, False),
        ],
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = build(
        hostname,
        "Signet test CA",
        key.public_key(),
        ca_key,
        [
            (x509.SubjectAlternativeName([x509.DNSName(hostname)]), False),
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), False),
        ],
    )
    pem = serialization.Encoding.PEM
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(pem))
    chain = directory / "server.pem"
    key_bytes = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    chain.write_bytes(key_bytes + leaf.public_bytes(pem))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain)
    return ca_file, context
