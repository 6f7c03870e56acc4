"""The workloads: the same picture asked of Signet, of thumbor, and of bare Pillow.

Each Pillow function here is the least work that produces the answer: decode
with draft() to the final size, one resample, the overlay, one encode, with the
options Signet's finalize step uses (JPEG: Pillow's defaults; WebP: method 4;
Lanczos with reducing_gap 3.0). It is the ceiling a Pillow server can reach.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

LANCZOS = Image.Resampling.LANCZOS
REDUCING_GAP = 3.0  # as transforms/steps/resize.py
MARK_WIDTH = 150
MARK_PAD = 5  # imgix's default mark-pad; thumbor gets the same offset
BORDER = 5  # workload (g): a black border, inside the 300 x 300 box (imgix's rule)
ADJUST_QUERY = f"&bri=10&con=10&sat=20&sharp=20&border={BORDER},000000"
# thumbor has no solid border: its frame() filter with a 9-patch of the same border
# (bench/images.py), after fitting inside 290 x 290. Its padding is read from the 9-patch's
# guides; thumbor 7 reads ours as 6 px on the left only, so its answer is 296 x 193 where
# Signet's is 300 x 203 (3 % fewer pixels to encode: the comparison favours thumbor).
IMAGEKIT_SOURCE = "bench-ik"  # the same folder as an ImageKit source (bench/servers.py)
LAYER_TEXT = "Signet"  # workload (i)'s l-text
LAYER_TEXT_SIZE = 24
FONT = Path(__file__).resolve().parent.parent / "transforms" / "fonts" / "DejaVuSans.ttf"
THUMBOR_ADJUST = "brightness(10):contrast(10):saturation(1.2):sharpen(0.4,1,false):frame(frame.png)"


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    source: str  # file name under the sources folder
    signet_query: str  # imgix-style query, unsigned
    thumbor_path: str  # after /unsafe
    expect: tuple[str, tuple[int, int]]  # (Pillow format, size) of a correct answer
    thumbor_expect: tuple[str, tuple[int, int]] | None = None  # where thumbor's differs
    kind: str = "cold"  # cold: a full transform per request; warm: a cached hit
    limit: str | None = None  # name of the function below; None: a server is the limit
    frames: int = 1  # frames of a correct answer (an animation's)
    notes: list[str] = field(default_factory=list)
    # "imagekit": an ImageKit URL (`tr=`), asked of the bench-ik source (ik-s signatures)
    dialect: str = "imgix"

    def signet_path(self, source: str | None = None) -> str:
        root = IMAGEKIT_SOURCE if self.dialect == "imagekit" else "bench"
        return f"/{root}/{source or self.source}?{self.signet_query}"

    def thumbor_unsafe(self, source: str | None = None) -> str:
        path = self.thumbor_path
        if source:
            path = path.removesuffix("/" + self.source) + "/" + source
        return "/unsafe" + path


def _fit_inside(size: tuple[int, int], box: tuple[int, int | None]) -> tuple[int, int]:
    w, h = size
    scale = box[0] / w if box[1] is None else min(box[0] / w, box[1] / h)
    scale = min(scale, 1.0)  # fit=max / fit-in: never enlarge
    return max(1, round(w * scale)), max(1, round(h * scale))


def _decode(data: bytes, box: tuple[int, int | None]) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    target = _fit_inside(img.size, box)
    if img.format == "JPEG":
        img.draft(img.mode, target)
    img.load()
    if img.mode not in ("RGB", "RGBA"):
        img = img.convert("RGBA" if "A" in img.mode else "RGB")
    if img.size != target:
        img = img.resize(target, LANCZOS, reducing_gap=REDUCING_GAP)
    return img


def _encode(img: Image.Image, fmt: str, **options: object) -> bytes:
    if fmt == "JPEG" and img.mode != "RGB":
        img = img.convert("RGB")
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    return buf.getvalue()


def fit_300_jpeg(data: bytes, mark: bytes | None = None) -> bytes:
    return _encode(_decode(data, (300, 300)), "JPEG", quality=80)


def fit_300_jpeg_mark(data: bytes, mark: bytes | None = None) -> bytes:
    img = _decode(data, (300, 300)).convert("RGBA")
    logo = Image.open(io.BytesIO(mark or b"")).convert("RGBA")
    height = max(1, round(logo.height * MARK_WIDTH / logo.width))
    logo = logo.resize((MARK_WIDTH, height), LANCZOS)
    img.alpha_composite(logo, (img.width - MARK_WIDTH - MARK_PAD, img.height - height - MARK_PAD))
    return _encode(img, "JPEG", quality=80)


def width_1200_webp(data: bytes, mark: bytes | None = None) -> bytes:
    return _encode(_decode(data, (1200, None)), "WEBP", quality=80, method=4)


def width_300_jpeg(data: bytes, mark: bytes | None = None) -> bytes:
    return _encode(_decode(data, (300, None)), "JPEG", quality=80)


def fit_300_jpeg_adjusted(data: bytes, mark: bytes | None = None) -> bytes:
    """Signet's bri=10, con=10 (one table), sat=20, sharp=20 and a 5 px border."""
    inner = 300 - 2 * BORDER
    img = _decode(data, (inner, inner))
    table = [
        min(255, max(0, round(((v + 25.5) - 127.5) * 1.1 + 127.5))) for v in range(256)
    ]
    img = img.point(table * 3)
    img = ImageEnhance.Color(img).enhance(1.2)
    img = img.filter(ImageFilter.UnsharpMask(1, 40, 0))
    img = ImageOps.expand(img, border=BORDER, fill=(0, 0, 0))
    return _encode(img, "JPEG", quality=80)


