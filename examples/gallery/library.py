"""The gallery's pictures in Signet's media library: a folder source with ImageKit's file
API, filled on first start through that API with ImageKit's own SDK (imagekitio).

The photos go up private, so only URLs the gallery signs reach them; the watermark logo
goes up public (it is only ever drawn over a photo).
"""

from __future__ import annotations

from pathlib import Path

from imagekitio import ImageKit

from examples.gallery.app import PHOTOS, Photo

SOURCE = "gallery"
LOGO = "logo.png"
KEY_ENV = "SIGNET_GALLERY_KEY"


def library_config(path: Path, root: Path, key_env: str = KEY_ENV) -> Path:
    """Write a Signet config whose one source is the gallery's media library."""
    root.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"""
[[sources]]
name = "{SOURCE}"
type = "folder"
root = "{root}"
scheme = "imagekit"
keys = ["env:{key_env}"]
media_api = true
"""
    )
    return path


def upload_pictures(signet_url: str, key: str, originals: Path,
                    photos: tuple[Photo, ...] = PHOTOS, source: str = SOURCE) -> list[str]:
    """Upload what the library lacks; return the paths uploaded (none on a later start)."""
    ik = ImageKit(private_key=key, base_url=f"{signet_url}/{source}")
    present = {f.file_path.lstrip("/") for f in ik.assets.list() if f.file_path}
    wanted = [(LOGO, False)] + [(photo.path, True) for photo in photos]
    uploaded = []
    for path, private in wanted:
        if path in present:
            continue
        ik.files.upload(file=(originals / path).read_bytes(), file_name=path,
                        use_unique_file_name=False, is_private_file=private)
        uploaded.append(path)
    return uploaded
