"""The shared tier of the result cache: an S3 bucket (or MinIO) that several hosts read and fill.

Every method blocks (boto3): the result cache calls them in worker threads, under a short
timeout, and any failure is a miss. A PUT is atomic in S3, and entries carry the same
checksum as on disk (app.cache.blob), so a damaged object is never served.

Nothing here evicts: give the bucket (or the prefix) a lifecycle rule that expires objects
after some days. Credentials: the tier's own (`s3_access_key_id`, ...), else the standard AWS chain.
"""

from __future__ import annotations

import logging

import botocore.exceptions as boto_errors

from app.cache.blob import entry_name, pack, unpack
from app.cache.outcomes import HIT_S3
from sources.s3 import NOT_FOUND_CODES, s3_client
from sources.s3_credentials import S3Credentials

log = logging.getLogger("signet.cache")


class S3Tier:
    result = HIT_S3  # app.cache.result.Tier
    in_thread = True
    write_behind = True  # after the answer: other hosts can wait, this request need not

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        timeout: float,  # seconds: cache.s3_timeout (app.settings) holds the default
        credentials: S3Credentials | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.timeout = timeout
        # A read past this is abandoned as a miss; botocore's own timeouts come first.
        self.read_timeout = timeout * 2
        # One attempt: a cache that retries slowly is worse than a miss.
        self._client = s3_client(region, endpoint_url, timeout, 1, credentials)

    def _key(self, key: str) -> str:
        return self.prefix + entry_name(key)

    def get(self, key: str) -> bytes | None:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
            with response["Body"] as body:
                blob = body.read()
        except boto_errors.ClientError as err:
            if str(err.response.get("Error", {}).get("Code", "")) not in NOT_FOUND_CODES:
                log.warning("S3 cache: read refused (%s)", _code(err))
            return None
        except (boto_errors.BotoCoreError, OSError) as err:
            log.warning("S3 cache: read failed (%s)", type(err).__name__)
            return None
        body = unpack(blob)
        if body is None:
            log.warning("S3 cache: ignored a damaged entry")
        return body

    def put(self, key: str, data: bytes) -> None:
        try:
            self._client.put_object(Bucket=self.bucket, Key=self._key(key), Body=pack(data))
        except boto_errors.ClientError as err:
            log.warning("S3 cache: write refused (%s)", _code(err))
        except (boto_errors.BotoCoreError, OSError) as err:
            log.warning("S3 cache: write failed (%s)", type(err).__name__)

    def close(self) -> None:
        self._client.close()


def _code(err: boto_errors.ClientError) -> str:
    # The code only: messages can name endpoints and accounts.
    return str(err.response.get("Error", {}).get("Code", "unknown"))
