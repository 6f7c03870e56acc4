"""The ImageKit dialect without HTTP: `tr` -> TransformSpec, the new fit modes, ik-s signing."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from app.signing import Signature, digest, sign_url, verify_signature
from app.signing_imagekit import endpoint_path_for, endpoint_prefix, imagekit_digest
from tests import imagegen
from tests.imagegen import open_bytes
from transforms.dialects.imagekit import parse_imagekit, split_path_transforms
from transforms.errors import ParamError
from transforms.formats import choose_format
from transforms.pipeline import render
from transforms.spec import FIELD_PATHS, Chain, Limits, Overlay, TransformSpec

LIMITS = Limits()
IGNORE = frozenset({"ik-s", "ik-t"})


def parse_chain(tr: str | None, *pairs: tuple[str, str], path_tr: str | None = None) -> Chain:
    query = [("tr", tr)] if tr is not None else []
    return parse_imagekit(path_tr, [*query, *pairs], LIMITS, IGNORE)


def parse(tr: str | None, *pairs: tuple[str, str], path_tr: str | None = None) -> TransformSpec:
    """The one stage of a chain that needs no more."""
    (spec,) = parse_chain(tr, *pairs, path_tr=path_tr).stages
    return spec


@pytest.mark.parametrize(
    ("tr", "fields"),
    [
        ("w-300,h-300,dpr-2", {"w": 300, "h": 300, "dpr": 2, "fit": "crop"}),
        ("w-0.5", {"w": 0.5, "fit": "crop"}),
        ("dpr-2", {"dpr": 1}),  # dpr alone multiplies nothing
        ("w-400,ar-4-3", {"w": 400, "h": 300}),
        ("h-300,ar-16_9", {"w": 533, "h": 300}),
        ("w-400,h-100,ar-1-1", {"w": 400, "h": 100}),  # both sides given: ar is ignored
        ("w-10,h-10,c-maintain_ratio", {"fit": "crop"}),
        ("w-10,h-10,c-force", {"fit": "scale"}),
        ("w-10,h-10,c-at_max", {"fit": "max"}),
        ("w-10,h-10,c-at_max_enlarge", {"fit": "clip"}),
        ("w-10,h-10,c-at_least", {"fit": "at_least"}),
        ("w-10,h-10,cm-pad_resize", {"fit": "fill", "bg": (255, 255, 255, 255)}),
        ("w-10,h-10,cm-pad_resize,bg-00FF00", {"fit": "fill", "bg": (0, 255, 0, 255)}),
        ("w-10,h-10,cm-extract,fo-bottom_right", {"fit": "extract", "crop": ("bottom", "right")}),
        ("w-10,h-10,cm-pad_extract", {"fit": "pad_extract"}),
        ("w-10,h-10,fo-top", {"fit": "crop", "crop": ("top",)}),
        ("w-10,h-10,fo-auto", {"crop": ("entropy",)}),
        ("w-10,h-10,fo-face", {"crop": ("faces",)}),
        ("w-10,h-10,c-force,fo-left", {"fit": "scale", "crop": ()}),  # no crop, no gravity
        ("q-60", {"q": 60}),
        ("f-auto", {"auto": frozenset({"format"})}),
        ("f-jpeg", {"fm": "jpg"}),
        ("f-webp", {"fm": "webp"}),
        ("f-orig", {"fm": None}),
        ("bg-FF0000", {"bg": (255, 0, 0, 255)}),
        ("bg-FF000000", {"bg": (255, 0, 0, 0)}),
        ("bg-0000FF99", {"bg": (0, 0, 255, 255)}),
        ("bg-0000FF50", {"bg": (0, 0, 255, 129)}),
        ("bl-10", {"blur": 200}),
        ("e-sharpen", {"sharp": 50}),
        ("e-sharpen-3", {"sharp": 30}),
        ("e-sharpen-50", {"sharp": 100}),
        ("rt-90", {"rot": 90}),
        ("rt-N90", {"rot": 270}),
        ("rt-360", {"rot": 0}),
        ("rt-auto", {"rot": 0}),
        ("w-300:rt-90", {"w": 300, "rot": 90}),
        ("orig-false,w-10", {"w": 10, "original": False}),
        ("", {}),
        ("w-10,,h-10", {"w": 10, "h": 10}),
    ],
)
def test_keys_map_onto_the_spec(tr, fields):
    spec = parse(tr)
    for name, value in fields.items():
        assert spec.get(FIELD_PATHS.get(name, name)) == value, name


def test_orig_true_ignores_everything_else():
    assert parse("w-300,orig-true,f-png", ("fm", "webp")) == TransformSpec(original=True)


def test_path_and_query_forms_make_the_same_spec():
    assert parse(None, path_tr="w-300,h-200,fo-top") == parse("w-300,h-200,fo-top")


def test_imgix_parameters_merge_with_tr():
    spec = parse("w-300", ("fm", "png"), ("flip", "h"), ("ik-s", "x"))
    assert (spec.size.w, spec.output.fm, spec.rotation.flip, spec.size.fit) == (
        300,
        "png",
        "h",
        "crop",
    )
    # imgix's own fit is kept when tr only sizes the image
    assert parse("w-300,h-200", ("fit", "clip")).size.fit == "clip"


def test_image_layers():
    spec = parse("w-300,l-image,i-logo.png,lfo-bottom_right,w-150,l-end")
    assert spec.size.w == 300
    assert spec.overlays == (
        Overlay(kind="image", path="logo.png", w=150, align=("bottom", "right"), pad=0),
    )
    (layer,) = parse("l-image,i-@@a@@b.png,lx-10,ly-20,o-40,h-30,l-end").overlays
    assert (layer.path, layer.x, layer.y, layer.alpha, layer.h) == ("a/b.png", 10, 20, 40, 30)
    assert parse("l-image,i-a.png,l-end").overlays[0].align == ("middle", "center")
    assert parse("l-image,i-a.png,ly-5,l-end").overlays[0].x == 0  # the other axis: 0


def test_base64_layer_path():
    # what imagekitio emits for "my logos/lo+go.png" (standard alphabet, percent-encoded)
    (layer,) = parse("l-image,ie-bXkgbG9nb3MvbG8rZ28ucG5n,l-end").overlays
    assert layer.path == "my logos/lo+go.png"
    (layer,) = parse("l-image,ie-bXkgbG9nb3MvbG8rZ28ucG5n%3D%3D,l-end").overlays
    assert layer.path == "my logos/lo+go.png"


def test_old_overlay_keys():
    (layer,) = parse("w-300,oi-@@folder@@logo.png,ofo-bottom_right,ow-150,ox-5,oy-6").overlays
    assert (layer.path, layer.w, layer.align, layer.x, layer.y) == (
        "folder/logo.png",
        150,
        ("bottom", "right"),
        5,
        6,
    )
    two = parse("oi-a.png:oi-b.png,ofo-top").overlays
    assert [o.path for o in two] == ["a.png", "b.png"]


def test_layers_add_to_imgix_marks():
    spec = parse("l-image,i-b.png,l-end", ("mark", "/a.png"))
    assert [o.path for o in spec.overlays][-1] == "b.png"
    assert len(spec.overlays) == 2


@pytest.mark.parametrize(
    ("tr", "param"),
    [
        ("w-abc", "w"),
        ("h-auto", "h"),  # only w and dpr read a hint
        ("h-0", "h"),
        ("dpr-0", "dpr"),
        ("q-0", "q"),
        ("q-101", "q"),
        ("f-tiff", "f"),
        ("bg-red", "bg"),
        ("bg-FF0000AA", "bg"),
        ("bl-0", "bl"),
        ("bl-101", "bl"),
        ("e-sharpen-x", "e-sharpen"),
        ("rt-45.5", "rt"),
        ("rt-400", "rt"),
        ("orig-yes", "orig"),
        ("ar-4-3", "ar"),
        ("w-0.5,ar-4-3", "ar"),
        ("w-300,ar-0-3", "ar"),
        ("w-300,ar-wide", "ar"),
        ("w-16000,ar-1-2", "ar"),
        ("w-1,h-1,c-crop", "c"),
        ("w-1,h-1,cm-fill", "cm"),
        ("w-1,h-1,c-force,cm-extract", "cm"),
        ("w-1,h-1,fo-person", "fo"),
        ("w-1,h-1,cm-pad_resize,fo-top_left", "fo"),
        ("w-1,w-2", "w"),
        ("e-grayscale-5", "e-grayscale"),
        ("t-200", "t"),
        ("x-10", "x"),
        ("l-video,i-a.mp4,l-end", "l"),
        ("l-image,i-a.png", "l"),
        ("l-image,l-end", "l"),
        ("l-image,i-a.png," * 4 + "l-end," * 4, "l"),  # nested deeper than ImageKit's 3
        ("l-image,i-a.png,rt-400,l-end", "rt"),
        ("l-image,i-a.png,w-1,w-2,l-end", "w"),
        ("l-image,i-a.png,w-0.5,l-end", "w"),
        ("l-image,i-a.png,h-abc,l-end", "h"),
        ("oi-a.png,ow-0.5", "ow"),
        ("l-image,i-a.png,lx-N1x,l-end", "lx"),
        ("l-image,i-a.png,ly-bw_times_2,l-end", "ly"),
        ("l-image,i-a.png,lfo-middle,l-end", "lfo"),
        ("l-image,i-a.png,o-101,l-end", "o"),
        ("l-image,i-a.png,ie-YQ,l-end", "ie"),
        ("l-image,ie-!!!,l-end", "ie"),
        ("l-image,ie-%FF%FE,l-end", "ie"),
        ("l-image,i-@@,l-end", "i"),
        ("ofo-top", "ofo"),
        ("oi-a.png,oi-b.png", "oi"),
        ("oi-@@,ow-3", "oi"),
        ("oi-a.png,ox-N3x", "ox"),
        ("oi-a.png,ofo-nowhere", "ofo"),
    ],
)
def test_bad_transformations_name_the_key(tr, param):
    with pytest.raises(ParamError) as caught:
        parse(tr)
    assert caught.value.param == param, str(caught.value)


@pytest.mark.parametrize(
    ("pairs", "param"),
    [
        ([("tr", "w-1"), ("tr", "w-2")], "tr"),
        ([("tr", "w-1"), ("w", "2")], "w"),
        ([("tr", "fo-top,w-1,h-1"), ("crop", "left")], "crop"),
        ([("s", "abc")], "s"),
        ([("tr", "w-1,h-1,c-force"), ("fit", "clip")], "fit"),
    ],
)
def test_query_conflicts_name_the_key(pairs, param):
    with pytest.raises(ParamError) as caught:
        parse_imagekit(None, pairs, LIMITS, IGNORE)
    assert caught.value.param == param


def test_tr_in_both_path_and_query():
    with pytest.raises(ParamError) as caught:
        parse("w-1", path_tr="w-2")
    assert caught.value.param == "tr"


@pytest.mark.parametrize(
    ("rel_path", "expected"),
    [
        ("tr:w-300,h-300/images/dog.jpg", ("images/dog.jpg", "w-300,h-300")),
        ("tr:w-300%2Ch-300/a%20b.jpg", ("a%20b.jpg", "w-300,h-300")),
        ("tr:/a.jpg", ("a.jpg", "")),
        ("images/tr:w-300/dog.jpg", ("images/tr:w-300/dog.jpg", None)),
        ("tr:w-300", ("tr:w-300", None)),  # a file named so, not a transformation
        ("dog.jpg", ("dog.jpg", None)),
    ],
)
def test_split_path_transforms(rel_path, expected):
    assert split_path_transforms(rel_path) == expected


@pytest.mark.parametrize("segment", ["tr:%FF", "tr:w-1%00", "tr:" + "w" * 3000])
def test_split_path_transforms_refuses(segment):
    with pytest.raises(ParamError) as caught:
        split_path_transforms(segment + "/a.jpg")
    assert caught.value.param == "tr"


# --- the ImageKit crop modes in the pipeline ------------------------------------------------


def size_of(data: bytes, tr: str, fmt: str = "png") -> tuple[int, int]:
    return open_bytes(render(data, parse(tr), fmt, LIMITS).data).size


PHOTO = imagegen.jpeg(800, 600)
QUADRANTS = imagegen.encode(imagegen.quadrants(400, 400), "PNG")


@pytest.mark.parametrize(
    ("tr", "size"),
    [
        ("w-200,h-200", (200, 200)),  # maintain_ratio: cover, then crop
        ("w-200,h-200,c-force", (200, 200)),
        ("w-200,h-200,c-at_max", (200, 150)),
        ("w-2000,h-2000,c-at_max", (800, 600)),  # never enlarges
        ("w-2000,h-2000,c-at_max_enlarge", (2000, 1500)),
        ("w-200,h-200,c-at_least", (267, 200)),  # covers w x h, nothing cut off
        ("w-200,h-200,cm-pad_resize", (200, 200)),
        ("w-100,h-50,cm-extract", (100, 50)),
        ("w-1000,h-50,cm-extract", (800, 50)),  # never more than the original
        ("w-1000,h-50,cm-pad_extract", (1000, 50)),
        ("w-100,cm-extract", (100, 600)),
        ("w-400,ar-4-1", (400, 100)),
        ("w-100,dpr-2", (200, 150)),
    ],
)
def test_crop_modes_give_imagekits_sizes(tr, size):
    assert size_of(PHOTO, tr) == size


def test_extract_takes_the_region_at_the_original_scale():
    out = open_bytes(
        render(QUADRANTS, parse("w-100,h-100,cm-extract,fo-top_right"), "png", LIMITS).data
    ).convert("RGB")
    assert out.size == (100, 100)
    assert out.getpixel((50, 50)) == (0, 255, 0)  # the green top-right quadrant, unscaled


def test_pad_resize_pads_with_white_even_for_png():
    blue = imagegen.encode(imagegen.solid(200, 100, (0, 0, 255)), "PNG")
    out = open_bytes(render(blue, parse("w-100,h-100,cm-pad_resize"), "png", LIMITS).data)
    out = out.convert("RGBA")
    assert out.getpixel((50, 5)) == (255, 255, 255, 255)
    assert out.getpixel((50, 50)) == (0, 0, 255, 255)


def test_orig_true_keeps_the_original_format_and_bytes():
    spec = parse("orig-true")
    assert choose_format(spec, "png", "image/avif,image/webp") == ("png", False)
    assert render(QUADRANTS, spec, "png", LIMITS).data == QUADRANTS


# --- ik-s ---------------------------------------------------------------------------------

WORKED = [
    ("images/dog.jpg", "tr=w-300,h-300,dpr-2&ik-s=3353801d283b43912b9e7eee933c8df5e9b8da2d"),
    ("tr:w-300,h-300/images/dog.jpg", "ik-s=3be243502a4850f3f528137d918a1f43aacc4d9d"),
    (
        "images/dog.jpg",
        "tr=w-300,l-image,i-logo.png,lfo-bottom_right,w-150,l-end"
        "&ik-s=5ea60854c40401a194734ece75fde6239f428f6a",
    ),
]
KEY = b"private_key_test"


def verify(rel_path: str, query: str, keys=(KEY,)) -> Signature:
    return verify_signature("imagekit", list(keys), rel_path.encode(), query.encode())


@pytest.mark.parametrize(("rel_path", "query"), WORKED)
def test_protocol_worked_examples_verify(rel_path, query):
    assert verify(rel_path, query) is Signature.VALID
    assert verify(rel_path, query, [b"other", KEY]) is Signature.VALID  # any listed key
    assert verify(rel_path, query, [b"other"]) is Signature.INVALID
    assert verify(rel_path, query, []) is Signature.INVALID


def test_signature_shapes():
    signed = sign_url(
        "/demo/a.jpg?tr=w-1", KEY, scheme="imagekit", endpoint_path="/demo/", expires=2_000_000_000
    )
    query = urlsplit(signed).query
    assert query.startswith("tr=w-1&ik-t=2000000000&ik-s=")
    assert verify("a.jpg", query) is Signature.VALID
    t, s = query.split("&")[1:]
    assert verify("a.jpg", "tr=w-1") is Signature.ABSENT
    assert verify("a.jpg", f"tr=w-1&{t}") is Signature.ABSENT  # an unsigned ik-t alone
    assert verify("a.jpg", f"tr=w-1&{s}&{t}") is Signature.INVALID
    assert verify("a.jpg", f"{t}&tr=w-1&{s}") is Signature.INVALID
    assert verify("a.jpg", f"tr=w-1&{t}&{t}&{s}") is Signature.INVALID
    assert verify("a.jpg", f"tr=w-1&{t}&{s}&") is Signature.INVALID
    upper = "ik-s=" + s.split("=")[1].upper()
    assert verify("a.jpg", f"tr=w-1&{t}&{upper}") is Signature.VALID  # hex in any case


def test_sign_url_imagekit_endpoint_paths():
    assert endpoint_prefix("") == endpoint_prefix("/") == "/"
    assert endpoint_prefix("media") == endpoint_prefix("/media/") == "/media/"
    by_domain = sign_url("https://img.example/tr:w-5/a.jpg?ik-s=old", KEY, scheme="imagekit")
    assert by_domain.count("ik-s=") == 1
    message = b"tr:w-5/a.jpg9999999999"
    assert by_domain.endswith("?ik-s=" + imagekit_digest(KEY, message))
    assert digest("imagekit", KEY, message) == imagekit_digest(KEY, message)
    with pytest.raises(ValueError, match="endpoint"):
        sign_url("/other/a.jpg", KEY, scheme="imagekit", endpoint_path="/media")


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("https://img.example.com/media/a.jpg", "/"),
        ("https://x.cdn.example.com/a.jpg", "/"),
        ("https://other.example/media/a.jpg", "/media/"),
        ("/media/tr:w-1/a.jpg", "/media/"),
        ("/mediathing/a.jpg", "/"),
        ("/a.jpg", "/"),
    ],
)
def test_endpoint_path_for(url, endpoint):
    assert endpoint_path_for(url, "media", ["img.example.com", "*.cdn.example.com"]) == endpoint
