"""The ImageKit dialect: `tr` transformation strings -> a Chain of specs.

`tr=w-300,h-300:rt-90` in the query, or `/tr:w-300,h-300/` as the first path segment
after the endpoint: steps are chained with ":", a step's options are separated by ",", a
key from its value by "-" (the keys are in imagekit_keys, the layers in imagekit_layers).

Steps run one after the other, each on the output of the one before, as ImageKit runs
them (`w-400,h-300:rt-90:w-200` is 200 wide). Consecutive steps share one stage, one pass
of the pipeline, where that gives the same pixels: a step that only rotates or only adds
layers, after one the pipeline's order (resize, effects, padding, rotation, background,
layers) already runs before it. Any other step starts a stage of its own. A key may appear
once per step; a ":" inside a layer chains the layer's own steps (imagekit_layers).
The output options (`f`, `q`) apply to the answer wherever they stand; a
later step's replace an earlier one's. `n-NAME`, a step of its own, is the source's preset
NAME (a named transformation; transforms.dialects.presets).

The other query parameters: the imgix parameters and `preset=NAME` beside `tr` join its
last step (a field set by both answers 400); keys in `ignore` (the signature and expiry)
are the app's. `s` and `expires` answer 400: on this source they would look like a
signature or an expiry that nothing checks. Anything else (cache-busters such as `v=2` or
`updatedAt=...`) is ignored for the render, as ImageKit ignores it; the signature covers it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import unquote

from transforms.dialects.imagekit_keys import stage_spec, step_fields
from transforms.dialects.imagekit_layers import (
    MAX_LAYERS as MAX_LAYERS,  # tests and callers read the bound here
)
from transforms.dialects.imagekit_layers import (
    OLD_OVERLAY_KEYS,
    Tokens,
    old_overlay,
    read_layer,
    split_option,
    split_steps,
)
from transforms.dialects.imgix import is_imgix_name, parse_params
from transforms.dialects.presets import PRESET_KEY, STRICT, Presets, expand_preset, named_spec
from transforms.errors import ParamError
from transforms.query import has_control_character
from transforms.spec import MAX_STAGES, Chain, Limits, Output, Overlay, TransformSpec

TR = "tr"
PATH_PREFIX = "tr:"
THUMBNAIL = "ik-thumbnail.jpg"  # ImageKit's path component for a document page as a picture
MAX_TR_CHARS = 2048
NAMED = "n"
ENHANCE = frozenset({"enhance"})  # e-contrast's word in Output.auto
# The other signing scheme's parameters: accepted, they would protect nothing.
FOREIGN = {
    "s": "this source's URLs are signed with ik-s",
    "expires": "this source's URLs expire with ik-t",
}
NO_PRESETS = Presets()
Pairs = list[tuple[str, str]]
_OUTPUT = Output()
_NOTHING = TransformSpec()


@dataclass
class _Step:
    """One `:`-separated step as written: explicit options, or a named transformation."""

    key: str  # its first key, to name the step in an error
    fields: dict[str, Any] = field(default_factory=dict)  # spec fields but the output's
    output: dict[str, Any] = field(default_factory=dict)  # output fields, by their own names
    overlays: list[Overlay] = field(default_factory=list)
    named: str | None = None  # n-NAME
    spec: TransformSpec | None = None  # a named step's spec, once resolved
    original: bool = False  # orig-true


def split_path_transforms(rel_path: str) -> tuple[str, str | None]:
    """`tr:w-300/images/dog.jpg` -> ("images/dog.jpg", "w-300"); other paths -> (path, None).

    `rel_path` is the still percent-encoded path after the endpoint; the rest of
    it is returned as it came, for the source to decode. ImageKit's `/ik-thumbnail.jpg`
    after a PDF's path (`doc.pdf/ik-thumbnail.jpg`, its page `pg` as a picture) is dropped:
    Signet draws a PDF original itself, as a JPEG unless `f` says otherwise.
    """
    rel_path = _without_thumbnail(rel_path)
    first, slash, rest = rel_path.partition("/")
    if not first.startswith(PATH_PREFIX) or not slash:
        return rel_path, None
    raw = first[len(PATH_PREFIX) :]
    if len(raw) > MAX_TR_CHARS:
        raise ParamError(TR, f"is too long (at most {MAX_TR_CHARS} characters)")
    try:
        text = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise ParamError(TR, "not valid UTF-8") from None
    if has_control_character(text):
        raise ParamError(TR, "contains a control character")
    return rest, text


def _without_thumbnail(rel_path: str) -> str:
    head, slash, tail = rel_path.rpartition("/")
    if slash and tail == THUMBNAIL and head.lower().endswith(".pdf"):
        return head
    return rel_path


def parse_imagekit(
    path_tr: str | None,
    pairs: list[tuple[str, str]],
    limits: Limits,
    ignore: frozenset[str] = frozenset(),
    presets: Presets = NO_PRESETS,
) -> Chain:
    """Build the chain from the path's `tr:` segment (or None) and the decoded query pairs.

    `tr` in the query and the parameters beside it are read from `pairs`; keys in
    `ignore` (the signature and expiry) are skipped. Raises ParamError.
    """
    query_tr = [value for key, value in pairs if key == TR]
    if len(query_tr) > 1:
        raise ParamError(TR, "given more than once")
    if query_tr and path_tr is not None:
        raise ParamError(TR, "given both in the path (/tr:.../) and in the query")
    text = path_tr if path_tr is not None else (query_tr[0] if query_tr else "")
    steps = _read_steps(text, limits)
    rest = _other_parameters(pairs, ignore)
    _check_preset_rules(steps, rest, presets)
    if any(step.original for step in steps):
        # orig-true serves the stored file as it is; ImageKit ignores everything else.
        return Chain.of(TransformSpec(original=True))
    for step in steps:
        if step.named is not None:
            step.spec = named_spec(presets, step.named, limits)
    if steps and steps[-1].named is not None:
        # The parameters beside a chain that ends in a named transformation apply to it
        # as they apply to ?preset=NAME, overriding it (or not: preset_override).
        if any(key == PRESET_KEY for key, _ in rest):
            raise ParamError(PRESET_KEY, "cannot be combined with a named transformation (n-)")
        rest = [(PRESET_KEY, steps[-1].named), *rest]
    expanded = expand_preset(presets, rest, frozenset())
    base = parse_params(expanded, limits)
    if steps and steps[-1].named is not None:
        steps[-1].spec, base = base, TransformSpec()
    imgix_fit = any(key == "fit" for key, _ in expanded)
    return Chain(_stages(steps, base, imgix_fit))


def _read_steps(text: str, limits: Limits) -> list[_Step]:
    raw = split_steps(text)  # layers' nesting and number bounded here (MAX_LAYERS)
    if len(raw) > MAX_STAGES:
        raise ParamError(TR, f"chains at most {MAX_STAGES} steps")
    return [_read_step(step, limits) for step in raw]


def _read_step(tokens: Tokens, limits: Limits) -> _Step:
    items = [item for _, item in tokens]
    keys = [split_option(item)[0] for item in items]
    if NAMED in keys:
        name = split_option(items[0])[1]
        if len(items) > 1:
            raise ParamError(NAMED, "a named transformation is a step of its own: "
                             "chain other keys with ':' (n-thumb:rt-90)")
        if not name:
            raise ParamError(NAMED, "needs the name of one of this source's presets: n-<name>")
        return _Step(NAMED, named=name)
    options: dict[str, str] = {}
    old: dict[str, str] = {}
    overlays: list[Overlay] = []
    index = 0
    while index < len(items):
        key, value = split_option(items[index])
        if key == "l":
            overlay, index = read_layer(tokens, index, limits)
            overlays.append(overlay)
            continue
        index += 1
        target = old if key in OLD_OVERLAY_KEYS else options
        if key in target:
            raise ParamError(key, "given more than once in one step")
        target[key] = value
    if old:
        overlays.append(old_overlay(old, limits))
    parsed = step_fields(options, limits)
    output = {name[len("output.") :]: parsed.pop(name) for name in list(parsed)
              if name.startswith("output.")}
    if "f" in options:  # a format replaces an earlier step's, `auto` included
        output = {"fm": None, "auto": frozenset(), **output}
    return _Step(keys[0], parsed, output, overlays, original=options.get("orig") == "true")


def _other_parameters(pairs: Pairs, ignore: frozenset[str]) -> Pairs:
    rest = []
    for key, value in pairs:
        if key == TR or key in ignore:
            continue
        if key in FOREIGN:
            raise ParamError(key, FOREIGN[key])
        if key == PRESET_KEY or is_imgix_name(key):  # the rest is ignored, as ImageKit does
            rest.append((key, value))
    return rest




def _check_preset_rules(steps: list[_Step], rest: list[tuple[str, str]], presets: Presets) -> None:
    """A strict source takes named transformations only; one that does not let a URL change
    its presets takes no other step beside one (before it or after: both change the result)."""
    uses_preset = any(step.named is not None for step in steps) or any(
        key == PRESET_KEY for key, _ in rest
    )
    for step in steps:
        if step.named is not None:
            continue
        if presets.strict:
            raise ParamError(step.key, STRICT)
        if uses_preset and not presets.override:
            raise ParamError(step.key, "not allowed beside a preset: this source does not "
                             "let a URL change its presets")
    named = [step for step in steps if step.named is not None]
    if len(named) > 1 and not presets.override:
        raise ParamError(NAMED, "one named transformation per URL: this source does not let "
                         "a URL change its presets")


def _stages(steps: list[_Step], base: TransformSpec, imgix_fit: bool) -> tuple[TransformSpec, ...]:
    """Each step's spec, consecutive ones joined where one pass gives the same pixels; the
    output options of all of them, and of the imgix parameters, on the last stage."""
    if not steps:
        return (base,)
    output = _OUTPUT
    specs = []
    for index, step in enumerate(steps):
        if step.spec is not None:  # named: a preset, with the parameters beside it if last
            changes = _changed(step.spec.output)
            specs.append(step.spec.with_fields({"output": _OUTPUT}))
        else:
            changes = step.output
            last = index == len(steps) - 1
            if changes.get("ch") and not last:  # the hints set the answer's size: the last
                key = "w" if "width" in changes["ch"] else "dpr"
                raise ParamError(key, f"{key}-auto works in the last step of a chain only")
            spec = stage_spec(
                step.fields, step.overlays, base if last else None, imgix_fit and last
            )
            specs.append(spec.with_fields({"output": _OUTPUT}))  # base's: added below
        # e-contrast (auto enhance) in any step stays, whatever a later f- says of auto.
        enhance = output.auto & ENHANCE
        output = replace(output, **changes)
        output = replace(output, auto=output.auto | enhance)
    for name, value in _changed(base.output).items():
        if getattr(output, name) != getattr(_OUTPUT, name):
            raise ParamError(name, "is set both by tr and as an imgix parameter")
        output = replace(output, **{name: value})
    defaults = {spec.default_image for spec in specs} - {None}
    if len(defaults) > 1:
        raise ParamError("di", "given more than once")
    specs = [spec.with_fields({"default_image": None}) for spec in specs]
    stages = [specs[0]]
    for spec in specs[1:]:
        if stages[-1] == _NOTHING:  # a step of output options only: no pass of its own
            stages[-1] = spec
        elif _joins(stages[-1], spec):
            stages[-1] = stages[-1].with_fields(
                {"rotation.rot": spec.rotation.rot or stages[-1].rotation.rot,
                 "overlays": stages[-1].overlays + spec.overlays}
            )
        else:
            stages.append(spec)
    stages[-1] = stages[-1].with_fields(
        {"output": output, "default_image": next(iter(defaults), None)}
    )
    return tuple(stages)


def _joins(stage: TransformSpec, step: TransformSpec) -> bool:
    """Whether one pass doing both gives what `step` run on `stage`'s output gives: for a
    step that only rotates, or only adds layers, which the pipeline runs after the rest."""
    if step.with_fields({"rotation.rot": 0, "overlays": ()}) != _NOTHING:
        return False
    rot = step.rotation.rot
    corners = rot % 90 != 0  # a quarter turn leaves no corners to fill
    if rot and (stage.rotation.rot or stage.overlays or (corners and stage.frame.bg is not None)):
        return False  # one pass would draw the layers upright, or fill the corners with bg
    # Layers are sized at the stage's dpr; a later step's are at 1.
    return not (step.overlays and stage.size.dpr != 1)


def _changed(output: Output) -> dict[str, Any]:
    """An Output's fields that differ from the default, by name."""
    return {
        f.name: getattr(output, f.name)
        for f in fields(output)
        if getattr(output, f.name) != getattr(_OUTPUT, f.name)
    }
