"""Pure parts of the media library: search queries, field rules, ids, metadata, config."""

from __future__ import annotations

import pytest

from app.media import fields
from app.media.errors import MediaError
from app.media.search import parse_query
from app.settings import ConfigError, load_settings
from sources.base import NotFound
from sources.file_meta import FileMeta, MetadataTooLarge, meta_from_s3, meta_to_s3
from sources.library import Entry, file_id, path_of_id


def entry(name: str, tags=(), private=False) -> Entry:
    return Entry(f"f/{name}", 1, 0.0, FileMeta(private=private, tags=tuple(tags)))


@pytest.mark.parametrize("query, expected", [
    ('name = "a.jpg"', {"a.jpg"}),
    ('name : "b"', {"b.jpg", "bb.png"}),
    ('name IN ["a.jpg", "bb.png"]', {"a.jpg", "bb.png"}),
    ('tags = "red"', {"a.jpg", "bb.png"}),
    ('tags NOT IN ["red"]', {"b.jpg"}),
    ("private = true", {"bb.png"}),
    ('private = false AND tags = "red"', {"a.jpg"}),
    ('name = "b.jpg" OR private = true', {"b.jpg", "bb.png"}),
    ("", {"a.jpg", "b.jpg", "bb.png"}),
])
def test_search(query, expected):
    entries = [entry("a.jpg", ["red"]), entry("b.jpg", ["blue"]),
               entry("bb.png", ["red"], private=True)]
    match = parse_query(query)
    assert {e.path[2:] for e in entries if match(e)} == expected


@pytest.mark.parametrize("query", [
    'createdAt > "7d"', '(name = "a")', 'name = ', 'name ~ "a"', 'private = "yes"',
    'name = "a" XOR tags = "b"', 'name = "a" AND', "name = 'a'", "x" * 3000,
    " AND ".join(['name = "a"'] * 40),
])
def test_search_refuses_what_it_cannot_do(query):
    with pytest.raises(MediaError) as err:
        parse_query(query)
    assert err.value.status == 400 and "searchQuery" in err.value.message


def test_file_names_follow_imagekits_rule():
    assert fields.file_name("my dog (1).jpg") == "my_dog__1_.jpg"
    assert fields.file_name("é.png") == "_.png"
    unique = fields.unique_name("dog.jpg")
    assert unique.startswith("dog_") and unique.endswith(".jpg") and len(unique) == 18
    assert fields.folder("/a/b//c/") == "a/b/c"
    assert fields.folder("/") == ""


def test_ids_round_trip_and_refuse_what_is_not_ours():
    for path in ["a.jpg", "pets/dogs/a b.jpg", "é/ü.png"]:
        assert path_of_id(file_id(path)) == path
    for bad in ["", "not base64!", file_id("../x"), file_id(".signet/tokens/x"), "%2e%2e"]:
        with pytest.raises(NotFound):
            path_of_id(bad)


def test_s3_metadata_round_trip_and_bound():
    meta = FileMeta(private=True, tags=("a b", "ç,d"), custom_coordinates="1,2,3,4",
                    description="dés", width=3, height=4, created=1.5, generation=2)
    raw = meta_to_s3(meta)
    assert all(v.isascii() for v in raw.values())
    assert meta_from_s3(raw) == meta
    with pytest.raises(MetadataTooLarge):
        meta_to_s3(FileMeta(description="é" * 1000))


@pytest.mark.parametrize("source, words", [
    ({"type": "web_folder", "base_url": "https://x.example/"}, "folder or s3"),
    ({"type": "folder", "root": "/tmp", "scheme": "hmac-sha256"}, "imagekit"),
    ({"type": "folder", "root": "/tmp", "keys": []}, "imagekit"),
])
def test_media_api_config_is_checked(source, words):
    base = {"name": "m", "scheme": "imagekit", "keys": ["env:K"], "media_api": True}
    with pytest.raises(ConfigError) as err:
        load_settings(None, sources=[{**base, **source}])
    assert words in str(err.value)
