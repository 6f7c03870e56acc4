"""Operations: the `signet` CLI and its worker supervisor, health and metrics routes, the demo.

The request edge uses `app.ops.routes` (the ops lifespan, middleware and routes) and
`app.ops.metrics.Metrics`; `app.ops.cli:main` is the console script.
"""