_FONT: list[ImageFont.FreeTypeFont] = []


def fit_300_jpeg_layers(data: bytes, mark: bytes | None = None) -> bytes:
    """(i): (a) with the logo 150 px wide 5 px in from the bottom right corner and a white
    text in DejaVu Sans 24 px at (10, 10): ImageKit's l-image and l-text layers."""
    if not _FONT:  # loaded once, as Signet keeps its faces
        _FONT.append(ImageFont.truetype(str(FONT), LAYER_TEXT_SIZE))
    img = _decode(data, (300, 300)).convert("RGBA")
    logo = Image.open(io.BytesIO(mark or b"")).convert("RGBA")
    height = max(1, round(logo.height * MARK_WIDTH / logo.width))
    logo = logo.resize((MARK_WIDTH, height), LANCZOS)
    img.alpha_composite(logo, (img.width - MARK_WIDTH - MARK_PAD, img.height - height - MARK_PAD))
    ImageDraw.Draw(img).text((10, 10), LAYER_TEXT, fill=(255, 255, 255, 255), font=_FONT[0])
    return _encode(img, "JPEG", quality=80)


def width_300_gif(data: bytes, mark: bytes | None = None) -> bytes:
    """Every frame of an animated GIF resized to width 300, one animated GIF out, each frame
    decoded in turn and keeping its duration (Signet's finalize: a fast-octree palette per
    frame, Pillow's GIF encoder)."""
    img = Image.open(io.BytesIO(data))
    frames, durations = [], []
    for index in range(img.n_frames):
        img.seek(index)
        frame = img.convert("RGB")
        size = (300, max(1, round(frame.height * 300 / frame.width)))
        frame = frame.resize(size, LANCZOS, reducing_gap=REDUCING_GAP)
        frames.append(frame.quantize(256, method=Image.Quantize.FASTOCTREE))  # as Signet
        durations.append(img.info.get("duration", 0))
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=durations,
                   loop=img.info.get("loop", 0))
    return buf.getvalue()


LIMIT_FUNCTIONS = {
    f.__name__: f
    for f in (
        fit_300_jpeg, fit_300_jpeg_mark, width_1200_webp, width_300_jpeg, fit_300_jpeg_adjusted,
        fit_300_jpeg_layers, width_300_gif,
    )
}

MARK_QUERY = (
    f"&mark={quote('/logo.png', safe='/')}&mark-w={MARK_WIDTH}"
    f"&mark-align={quote('bottom,right', safe=',')}"
)

