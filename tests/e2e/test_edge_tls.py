"""Issue 17, item 9: `signet serve` over TLS, the certificate reloaded without a restart,
and the origin secret kept out of every log line (debug logs of a real `signet serve`)."""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests import imagegen
from tests.servers import serve_process

ROOT = Path(__file__).resolve().parents[2]
SECRET = "tls-test-origin-secret-5d2e"


def self_signed(name: str) -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM) for 127.0.0.1, made by `cryptography`."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(
            ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def replace(path: Path, data: bytes) -> None:
    """Write a file the way a renewal tool does: a new file renamed over the old one."""
    tmp = path.with_suffix(".new")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def peer_cert(port: int) -> bytes:
    """The PEM certificate a new TLS connection to `port` is shown."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw) as tls:
            der = tls.getpeercert(binary_form=True)
    return ssl.DER_cert_to_PEM_cert(der).encode()


def same_cert(a: bytes, b: bytes) -> bool:
    return x509.load_pem_x509_certificate(a) == x509.load_pem_x509_certificate(b)


def get(port: int, cafile: Path, path: str, headers: dict[str, str] | None = None):
    ctx = ssl.create_default_context(cafile=str(cafile))
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("edge-tls")
    (root / "dog.jpg").write_bytes(imagegen.jpeg(200, 150))
    cert_pem, key_pem = self_signed("signet-first")
    cert, key = root / "cert.pem", root / "key.pem"
    cert.write_bytes(cert_pem)
    key.write_bytes(key_pem)
    (root / "trust.pem").write_bytes(cert_pem)
    config = root / "signet.toml"
    config.write_text(f"""
[server]
origin_secrets = ["env:SIGNET_TEST_TLS_SECRET"]

[[sources]]
name = "media"
type = "folder"
root = "{root}"
""")
    log = root / "serve.log"

    def answers_https(base: str) -> bool:
        return get(int(base.rsplit(":", 1)[1]), root / "trust.pem", "/healthz")[0] == 200

    with open(log, "wb") as out, serve_process(
        config, workers=2, env={"SIGNET_TEST_TLS_SECRET": SECRET}, log_level="debug",
        args=["--tls-cert", str(cert), "--tls-key", str(key)], output=out, ready=answers_https,
    ) as process:
        port = process.port
        for _ in range(20):  # both workers are listening
            get(port, root / "trust.pem", "/healthz")
        yield {"port": port, "root": root, "cert": cert, "key": key, "log": log,
               "first": (cert_pem, key_pem)}


def test_https_with_the_origin_secret(tls_server):
    port, trust = tls_server["port"], tls_server["root"] / "trust.pem"
    status, body = get(port, trust, "/media/dog.jpg?w=50",
                       headers={"Authorization": f"Bearer {SECRET}"})
    assert status == 200 and imagegen.open_bytes(body).width == 50
    status, body = get(port, trust, "/media/dog.jpg?w=50")
    assert status == 403 and body == b"this origin answers only its CDN\n"
    status, body = get(port, trust, "/media/dog.jpg?w=50",
                       headers={"Authorization": "Bearer not-it"})
    assert status == 403
    # plain HTTP on the TLS port is not served
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        raw.settimeout(5)
        try:
            assert not raw.recv(100).startswith(b"HTTP/1.1 200")
        except ConnectionResetError:
            pass


def test_no_secret_or_key_in_the_logs(tls_server):
    port, trust = tls_server["port"], tls_server["root"] / "trust.pem"
    get(port, trust, "/media/dog.jpg?w=20", headers={"Authorization": f"Bearer {SECRET}"})
    get(port, trust, "/media/dog.jpg?w=20", headers={"Authorization": f"Bearer {SECRET}x"})
    time.sleep(0.3)
    log = tls_server["log"].read_bytes()
    assert b"GET /media/dog.jpg?w=20" in log  # the access log is on, at debug level
    assert SECRET.encode() not in log
    key_body = tls_server["first"][1].split(b"\n")[1]
    assert key_body not in log


def test_a_replaced_certificate_is_served_without_a_restart(tls_server):
    port, cert, key = tls_server["port"], tls_server["cert"], tls_server["key"]
    assert same_cert(peer_cert(port), tls_server["first"][0])
    kept = http.client.HTTPSConnection(
        "127.0.0.1", port, context=ssl.create_default_context(
            cafile=str(tls_server["root"] / "trust.pem")), timeout=10)
    kept.request("GET", "/healthz")
    assert kept.getresponse().read() == b"ok\n"
    new_cert, new_key = self_signed("signet-second")
    replace(key, new_key)
    replace(cert, new_cert)
    deadline = time.monotonic() + 10
    streak = 0
    while streak < 10:  # ten new connections in a row (both workers) see the new one
        assert time.monotonic() < deadline, "the new certificate was not picked up"
        streak = streak + 1 if same_cert(peer_cert(port), new_cert) else 0
        time.sleep(0.05 if streak else 0.3)
    # a connection made before keeps its session; new handshakes verify with the new cert
    kept.request("GET", "/healthz")
    assert kept.getresponse().read() == b"ok\n"
    kept.close()
    (tls_server["root"] / "trust2.pem").write_bytes(new_cert)
    status, _ = get(port, tls_server["root"] / "trust2.pem", "/healthz")
    assert status == 200
    # A certificate without its key (a renewal half done) is not loaded: the pair in use
    # keeps serving, and the log says why.
    other_cert, _ = self_signed("signet-third")
    replace(cert, other_cert)
    time.sleep(2.5)
    for _ in range(6):
        assert same_cert(peer_cert(port), new_cert)
    assert get(port, tls_server["root"] / "trust2.pem", "/healthz")[0] == 200
    assert b"not loading the changed certificate" in tls_server["log"].read_bytes()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")}
    return subprocess.run([sys.executable, "-m", "app.ops.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_tls_options_are_checked_at_start(tmp_path):
    out = run_cli("serve", "--port", "1", "--tls-cert", str(tmp_path / "c.pem"))
    assert out.returncode == 2 and "--tls-cert and --tls-key go together" in out.stderr
    out = run_cli("serve", "--port", "1", "--tls-cert", str(tmp_path / "c.pem"),
                  "--tls-key", str(tmp_path / "k.pem"))
    assert out.returncode == 2
    assert "--tls-cert/--tls-key: cannot load the certificate and key" in out.stderr
    cert_pem, _ = self_signed("a")
    _, other_key = self_signed("b")
    (tmp_path / "c.pem").write_bytes(cert_pem)
    (tmp_path / "k.pem").write_bytes(other_key)
    out = run_cli("serve", "--port", "1", "--tls-cert", str(tmp_path / "c.pem"),
                  "--tls-key", str(tmp_path / "k.pem"))
    assert out.returncode == 2 and "cannot load" in out.stderr
    assert "Traceback" not in out.stderr and "PRIVATE KEY" not in out.stderr
