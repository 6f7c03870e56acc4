"""The URL dialects Signet speaks, each parsed into the one `TransformSpec`.

`imgix` (with `imgix_overlay` for `mark*` and `txt*`) is the native query dialect;
`imagekit` (with `imagekit_layers`) reads `tr=` in the query or `/tr:.../` in the path.
"""
