"""Where a result came from: the `X-Signet-Cache` header values and the metric's labels."""

HIT_MEMORY, HIT_DISK, HIT_S3, MISS = "hit-memory", "hit-disk", "hit-s3", "miss"
CACHE_RESULTS = (HIT_MEMORY, HIT_DISK, HIT_S3, MISS)
