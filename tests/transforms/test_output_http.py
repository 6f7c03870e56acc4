"""Output options through the real server: content types, dl, jxr's note, client hints."""

from __future__ import annotations

import json

import httpx

from tests.imagegen import open_bytes
from transforms.delivery import content_disposition

# photo.jpg is 800x600, served unsigned by the "open" source.


def get(signet: str, query: str, **headers: str) -> httpx.Response:
    resp = httpx.get(f"{signet}/open/photo.jpg?{query}", headers=headers)
    assert resp.status_code == 200, resp.text
    return resp


def test_documents_have_their_content_types(signet):
    doc = get(signet, "fm=json")
    assert doc.headers["content-type"] == "application/json"
    assert json.loads(doc.content)["PixelWidth"] == 800
    hashed = get(signet, "fm=blurhash&w=64")
    assert hashed.headers["content-type"].startswith("text/plain")
    assert len(hashed.text) == 28
    css = get(signet, "palette=css&prefix=frog", accept="image/avif,image/webp")
    assert css.headers["content-type"].startswith("text/css")
    assert css.text.startswith(".frog-fg-1 { color:#")
    assert "Accept" not in css.headers.get("vary", "")  # a palette is never negotiated
    palette = get(signet, "palette=json&colors=2")
    assert len(palette.json()["colors"]) == 2


def test_png8_and_jxr_over_http(signet):
    png8 = get(signet, "fm=png8&w=100")
    assert png8.headers["content-type"] == "image/png" and open_bytes(png8.content).mode == "P"
    jxr = get(signet, "fm=jxr&w=100")
    assert jxr.headers["content-type"] == "image/jpeg"
    assert open_bytes(jxr.content).format == "JPEG"
    assert jxr.headers["x-signet-format-fallback"].startswith("fm=jxr answered as jpg")
    assert "x-signet-format-fallback" not in get(signet, "fm=jpg&w=100").headers


def test_video_format_is_400(signet):
    resp = httpx.get(f"{signet}/open/photo.jpg?fm=mp4")
    assert resp.status_code == 400
    assert resp.text == (
        "fm: mp4 needs video rendering, "
        "which Signet does not do (still images only)\n"
    )


def test_dl_makes_an_attachment(signet):
    named = get(signet, "w=50&dl=house.jpg")
    assert named.headers["content-disposition"] == 'attachment; filename="house.jpg"'
    plain = get(signet, "w=50&dl=")
    assert plain.headers["content-disposition"] == 'attachment; filename="photo.jpg"'
    assert "content-disposition" not in get(signet, "w=50").headers


def test_content_disposition_is_safe() -> None:
    assert content_disposition('a"b\\c/d;e.jpg', "x.jpg") == 'attachment; filename="a_b_c_d_e.jpg"'
    assert content_disposition("café.jpg", "x.jpg") == (
        "attachment; filename=\"caf_.jpg\"; filename*=UTF-8''caf%C3%A9.jpg"
    )
    assert content_disposition("  ", "dir/photo.png") == 'attachment; filename="photo.png"'


def test_width_hint_overrides_w(signet):
    assert open_bytes(get(signet, "ch=width&w=400").content).width == 400
    hinted = get(signet, "ch=width&w=400", width="300")
    assert open_bytes(hinted.content).width == 300
    modern = get(signet, "ch=width&w=400", **{"sec-ch-width": "250", "width": "300"})
    assert open_bytes(modern.content).width == 250  # Sec-CH-Width is read first
    assert hinted.headers["accept-ch"] == "Sec-CH-Width, Width"
    assert hinted.headers["vary"] == "Sec-CH-Width, Width"


def test_width_and_dpr_hints_give_device_pixels(signet):
    # Width is in device pixels: 500 wide at DPR 2 is w=250 in CSS pixels, times 2.
    resp = get(signet, "ch=width,dpr&w=100", width="500", dpr="2")
    assert open_bytes(resp.content).width == 500
    assert resp.headers["accept-ch"] == "Sec-CH-DPR, DPR, Sec-CH-Width, Width"
    doubled = get(signet, "ch=dpr&w=100", dpr="2")
    assert open_bytes(doubled.content).width == 200
    clamped = get(signet, "ch=dpr&w=100", dpr="9")
    assert open_bytes(clamped.content).width == 500  # max_dpr is 5
    alone = get(signet, "ch=dpr", dpr="2")
    assert open_bytes(alone.content).width == 800  # dpr without w or h does nothing


def test_bad_hints_are_ignored(signet):
    for value in ("abc", "0", "-5", "99999", "1e3"):
        assert open_bytes(get(signet, "ch=width&w=120", width=value).content).width == 120
    assert open_bytes(get(signet, "ch=dpr&w=120", dpr="two").content).width == 120


def test_hints_without_ch_are_ignored(signet):
    resp = get(signet, "w=120", width="300", dpr="2", **{"save-data": "on"})
    assert open_bytes(resp.content).width == 120
    assert "accept-ch" not in resp.headers and "vary" not in resp.headers


def test_save_data_lowers_the_quality(signet):
    saving = get(signet, "ch=save-data&w=300", **{"save-data": "on"})
    assert saving.content == get(signet, "w=300&q=45").content
    assert len(saving.content) < len(get(signet, "ch=save-data&w=300").content)
    assert saving.headers["vary"] == "Save-Data"
    lower = get(signet, "ch=save-data&w=300&q=20", **{"save-data": "on"})
    assert lower.content == get(signet, "w=300&q=20").content  # a lower q stands


def test_hints_are_in_the_cache_key(signet):
    query = "ch=width&w=400&fit=max&sharp=7"
    first = get(signet, query, width="310")
    other = get(signet, query, width="320")
    again = get(signet, query, width="310")
    assert first.headers["etag"] != other.headers["etag"]
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["x-signet-cache"].startswith("hit")
    assert open_bytes(other.content).width == 320 and open_bytes(again.content).width == 310
    assert get(signet, query).headers["etag"] not in (first.headers["etag"],
                                                      other.headers["etag"])


def test_not_modified_carries_the_hint_headers(signet):
    first = get(signet, "ch=width&w=400&auto=format", width="200", accept="image/webp")
    assert first.headers["vary"] == "Accept, Sec-CH-Width, Width"
    resp = httpx.get(
        f"{signet}/open/photo.jpg?ch=width&w=400&auto=format",
        headers={"width": "200", "accept": "image/webp", "if-none-match": first.headers["etag"]},
    )
    assert resp.status_code == 304
    assert resp.headers["vary"] == "Accept, Sec-CH-Width, Width"
    assert resp.headers["accept-ch"] == "Sec-CH-Width, Width"
