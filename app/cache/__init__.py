"""The result cache: memory, disk and S3 tiers and their blob format.

Its single flight is `sources.single_flight`, shared with the originals cache.

The rest of `app` uses `app.cache.result.ResultCache` (built from settings) and the
result names (`app.cache.outcomes`), nothing below them; the tiers and the blob format
are this wing's own business.
"""
