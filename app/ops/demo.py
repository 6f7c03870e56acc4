"""The bundled demo: a few pictures drawn here (no downloads) served as the secure source `demo`.

The demo key is for development only: anyone who reads this file can sign demo URLs.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

from app.settings import Settings, load_settings
from app.settings_sources import FolderSourceConfig

DEMO_KEY_ENV = "SIGNET_DEMO_KEY"
DEMO_KEY = "signet-demo-key-not-secret"
DEMO_VERSION = "2"  # bump when the pictures change: a new folder is drawn
# A listing thumbnail with the site's logo in a corner: `?preset=thumb`.
DEMO_PRESETS = {"thumb": "w=300&h=300&fit=crop&mark=/logo.png&mark-scale=30"}


def demo_dir() -> Path:
    """Where the demo pictures live (`SIGNET_DEMO_DIR`, else a folder in the temp dir)."""
    base = os.environ.get("SIGNET_DEMO_DIR") or Path(tempfile.gettempdir()) / "signet-demo"
    return Path(base) / f"v{DEMO_VERSION}"


def _landscape(width: int, height: int, sun: tuple[int, int, int]) -> Image.Image:
    sky = Image.linear_gradient("L").resize((width, height))
    img = Image.merge("RGB", (sky.point(lambda v: 40 + v // 2), sky.point(lambda v: 90 + v // 3),
                              sky.point(lambda v: 200 - v // 4)))
    draw = ImageDraw.Draw(img)
    r = height // 8
    draw.ellipse((width * 2 // 3 - r, height // 4 - r, width * 2 // 3 + r, height // 4 + r),
                 fill=sun)
    draw.polygon([(0, height), (0, height * 3 // 5), (width // 4, height * 2 // 5),
                  (width // 2, height * 3 // 5), (width * 3 // 4, height // 2),
                  (width, height * 3 // 4), (width, height)], fill=(40, 70, 50))
    for i in range(0, width, max(width // 40, 1)):  # trees, for detail the resizer must keep
        base = height * 4 // 5 + (i * 37) % (height // 10)
        draw.polygon([(i, base), (i + width // 80, base - height // 12), (i + width // 40, base)],
                     fill=(20, 50 + i % 40, 30))
    return img


def _logo(width: int, height: int) -> Image.Image:
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, width - 1, height - 1), radius=height // 4,
                           fill=(255, 255, 255, 180))
    draw.text((height // 3, height // 3), "SIGNET", fill=(20, 20, 20, 255),
              font_size=height // 2)
    return img


def ensure_demo_images() -> Path:
    """Draw the demo pictures once; return their folder."""
    folder = demo_dir()
    if (folder / "logo.png").is_file():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    _landscape(1600, 1067, (255, 210, 90)).save(folder / "photo.jpg", quality=90)
    _landscape(1200, 1600, (255, 120, 80)).save(folder / "portrait.jpg", quality=90)
    _landscape(1400, 1400, (250, 250, 235)).save(folder / "square.jpg", quality=90)
    _logo(400, 120).save(folder / "logo.png")
    return folder


def demo_settings() -> Settings:
    """The settings `signet serve` uses when it is given no config."""
    os.environ.setdefault(DEMO_KEY_ENV, DEMO_KEY)
    source = FolderSourceConfig(
        name="demo",
        type="folder",
        root=ensure_demo_images(),
        secure=True,
        keys=[f"env:{DEMO_KEY_ENV}"],
        presets=DEMO_PRESETS,
    )
    return load_settings(None, sources=[source.model_dump()], demo=True)
