"""The ImageKit dialect over HTTP: URLs built by the real `imagekitio` client, served by Signet.

One Signet under uvicorn on 127.0.0.1 with its own imagekit-scheme sources:
`demo` (chosen by path, the key of protocols.md's worked examples), `ik` (chosen
by domain, two keys), `ikopen` (not secure), `ikorig` (not secure, `allow_original`)
and `plain` (Signet's own scheme).
"""

from __future__ import annotations

import http.client
import importlib.util
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from imagekitio import ImageKit

from app.ops.cli import main as signet_main
from app.signing import sign_url
from app.signing_imagekit import imagekit_digest
from tests import imagegen
from tests.imagegen import open_bytes

DEMO_KEY = "private_key_test"  # protocols.md's worked examples
IK_KEY = "ik-test-private-key"
IK_OLD_KEY = "ik-old-private-key"
IK_DOMAIN = "ik.example.test"
RED, BLUE = (255, 0, 0), (0, 0, 255)

# The worked examples of shared/protocols.md (endpoint http://localhost:8080/demo).
WORKED_EXAMPLES = [
    ("/demo/images/dog.jpg?tr=w-300,h-300,dpr-2"
     "&ik-s=3353801d283b43912b9e7eee933c8df5e9b8da2d", (600, 600)),
    ("/demo/tr:w-300,h-300/images/dog.jpg?ik-s=3be243502a4850f3f528137d918a1f43aacc4d9d",
     (300, 300)),
    ("/demo/images/dog.jpg?tr=w-300,l-image,i-logo.png,lfo-bottom_right,w-150,l-end"
     "&ik-s=5ea60854c40401a194734ece75fde6239f428f6a", (300, 225)),
]


def make_media(root: Path) -> Path:
    (root / "images").mkdir(parents=True)
    (root / "logos").mkdir()
    (root / "images" / "dog.jpg").write_bytes(imagegen.jpeg(800, 600))
    (root / "images" / "café dog.jpg").write_bytes(imagegen.jpeg(400, 300))
    (root / "blue.png").write_bytes(imagegen.encode(imagegen.solid(400, 300, BLUE), "PNG"))
    for path in (root / "logo.png", root / "logos" / "logo.png"):
        path.write_bytes(imagegen.encode(imagegen.solid(40, 40, RED), "PNG"))
    (root / "notimage.jpg").write_bytes(b"<html>not an image</html>\n" * 10)
    return root


def folder(name: str, root: Path, **options) -> dict:
    return {"name": name, "type": "folder", "root": str(root), **options}


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    return make_media(tmp_path_factory.mktemp("imagekit"))


@pytest.fixture(scope="module")
def signet(media: Path, signet_with) -> str:
    imagekit = {"scheme": "imagekit"}
    with signet_with(
        env={"SIGNET_TEST_IK_DEMO_KEY": DEMO_KEY, "SIGNET_TEST_IK_KEY": IK_KEY,
             "SIGNET_TEST_IK_OLD_KEY": IK_OLD_KEY},
        sources=[
            folder("demo", media, secure=True, keys=["env:SIGNET_TEST_IK_DEMO_KEY"], **imagekit),
            folder("ik", media, domains=[IK_DOMAIN], secure=True, ttl=3600,
                   keys=["env:SIGNET_TEST_IK_KEY", "env:SIGNET_TEST_IK_OLD_KEY"], **imagekit),
            folder("ikopen", media, keys=["env:SIGNET_TEST_IK_KEY"], expired_status=410,
                   **imagekit),
            folder("ikorig", media, allow_original=True, **imagekit),
            folder("plain", media),
        ],
    ) as served:
        yield served.base


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def size(self) -> tuple[int, int]:
        return open_bytes(self.body).size


