"""An S3 bucket (AWS, MinIO or any S3-compatible server): `/{source}/a/b.jpg` is `{prefix}a/b.jpg`.

Credentials are the source's own (sources.s3_credentials: key references, a profile or a
role to assume), else the standard AWS chain (environment, shared files, instance or task
role); never values written in Signet's config. boto3 is synchronous, so every call runs in a worker
thread; one client per source is shared by those threads (boto3 clients are thread-safe).
"""

from __future__ import annotations

import mimetypes
import time
from typing import Any

import anyio
import anyio.to_thread
import botocore.exceptions as boto_errors
from botocore.config import Config

from sources.base import BadPath, NotFound, Original, TimedOut, TooLarge, Unreachable
from sources.file_meta import meta_from_s3
from sources.library import refuse_state_path
from sources.paths import decode_path
from sources.s3_credentials import S3Credentials, s3_session

_CHUNK = 256 * 1024
NOT_FOUND_CODES = frozenset({"NoSuchKey", "NotFound", "404"})
# A missing bucket or refused credentials are the operator's problem, not the client's:
# answering 404 would hide a broken deployment behind CDN-cached "not found" pages.
_REFUSED_CODES = frozenset(
    {
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "NoSuchBucket",
        "InvalidToken",
        "ExpiredToken",
        "AllAccessDisabled",
        "AccountProblem",
    }
)


def s3_client(
    region: str | None,
    endpoint_url: str | None,
    timeout: float,
    attempts: int,
    credentials: S3Credentials | None = None,
):
    """A boto3 S3 client of our own (boto3's default session is shared module state),
    with the given credentials or the standard AWS chain, and short timeouts."""
    config = Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"total_max_attempts": attempts, "mode": "standard"},
        max_pool_connections=32,
        # S3-compatible servers on a plain host:port rarely have per-bucket DNS names.
        s3={"addressing_style": "path"} if endpoint_url else None,
    )
    return s3_session(credentials, region).client(
        "s3", region_name=region, endpoint_url=endpoint_url, config=config
    )


class S3Source:
    requires_signature = False
    cache_originals = True

    def __init__(
        self,
        name: str,
        *,
        bucket: str,
        prefix: str = "",
        region: str | None = None,
        endpoint_url: str | None = None,
        credentials: S3Credentials | None = None,
        max_bytes: int,
        timeout: float,
    ) -> None:
        self.name = name
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.max_bytes = max_bytes
        self.timeout = timeout
        self._client = s3_client(region, endpoint_url, timeout, 2, credentials)

    @property
    def client(self) -> Any:
        """The boto3 client, shared with the source's media library (sources.library_s3)."""
        return self._client

    def path_from_url(self, raw_path: str) -> str:
        return decode_path(raw_path)

    def _read(self, path: str, deadline: float) -> Original:
        key = self.prefix + refuse_state_path(path)  # the media library's private state
        response = self._client.get_object(Bucket=self.bucket, Key=key)
        body = response["Body"]
        try:
            if response.get("ContentLength", 0) > self.max_bytes:
                raise TooLarge(f"the original is over the limit of {self.max_bytes} bytes")
            data = bytearray()
            while chunk := body.read(_CHUNK):
                data += chunk
                if len(data) > self.max_bytes:  # the object changed since its headers
                    raise TooLarge(f"the original is over the limit of {self.max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise TimedOut("the source did not answer in time")
        finally:
            body.close()  # unread bytes are dropped with the connection, not downloaded
        last_modified = response.get("LastModified")
        metadata = response.get("Metadata", {})
        etag = response.get("ETag")
        if etag and metadata.get("generation", "0") != "0":  # a media-library purge
            etag += "-g" + metadata["generation"]
        return Original(
            data=bytes(data),
            content_type=response.get("ContentType") or mimetypes.guess_type(path)[0],
            etag=etag,
            last_modified=last_modified.timestamp() if last_modified else None,
            private=metadata.get("private", "").lower() == "true",
            focus=meta_from_s3(metadata).focus(),
        )

    async def fetch(self, path: str) -> Original:
        try:
            with anyio.fail_after(self.timeout):
                # If the deadline passes, the thread is left to end on botocore's own
                # timeouts; the client gets its answer now.
                return await anyio.to_thread.run_sync(
                    self._read, path, time.monotonic() + self.timeout, abandon_on_cancel=True
                )
        except TimeoutError:
            raise TimedOut("the source did not answer in time") from None
        except boto_errors.ClientError as err:
            raise _client_error(err, path) from None
        except (boto_errors.ConnectTimeoutError, boto_errors.ReadTimeoutError):
            raise TimedOut("the source did not answer in time") from None
        except (boto_errors.NoCredentialsError, boto_errors.PartialCredentialsError):
            raise Unreachable("the source has no usable credentials") from None
        except boto_errors.ParamValidationError:
            raise BadPath("the path is not a valid object key") from None
        except boto_errors.BotoCoreError:
            # Their messages name endpoints and addresses; say only what happened.
            raise Unreachable("the source could not be reached") from None

    async def close(self) -> None:
        self._client.close()


def _client_error(err: boto_errors.ClientError, path: str) -> Exception:
    error: dict[str, Any] = err.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code in _REFUSED_CODES or status == 403:
        return Unreachable("the source refused access to its storage")
    if code in NOT_FOUND_CODES or status == 404:
        return NotFound(f"no such image: {path}")
    if code in ("KeyTooLongError", "InvalidURI", "InvalidObjectName"):
        return BadPath("the path is not a valid object key")
    if code == "RequestTimeout":
        return TimedOut("the source did not answer in time")
    return Unreachable("the source failed")
