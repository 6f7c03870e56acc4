"""The URL dialects Signet speaks, each parsed into the one `TransformSpec` (or a Chain of them).

`imgix` (with `imgix_overlay` for `mark*` and `txt*`) is the native query dialect;
`imagekit` (with `imagekit_keys` for a step's options and `imagekit_layers` for its
layers) reads `tr=` in the query or `/tr:.../` in the path, chained steps included.
`presets` expands a source's named parameter sets for both. transforms.parser is the one
entry the app calls.
"""
