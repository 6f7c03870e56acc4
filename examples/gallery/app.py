"""The gallery's web app: one page, with every image URL signed here, on the backend.

The browser never sees a key, so a visitor cannot remove the watermark or resize a
thumbnail: changing any parameter breaks the signature and Signet answers 403.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from app.signing import sign_url
from app.signing_imagekit import sign_imagekit_url

THUMB_SIZE = 300
DOWNLOAD_SECONDS = 3600


@dataclass(frozen=True)
class Photo:
    path: str  # inside the Signet source
    title: str


PHOTOS = (
    Photo("photo.jpg", "Yellow sun over the hills"),
    Photo("portrait.jpg", "Red evening, upright"),
    Photo("square.jpg", "Pale morning"),
)

# imgix's watermark parameters, percent-encoded as imgix's client libraries send them
# (a `,` or `/` left raw would have to survive srcset parsing and proxies unchanged).
WATERMARK = (("mark", "/logo.png"), ("mark-w", "0.45"), ("mark-align", "bottom,right"))


# The same watermark in ImageKit's dialect, for a media-library source (scheme imagekit):
# a layer 0.45 of the thumbnail wide (layer sizes are pixels, times dpr like the rest).
LAYER = f"l-image,i-logo.png,w-{round(0.45 * THUMB_SIZE)},lfo-bottom_right,l-end"


@dataclass(frozen=True)
class GalleryConfig:
    signet_url: str  # where the browser reaches Signet (or the CDN in front of it)
    key: bytes  # the source's first key: the one that signs
    source: str = "demo"
    scheme: str = "hmac-sha256"  # "imagekit": a media-library source (examples.gallery.library)
    photos: tuple[Photo, ...] = PHOTOS


def _query(params: tuple[tuple[str, str], ...]) -> str:
    return "&".join(f"{k}={quote(v, safe='')}" for k, v in params)


def _imagekit_url(config: GalleryConfig, photo: Photo, tr: str, expires: int | None) -> str:
    path = f"/{config.source}/{quote(photo.path)}?tr={tr}"
    signed = sign_imagekit_url(path, config.key, endpoint_path=f"/{config.source}/",
                               expires=expires)
    return config.signet_url + signed


def thumbnail_url(config: GalleryConfig, photo: Photo, dpr: int = 1) -> str:
    """A signed, watermarked square thumbnail; `dpr` 2 is the same at twice the pixels."""
    if config.scheme == "imagekit":
        tr = f"w-{THUMB_SIZE},h-{THUMB_SIZE},f-auto" + (f",dpr-{dpr}" if dpr != 1 else "")
        return _imagekit_url(config, photo, f"{tr},{LAYER}", None)
    # auto=format: AVIF or WebP where the browser takes them (Signet adds Vary: Accept).
    params = (("w", str(THUMB_SIZE)), ("h", str(THUMB_SIZE)), ("fit", "crop"),
              ("auto", "format"), *WATERMARK)
    if dpr != 1:
        params += (("dpr", str(dpr)),)
    path = f"/{config.source}/{quote(photo.path)}?{_query(params)}"
    return config.signet_url + sign_url(path, config.key, scheme=config.scheme)


def original_url(config: GalleryConfig, photo: Photo, now: float | None = None) -> str:
    """The untouched picture, for paid users, on a URL that stops working after an hour."""
    expires = int(time.time() if now is None else now) + DOWNLOAD_SECONDS
    if config.scheme == "imagekit":  # the stored bytes, not a re-encoded copy
        return _imagekit_url(config, photo, "orig-true", expires)
    path = f"/{config.source}/{quote(photo.path)}"
    return config.signet_url + sign_url(path, config.key, scheme=config.scheme, expires=expires)


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signet Stock</title>
<style>
body {{ font-family: sans-serif; margin: 2rem; background: #f4f4f0; color: #222; }}
header {{ display: flex; gap: 1.5rem; align-items: baseline; }}
.plan {{ padding: .2rem .6rem; border-radius: 1rem; background: #ddd; }}
.plan.paid {{ background: #fc6; }}
main {{ display: flex; flex-wrap: wrap; gap: 1.5rem; margin-top: 1.5rem; }}
figure {{ margin: 0; background: #fff; padding: .75rem; box-shadow: 0 1px 4px #0003; }}
figcaption {{ margin-top: .5rem; max-width: 300px; }}
.upsell {{ color: #777; }}
</style></head>
<body>
<header>
  <h1>Signet Stock</h1>
  <span class="plan {plan}" id="plan">You are a {plan} user</span>
  <a id="toggle" href="/?plan={other}">Play the {other} user</a>
</header>
<main>
{figures}
</main>
</body></html>
"""

FIGURE = """<figure class="photo">
  <img src="{src}" srcset="{src} 1x, {src2x} 2x" width="{size}" height="{size}" alt="{title}">
  <figcaption>{title}<br>{action}</figcaption>
</figure>"""


def render_page(config: GalleryConfig, paid: bool) -> str:
    figures = []
    for photo in config.photos:
        if paid:
            action = (f'<a class="download" href="{html.escape(original_url(config, photo))}">'
                      "Download original</a> (link valid for an hour)")
        else:
            action = '<span class="upsell">Originals are for paid users.</span>'
        figures.append(FIGURE.format(
            src=html.escape(thumbnail_url(config, photo)),
            src2x=html.escape(thumbnail_url(config, photo, dpr=2)),
            size=THUMB_SIZE,
            title=html.escape(photo.title),
            action=action,
        ))
    plan, other = ("paid", "free") if paid else ("free", "paid")
    return PAGE.format(plan=plan, other=other, figures="\n".join(figures))


def create_app(config: GalleryConfig) -> Starlette:
    """The gallery as an ASGI app. `?plan=paid` plays a paying user (a demo: no login)."""

    async def index(request: Request) -> Response:
        paid = request.query_params.get("plan") == "paid"
        # Download links expire: a cached page would hand out dead links.
        return HTMLResponse(render_page(config, paid), headers={"Cache-Control": "no-store"})

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    return Starlette(routes=[Route("/", index), Route("/healthz", healthz)])