def get(signet: str, url: str, host: str | None = None) -> Answer:
    """GET a URL (full, or a path) from Signet byte for byte, optionally with another Host."""
    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    address = urlsplit(signet)
    conn = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        conn.putrequest("GET", target, skip_host=host is not None, skip_accept_encoding=True)
        if host is not None:
            conn.putheader("Host", host)
        conn.endheaders()
        resp = conn.getresponse()
        return Answer(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def build(key: str, src: str, endpoint: str, **options) -> str:
    """A URL built by ImageKit's own Python SDK (imagekitio 5.x)."""
    return ImageKit(private_key=key).helper.build_url(src=src, url_endpoint=endpoint, **options)


def max_age(answer: Answer) -> int:
    return int(answer.headers["cache-control"].split("max-age=")[1])


# --- the worked examples and the client library --------------------------------------


@pytest.mark.parametrize(("url", "size"), WORKED_EXAMPLES)
def test_protocol_worked_examples_are_served(signet, url, size):
    answer = get(signet, url)
    assert answer.status == 200, answer.text
    assert answer.size == size


@pytest.mark.parametrize("position", ["query", "path"])
def test_library_urls_by_path_prefix(signet, position):
    url = build(DEMO_KEY, "/images/dog.jpg", f"{signet}/demo", signed=True,
                transformation=[{"width": 200, "height": 100}], transformation_position=position)
    assert ("/demo/tr:w-200,h-100/" in url) == (position == "path")
    answer = get(signet, url)
    assert answer.status == 200, answer.text
    assert answer.size == (200, 100)
    assert answer.headers["cache-control"] == "public, max-age=31536000"


@pytest.mark.parametrize("position", ["query", "path"])
def test_library_urls_by_domain(signet, position):
    url = build(IK_KEY, "images/dog.jpg", f"http://{IK_DOMAIN}", signed=True,
                transformation=[{"width": 400, "crop": "force", "height": 100}],
                transformation_position=position)
    answer = get(signet, url, host=IK_DOMAIN)
    assert answer.status == 200, answer.text
    assert answer.size == (400, 100)


def test_library_url_with_expiry(signet):
    url = build(IK_KEY, "images/dog.jpg", f"http://{IK_DOMAIN}", expires_in=120,
                transformation=[{"width": 100}], transformation_position="path")
    assert "&ik-s=" in url and "?ik-t=" in url
    answer = get(signet, url, host=IK_DOMAIN)
    assert answer.status == 200, answer.text
    assert answer.size == (100, 75)
    assert abs(max_age(answer) - 120) <= 2
    # A far expiry: the source's ttl (3600) is smaller.
    far = build(IK_KEY, "images/dog.jpg", f"http://{IK_DOMAIN}", expires_in=10**6,
                transformation=[{"width": 100}])
    assert get(signet, far, host=IK_DOMAIN).headers["cache-control"] == "public, max-age=3600"


def test_library_url_with_encoded_path_and_chained_steps(signet):
    url = build(DEMO_KEY, "/images/café dog.jpg", f"{signet}/demo", signed=True,
                transformation=[{"width": 100, "height": 50, "focus": "top"}, {"rotation": 90}])
    assert "caf%C3%A9%20dog.jpg" in url and "tr=w-100,h-50,fo-top:rt-90" in url
    answer = get(signet, url)
    assert answer.status == 200, answer.text
    assert answer.size == (50, 100)


def test_old_key_still_verifies(signet):
    url = build(IK_OLD_KEY, "images/dog.jpg", f"http://{IK_DOMAIN}", signed=True,
                transformation=[{"width": 50}])
    assert get(signet, url, host=IK_DOMAIN).status == 200


# --- layers -------------------------------------------------------------------------


def layer_url(signet: str, **position) -> str:
    return build(DEMO_KEY, "/blue.png", f"{signet}/demo", signed=True, transformation=[{
        "width": 200,
        "overlay": {"type": "image", "input": "logos/logo.png", "position": position},
    }])


def test_image_layer_url_is_served(signet):
    url = layer_url(signet, focus="bottom_right")
    assert "l-image,i-logos@@logo.png,lfo-bottom_right,l-end" in url
    answer = get(signet, url)
    assert answer.status == 200, answer.text
    assert answer.size == (200, 150)


@pytest.mark.skipif(
    importlib.util.find_spec("transforms.steps.overlay") is None,
    reason="the overlay rendering step (transforms.steps.overlay) has not landed yet",
)
def test_image_layer_pixels(signet):
    img = open_bytes(get(signet, layer_url(signet, focus="bottom_right")).body).convert("RGB")
    assert img.getpixel((185, 135)) == RED  # the 40 x 40 logo in the bottom right corner
    assert img.getpixel((10, 10)) == BLUE
    img = open_bytes(get(signet, layer_url(signet, x=10, y=20)).body).convert("RGB")
    assert img.getpixel((15, 25)) == RED and img.getpixel((5, 5)) == BLUE
    old = get(signet, "/ikopen/blue.png?tr=w-200,oi-@@logos@@logo.png,ofo-top_left")
    img = open_bytes(old.body).convert("RGB")
    assert img.getpixel((5, 5)) == RED and img.getpixel((195, 145)) == BLUE


# --- signing and expiry -----------------------------------------------------------------


def tampered(url: str) -> list[str]:
    """Variants of a signed, expiring, path-transformed URL that must all be refused."""
    path, _, query = url.partition("?")
    expiry, signature = query.split("&")
    later = f"ik-t={int(expiry.split('=')[1]) + 1000}"
    return [
        url.replace("w-100", "w-101"),  # a value
        url.replace("dog.jpg", "cat.jpg"),  # the path
        url.replace("/tr:w-100", ""),  # the transformation dropped
        f"{path}?{later}&{signature}",  # ik-t moved later (in time)
        f"{path}?{signature}&{expiry}",  # ik-t moved after ik-s (unsigned)
        f"{path}?{expiry}&{signature}&w=300",  # a parameter after ik-s
        f"{path}?w=300&{expiry}&{signature}",  # a parameter before the signature
        f"{path}?{expiry}&{signature[:-1]}{'0' if signature[-1] != '0' else '1'}",
        f"{path}?{expiry}&{signature}&{signature}",  # the signature twice
    ]


def test_tampered_urls_are_refused(signet):
    url = build(IK_KEY, "images/dog.jpg", f"http://{IK_DOMAIN}", expires_in=300,
                transformation=[{"width": 100}], transformation_position="path")
    assert get(signet, url, host=IK_DOMAIN).status == 200
    for bad in tampered(url):
        answer = get(signet, bad, host=IK_DOMAIN)
        assert answer.status == 403, bad
        assert answer.headers["cache-control"] == "no-store"


def test_secure_source_needs_a_signature(signet):
    url = build(IK_KEY, "images/dog.jpg", f"http://{IK_DOMAIN}", transformation=[{"width": 9}])
    answer = get(signet, url, host=IK_DOMAIN)
    assert answer.status == 403
    assert "signed" in answer.text


def test_a_signature_for_another_endpoint_is_refused(signet):
    # Signed for a domain endpoint, sent through the /demo prefix: the relative URL differs.
    url = build(DEMO_KEY, "demo/images/dog.jpg", "http://localhost", signed=True)
    assert get(signet, url).status == 403


def test_expired_ik_t_answers_the_expiry_status(signet):
    past = int(time.time()) - 5
    for prefix, status in (("/demo", 404), ("/ikopen", 410)):
        url = sign_url(f"{prefix}/images/dog.jpg?tr=w-10", DEMO_KEY if prefix == "/demo"
                       else IK_KEY, scheme="imagekit", endpoint_path=prefix, expires=past)
        answer = get(signet, url)
        assert answer.status == status, url
        assert "expired" in answer.text


def test_unsigned_ik_t_still_expires_on_an_open_source(signet):
    assert get(signet, f"/ikopen/images/dog.jpg?ik-t={int(time.time()) - 1}").status == 410


@pytest.mark.parametrize("value", ["soon", "-5", "12345678901234"])
def test_bad_ik_t_is_refused(signet, value):
    # Signed over a malformed ik-t: not a layout the SDKs write, so it never verifies
    # (tests/app/test_edge_signing.py); unsigned: 400 naming ik-t.
    message = f"images/dog.jpg?tr=w-10{value}".encode()
    signature = imagekit_digest(IK_KEY.encode(), message)
    answer = get(signet, f"/ikopen/images/dog.jpg?tr=w-10&ik-t={value}&ik-s={signature}")
    assert answer.status == 403, answer.text
    answer = get(signet, f"/ikopen/images/dog.jpg?tr=w-10&ik-t={value}")
    assert answer.status == 400, answer.text
    assert "ik-t" in answer.text


# --- parameters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("tr=e-shadow-bl-99", "e-shadow"),
        ("tr=w-300,h-abc", "h"),
        ("tr=w-10&tr=w-20", "tr"),
        ("tr=w-100&w=200", "w"),
        ("tr=w-100&s=abc", "s"),
        ("tr=w-100&expires=1", "expires"),
        ("tr=l-image,i-logo.png", "l"),
        ("tr=ofo-bottom", "ofo"),
        ("ik-t=1&ik-t=2", "ik-t"),
    ],
)
def test_bad_parameters_answer_400_naming_them(signet, query, param):
    answer = get(signet, f"/ikopen/images/dog.jpg?{query}")
    assert answer.status == 400, answer.text
    assert answer.text.startswith(f"{param}:"), answer.text


