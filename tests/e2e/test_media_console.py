"""The media console in Debian's Chromium, driven by Playwright, against `signet serve
--workers 2` with the console on its own listener. The screenshot goes to
test-artifacts/console.png."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import httpx
import pytest
from imagekitio import ImageKit

from tests import imagegen
from tests.mediaserver import LIB_KEY, library_config, serve
from tests.servers import free_socket

ROOT = Path(__file__).resolve().parents[2]

DROP = """([name, b64]) => {
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], name, {type: "image/png"}));
    const zone = document.getElementById("drop");
    const init = {dataTransfer: data, bubbles: true, cancelable: true};
    zone.dispatchEvent(new DragEvent("dragover", init));
    zone.dispatchEvent(new DragEvent("drop", init));
}"""


BROWSER = {"viewport": {"width": 1280, "height": 1000}}


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("console")
    root = tmp / "root"
    root.mkdir()
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    config = library_config(tmp / "signet.toml", f'type = "folder"\nroot = "{root}"',
                            cache="memory_bytes = 8000000")
    config.write_text(config.read_text() + f"\n[console]\nport = {port}\n")
    with serve(config) as base:
        console = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(console + "/console/")
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        yield base, console, root


def test_the_console_is_not_on_the_public_listener(servers):
    base, console, _ = servers
    assert httpx.get(base + "/console/").status_code == 404
    assert httpx.get(console + "/console/").status_code == 200
    refused = httpx.post(console + "/console/api/sign", json={"source": "lib", "paths": ["a"]})
    assert refused.status_code == 401
    wrong = httpx.post(console + "/console/api/sign", auth=("nope", ""),
                       json={"source": "lib", "paths": ["a"]})
    assert wrong.status_code == 401 and LIB_KEY not in wrong.text


def test_sign_many_has_no_count_limit(servers):
    _, console, _ = servers
    paths = [f"p/{i}.jpg" for i in range(5000)]
    resp = httpx.post(console + "/console/api/sign", auth=(LIB_KEY, ""),
                      json={"source": "lib", "paths": paths, "tr": "w-10", "expiresIn": 60})
    assert resp.status_code == 200 and len(resp.json()["urls"]) == 5000
    assert all("ik-s=" in u and "ik-t=" in u for u in resp.json()["urls"])


def test_sign_refuses_a_body_that_is_not_a_json_object(servers):
    _, console, _ = servers
    for body in (b"[1, 2]", b"not json"):
        resp = httpx.post(console + "/console/api/sign", auth=(LIB_KEY, ""), content=body)
        assert resp.status_code == 400 and "JSON" in resp.text


def test_console_in_chromium(servers, browser):
    base, console, root = servers
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(console + "/console/")
    # log in: a wrong key is refused, the right one opens the library
    page.select_option("#source", "lib")
    page.fill("#key", "wrong")
    page.click("#login-button")
    page.wait_for_selector("#login-error:has-text('not valid')")
    page.fill("#key", LIB_KEY)
    page.click("#login-button")
    page.wait_for_selector("#app", state="visible")
    # upload: one file by the picker (private, tagged), one dropped on the zone
    page.check("#upload-private")
    page.fill("#upload-tags", "sunset")
    page.set_input_files("#file-input", files=[
        {"name": "sunset.jpg", "mimeType": "image/jpeg", "buffer": imagegen.jpeg(640, 480)}])
    page.wait_for_selector("#files li:has-text('sunset.jpg')")
    page.uncheck("#upload-private")
    page.fill("#upload-tags", "")
    page.evaluate(DROP, ["dropped.png", base64.b64encode(imagegen.png_alpha(300, 200)).decode()])
    page.wait_for_selector("#files li:has-text('dropped.png')")
    assert (root / "sunset.jpg").is_file() and (root / "dropped.png").is_file()
    assert httpx.get(base + "/lib/sunset.jpg").status_code == 403  # private, as ticked
    page.wait_for_function("Array.from(document.querySelectorAll('#files img'))"
                           ".every(i => i.complete && i.naturalWidth === 240)")  # thumbnails
    # tags: open the file, change them, save; the API sees them
    page.click("#files li:has-text('sunset.jpg')")
    page.wait_for_selector("#details", state="visible")
    page.fill("#detail-tags", "sunset,red,featured")
    page.click("#save-tags")
    page.wait_for_selector("#purge-status:has-text('Tags saved')")
    ik = ImageKit(private_key=LIB_KEY, base_url=base + "/lib", max_retries=0)
    sunset = next(f for f in ik.assets.list() if f.name == "sunset.jpg")
    assert sunset.tags == ["sunset", "red", "featured"]
    # live preview at a transformation
    page.fill("#detail-tr", "w-200")
    page.wait_for_function(
        "document.getElementById('preview').src.includes('w-200') && "
        "document.getElementById('preview').complete && "
        "document.getElementById('preview').naturalWidth === 200")
    # sign five URLs at once, then open one
    page.fill("#sign-paths", "\n".join(["sunset.jpg", "dropped.png", "/sunset.jpg",
                                        "sunset.jpg", "dropped.png"]))
    page.fill("#sign-tr", "w-100")
    page.fill("#sign-expires", "3600")
    page.click("#sign-button")
    page.wait_for_function("document.getElementById('signed').value.split('\\n').length === 5")
    urls = page.input_value("#signed").split("\n")
    assert all("ik-s=" in u and "ik-t=" in u for u in urls)
    for url in urls:
        resp = httpx.get(url)
        assert resp.status_code == 200 and imagegen.open_bytes(resp.content).width == 100
    opened = browser.new_page()
    answer = opened.goto(urls[0])
    assert answer.status == 200 and answer.headers["content-type"].startswith("image/")
    opened.close()
    assert any(httpx.get(urls[0]).headers["X-Signet-Cache"].startswith("hit") for _ in range(5))
    # purge: every cached render of the file is dropped
    page.click("#purge")
    page.wait_for_selector("#purge-status:has-text('Purge Completed')", timeout=15_000)
    assert httpx.get(urls[0]).headers["X-Signet-Cache"] == "miss"
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "console.png"), full_page=True)
    assert errors == []
