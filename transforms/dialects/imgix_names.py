"""Every name imgix's URL API defines, its aliases, and the ones Signet refuses on purpose.

imgix 11.35.0's `parameters.json` (vendored in tests/vendor/, where tests check these
tables against it) is the source. parse_params sorts a query key into one of:

- a parameter Signet parses (a Parameter in one of the dialect's tables);
- a parameter that needs video, generative AI or an object detector: 400 saying so;
- any other imgix name Signet does not parse yet: 400 "not supported yet";
- a name imgix does not define (`v=2`, a cache-buster): ignored, unless the source sets
  `strict_params`.

An entry "key=word" names one value of a parameter (`fm=mp4`): it applies when `word` is
one of the comma-separated words of the value.
"""

from __future__ import annotations

# imgix's aliases -> the parameter they stand for (parameters.json `aliases`).
ALIASES: dict[str, str] = {
    "background-removal-semi-transparency": "bg-remove-semi-transparency",
    "background-remove": "bg-remove",
    "background-replace-negative-prompt": "bg-replace-neg-prompt",
    "background-replace": "bg-replace",
    "blendalign": "blend-align",
    "ba": "blend-align",
    "blendalpha": "blend-alpha",
    "balph": "blend-alpha",
    "blendcolor": "blend-color",
    "blend-clr": "blend-color",
    "blendclr": "blend-color",
    "blendcrop": "blend-crop",
    "bc": "blend-crop",
    "blendfit": "blend-fit",
    "bf": "blend-fit",
    "blendh": "blend-h",
    "bh": "blend-h",
    "blendmode": "blend-mode",
    "bm": "blend-mode",
    "blendpad": "blend-pad",
    "bp": "blend-pad",
    "blendsize": "blend-size",
    "bs": "blend-size",
    "blendw": "blend-w",
    "bw": "blend-w",
    "blendx": "blend-x",
    "bx": "blend-x",
    "blendy": "blend-y",
    "by": "blend-y",
    "b": "blend",
    "face-pixelate": "face-pixel",
    "fillcolor": "fill-color",
    "fill-generative-fallback": "fill-gen-fallback",
    "fill-generative-negative-prompt": "fill-gen-neg-prompt",
    "fill-generative-position": "fill-gen-pos",
    "fill-generative-prompt": "fill-gen-prompt",
    "fill-generative-seed": "fill-gen-seed",
    "f": "fit",
    "height": "h",
    "inv": "invert",
    "jpeg-progressive": "jpg-progressive",
    "license-plate-blur": "lp-blur",
    "ma": "mark-align",
    "markalign": "mark-align",
    "markalpha": "mark-alpha",
    "malph": "mark-alpha",
    "mb": "mark-base",
    "markbase": "mark-base",
    "mf": "mark-fit",
    "markfit": "mark-fit",
    "mh": "mark-h",
    "markh": "mark-h",
    "mp": "mark-pad",
    "markpad": "mark-pad",
    "ms": "mark-scale",
    "markscale": "mark-scale",
    "mtile": "mark-tile",
    "marktile": "mark-tile",
    "mw": "mark-w",
    "markw": "mark-w",
    "mx": "mark-x",
    "markx": "mark-x",
    "my": "mark-y",
    "marky": "mark-y",
    "m": "mark",
    "maskbg": "mask-bg",
    "max-height": "max-h",
    "max-width": "max-w",
    "min-height": "min-h",
    "min-width": "min-w",
    "mono": "monochrome",
    "or": "orient",
    "annotation": "pdf-annotation",
    "rottype": "rot-type",
    "rott": "rot-type",
    "trimcolor": "trim-color",
    "trimmd": "trim-md",
    "trimpad": "trim-pad",
    "trimsd": "trim-sd",
    "trimtol": "trim-tol",
    "txtalign": "txt-align",
    "ta": "txt-align",
    "txtclip": "txt-clip",
    "tcl": "txt-clip",
    "txtcolor": "txt-color",
    "txt-clr": "txt-color",
    "txtclr": "txt-color",
    "tc": "txt-color",
    "txtfit": "txt-fit",
    "tf": "txt-font",
    "txtfont": "txt-font",
    "txtlead": "txt-lead",
    "txtlinecolor": "txt-line-color",
    "txt-line-clr": "txt-line-color",
    "txtlineclr": "txt-line-color",
    "txtline": "txt-line",
    "tl": "txt-line",
    "txtpad": "txt-pad",
    "tp": "txt-pad",
    "txtshad": "txt-shad",
    "tsh": "txt-shad",
    "tsz": "txt-size",
    "txtsize": "txt-size",
    "txttrack": "txt-track",
    "tt": "txt-track",
    "txtwidth": "txt-width",
    "txtx": "txt-x",
    "txty": "txt-y",
    "t": "txt",
    "width": "w",
}