@pytest.mark.parametrize(
    ("target", "param"),
    [
        ("/ikopen/tr:w-10/images/dog.jpg?tr=w-20", "tr"),
        ("/ikopen/tr:w-%FF/images/dog.jpg", "tr"),
        ("/ikopen/tr:w-10%01/images/dog.jpg", "tr"),
        ("/ikopen/tr:foo-1/images/dog.jpg", "foo"),
        ("/plain/images/dog.jpg?tr=w-10", "tr"),
        ("/plain/images/dog.jpg?ik-s=abc", "ik-s"),
    ],
)
def test_bad_transformation_paths_answer_400(signet, target, param):
    answer = get(signet, target)
    assert answer.status == 400, answer.text
    assert answer.text.startswith(f"{param}:"), answer.text


def test_imgix_parameters_work_beside_tr(signet):
    answer = get(signet, "/ikopen/tr:w-120/images/dog.jpg?fm=png&flip=h")
    assert answer.status == 200, answer.text
    assert answer.headers["content-type"] == "image/png"
    assert answer.size == (120, 90)


def test_orig_true_serves_the_stored_bytes(signet, media):
    # The stored file keeps its EXIF and GPS: on a source that is not secure, only a
    # signed URL gets it, unless the source sets allow_original.
    url = "/ikopen/images/dog.jpg?tr=w-100,orig-true"
    refused = get(signet, url)
    assert refused.status == 403 and refused.text.startswith("orig: ")
    assert refused.headers["cache-control"] == "no-store"
    signed = sign_url(url, IK_KEY, scheme="imagekit", endpoint_path="/ikopen")
    for answer in (get(signet, signed), get(signet, "/ikorig/images/dog.jpg?tr=orig-true")):
        assert answer.status == 200, answer.text
        assert answer.body == (media / "images" / "dog.jpg").read_bytes()
        assert answer.headers["content-type"] == "image/jpeg"
    # orig-false, or no orig at all, is an ordinary render: no signature needed.
    assert get(signet, "/ikopen/images/dog.jpg?tr=w-100,orig-false").size == (100, 75)
    not_image = get(signet, "/ikorig/notimage.jpg?tr=orig-true")
    assert not_image.status == 422
    assert "html" not in not_image.text