WORKLOADS: tuple[Workload, ...] = (
    Workload(
        "a", "2400x1600 JPEG, fit inside 300x300, JPEG q80", "photo.jpg",
        "w=300&h=300&fit=max&fm=jpg&q=80",
        "/fit-in/300x300/filters:quality(80)/photo.jpg",
        ("JPEG", (300, 200)), limit="fit_300_jpeg",
    ),
    Workload(
        "b", "(a) + logo 150 px wide, bottom-right", "photo.jpg",
        "w=300&h=300&fit=max&fm=jpg&q=80" + MARK_QUERY,
        f"/fit-in/300x300/filters:quality(80):watermark(logo.png,-{MARK_PAD},-{MARK_PAD},0,50)"
        "/photo.jpg",
        ("JPEG", (300, 200)), limit="fit_300_jpeg_mark",
    ),
    Workload(
        "c", "1200x800 PNG with alpha, width 1200, WebP q80", "alpha.png",
        "w=1200&fm=webp&q=80",
        "/1200x0/filters:quality(80):format(webp)/alpha.png",
        ("WEBP", (1200, 800)), limit="width_1200_webp",
    ),
    Workload(
        "d", "cached hit of (a)", "photo.jpg",
        "w=300&h=300&fit=max&fm=jpg&q=80",
        "/fit-in/300x300/filters:quality(80)/photo.jpg",
        ("JPEG", (300, 200)), kind="warm",
    ),
    Workload(
        "e", "6000x4000 JPEG, width 300, JPEG q80", "large.jpg",
        "w=300&fm=jpg&q=80",
        "/300x0/filters:quality(80)/large.jpg",
        ("JPEG", (300, 200)), limit="width_300_jpeg",
    ),
    Workload(
        "g", "(a) + bri, con, sat, sharp and a 5 px border", "photo.jpg",
        "w=300&h=300&fit=max&fm=jpg&q=80" + ADJUST_QUERY,
        f"/fit-in/{300 - 2 * BORDER}x{300 - 2 * BORDER}/filters:quality(80):{THUMBOR_ADJUST}"
        "/photo.jpg",
        ("JPEG", (300, 203)), limit="fit_300_jpeg_adjusted",
        thumbor_expect=("JPEG", (296, 193)),
        notes=["thumbor's filters are the nearest, not the same maths (its sharpen and "
               "contrast differ); its frame() answers 296x193 against Signet's 300x203"],
    ),
    Workload(
        "i", "(a) as an ImageKit URL + an l-image logo and an l-text layer", "photo.jpg",
        "tr=w-300,h-300,c-at_max,f-jpg,q-80,"
        f"l-image,i-logo.png,w-{MARK_WIDTH},lx-N{MARK_PAD},ly-N{MARK_PAD},l-end,"
        f"l-text,i-{LAYER_TEXT},fs-{LAYER_TEXT_SIZE},co-FFFFFF,lx-10,ly-10,l-end",
        "", ("JPEG", (300, 200)), limit="fit_300_jpeg_layers", dialect="imagekit",
        notes=["thumbor is not asked: it has no text layer"],
    ),
    # (m16): peak RSS per worker in this workload's c=16 run (bench/stacks.py).
    Workload(
        "m", "animated GIF, 20 frames of 500x500, width 300, GIF", "anim.gif",
        "w=300&fm=gif",
        "/300x0/anim.gif",
        ("GIF", (300, 300)), limit="width_300_gif", frames=20,
        notes=["thumbor animates GIFs with its gifsicle engine (USE_GIFSICLE_ENGINE, on when "
               "bench/setup.sh has installed gifsicle); without it thumbor's answer is one "
               "frame, and its runs are skipped"],
    ),
    # Not a wrk run: bench/overload.py fires the burst itself, at a Signet of its own.
    Workload(
        "h", "100 concurrent distinct requests, 45 MB PNG: peak RSS, first 503", "overload.png",
        "w=N&fm=jpg", "", ("JPEG", (0, 0)), kind="overload",
    ),
    # Not a wrk run either: bench/faces.py asks each of 24 distinct originals once, then at
    # a second size, against a Signet and a thumbor (smart, face detector) of its own.
    Workload(
        "k", "2400x1600 JPEG with a face, crop=faces 300x300, then 200x240", "faces-000.jpg",
        "w=300&h=300&fit=crop&crop=faces&fm=jpg&q=80",
        "/300x300/smart/filters:quality(80)/faces-000.jpg", ("JPEG", (300, 300)), kind="faces",
    ),
)