# Every parameter name imgix defines (parameters.json `parameters`), so that one Signet
# does not parse yet is refused rather than ignored like a cache-buster.
IMGIX_NAMES: frozenset[str] = frozenset(
    """
    ar auto bg bg-remove bg-remove-fallback bg-remove-fg-type bg-remove-semi-transparency
    bg-remove-transparency-threshold bg-replace bg-replace-fallback bg-replace-neg-prompt
    blend blend-align blend-alpha blend-color blend-crop blend-fit blend-h blend-mode
    blend-pad blend-size blend-w blend-x blend-y blur border border-bottom border-left
    border-radius border-radius-inner border-right border-stroke-color border-stroke-size
    border-top bri ch chromasub colorquant colors con corner-radius crop cs dl dpi dpr
    duotone duotone-alpha exp expires face-blur face-pixel faceindex facepad faces fill
    fill-color fill-gen-fallback fill-gen-neg-prompt fill-gen-pos fill-gen-prompt
    fill-gen-seed fill-gradient-cs fill-gradient-linear fill-gradient-linear-direction
    fill-gradient-radial fill-gradient-radial-radius fill-gradient-radial-x
    fill-gradient-radial-y fill-gradient-type fit flip fm fp-debug fp-x fp-y fp-z fps frame
    gam grid-colors grid-size h high htn hue interval invert iptc jpg-progressive loop
    lossless lp-blur mark mark-align mark-alpha mark-base mark-fit mark-h
    mark-if-min-height mark-if-min-width mark-pad mark-rot mark-scale mark-tile mark-w
    mark-x mark-y mask mask-bg max-h max-w min-h min-w monochrome nr nrs
    object-removal-negative-prompt object-removal-prompt object-removal-rect
    object-removal-seed orient pad pad-bottom pad-left pad-right pad-top page palette
    pdf-annotation prefix px q rasterize-bypass rect reverse rot rot-type sat sepia shad
    sharp skip svg-sanitize transparency trim trim-alpha trim-color trim-md trim-pad
    trim-sd trim-tol txt txt-align txt-clip txt-color txt-fit txt-font txt-lead txt-line
    txt-line-color txt-pad txt-shad txt-size txt-track txt-width txt-x txt-y upscale
    upscale-fallback usm usmrad vib video-bitrate video-clip-end video-clip-start
    video-codec video-thumbnail w
    """.split()
)

# Video rendering, background removal/replacement, generative fill, object removal and
# super-resolution: Signet renders still images with Pillow and runs no generative model.
VIDEO = frozenset(
    {
        "video-bitrate",
        "video-clip-start",
        "video-clip-end",
        "video-codec",
        "video-thumbnail",
        "fm=mp4",
        "fm=webm",
    }
)
GENERATIVE = frozenset(
    {
        "bg-remove",
        "bg-remove-fallback",
        "bg-remove-fg-type",
        "bg-remove-semi-transparency",
        "bg-remove-transparency-threshold",
        "bg-replace",
        "bg-replace-fallback",
        "bg-replace-neg-prompt",
        "fill=gen",
        "fill=generative",
        "fill-gen-fallback",
        "fill-gen-neg-prompt",
        "fill-gen-pos",
        "fill-gen-prompt",
        "fill-gen-seed",
        "object-removal-negative-prompt",
        "object-removal-prompt",
        "object-removal-rect",
        "object-removal-seed",
        "upscale",
        "upscale-fallback",
    }
)
NEEDS_DETECTOR = frozenset({"lp-blur"})
# The other dialect's signature, expiry and transformations: a URL built for the other
# kind of source would be served untransformed or unchecked, so it is refused instead.
# (Each dialect's own are skipped before parse_params sees them.)
OTHER_DIALECT: dict[str, str] = {
    "tr": "is an ImageKit transformation: only a source with scheme = imagekit reads it",
    "ik-s": "is an ImageKit signature: only a source with scheme = imagekit checks it",
    "ik-t": "is an ImageKit expiry: only a source with scheme = imagekit reads it",
    "s": "is not this source's signature: a source with scheme = imagekit checks ik-s",
    "expires": "is not this source's expiry: a source with scheme = imagekit reads ik-t",
}

def refusal(key: str, value: str) -> str | None:
    """Why `key=value` is refused whatever the source allows, or None.

    `key` is the parameter's own name (aliases already resolved).
    """
    for entry in (key, *(f"{key}={word}" for word in value.split(","))):
        reason = _REASONS.get(entry)
        if reason is not None:
            word = entry.partition("=")[2]
            return f"{word} {reason}" if word else reason
    return None


VIDEO_REASON = "needs video rendering, which Signet does not do (still images only)"
_REASONS: dict[str, str] = {
    **OTHER_DIALECT,
    **dict.fromkeys(VIDEO, VIDEO_REASON),
    **dict.fromkeys(GENERATIVE, "needs generative AI, which Signet does not run"),
    **dict.fromkeys(NEEDS_DETECTOR, "needs an object detector, and Signet has none"),
}