# --- signing helpers ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/demo/tr:w-300,h-300/images/dog.jpg",
                                  "/demo/images/dog.jpg?tr=w-300,h-300,dpr-2"])
def test_sign_url_matches_the_library(path):
    ours = sign_url(path, DEMO_KEY, scheme="imagekit", endpoint_path="/demo")
    assert ours in [u for u, _ in WORKED_EXAMPLES]
    expiring = build(DEMO_KEY, "images/dog.jpg", "http://h/demo", expires_in=60,
                     transformation=[{"width": 30}])
    expires = int(expiring.split("ik-t=")[1].split("&")[0])
    unsigned = expiring.split("&ik-t=")[0]
    assert sign_url(unsigned, DEMO_KEY, scheme="imagekit", endpoint_path="/demo/",
                    expires=expires) == expiring


def test_cli_signs_imagekit_urls(signet, tmp_path, capsys, media):
    config = tmp_path / "signet.toml"
    config.write_text(
        f'[[sources]]\nname = "ik"\ntype = "folder"\nroot = "{media}"\n'
        f'domains = ["{IK_DOMAIN}"]\nscheme = "imagekit"\nkeys = ["env:SIGNET_TEST_IK_KEY"]\n'
    )
    urls = [f"http://{IK_DOMAIN}/tr:w-64/images/dog.jpg", "/ik/images/dog.jpg?tr=w-32"]
    assert signet_main(["sign", "--config", str(config), "--source", "ik", *urls]) == 0
    by_domain, by_path = capsys.readouterr().out.split()
    assert get(signet, by_domain, host=IK_DOMAIN).size == (64, 48)
    # Signed relative to /ik/: valid when routed by the /ik prefix (any Host).
    assert get(signet, by_path).size == (32, 24)
