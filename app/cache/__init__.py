"""The result cache: memory, disk and S3 tiers, their blob format, and single flight.

The rest of `app` uses `app.cache.result.ResultCache` (built from settings) and
nothing below it; the tiers and the blob format are this wing's own business.
"""
