"""The media library of an S3 source: files are objects, metadata is object metadata.

A PUT is atomic in S3 (readers see the old object or the new one), so a write is one
put_object with its metadata; a metadata change is a copy of the object onto itself with
new metadata. Used upload tokens are empty objects under `<prefix>.signet/tokens/`, put
with `IfNoneMatch="*"` so that exactly one put of a token succeeds across every host.
Every method blocks (boto3); the app calls them in worker threads.
"""

from __future__ import annotations

import mimetypes
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import botocore.exceptions as boto_errors

from sources.base import BadPath, NotFound, Unreachable
from sources.file_meta import FileMeta, meta_from_s3, meta_to_s3
from sources.library import (
    STATE_DIR,
    AlreadyExists,
    Entry,
    TooManyFiles,
    refuse_state_path,
    token_record_name,
)
from sources.paths import check_relative
from sources.s3 import _client_error

MAX_LISTED = 1000  # objects whose metadata one listing reads (a HEAD each)
HEAD_THREADS = 8


def _code(err: boto_errors.ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def _status(err: boto_errors.ClientError) -> int | None:
    return err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


class S3Library:
    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix

    def _key(self, path: str) -> str:
        return self.prefix + refuse_state_path(check_relative(path))

    def _call(self, fn: Any, path: str, **kwargs: Any) -> Any:
        try:
            return fn(Bucket=self.bucket, **kwargs)
        except boto_errors.ClientError as err:
            raise _client_error(err, path) from None
        except boto_errors.BotoCoreError:
            raise Unreachable("the source could not be reached") from None

    def stat(self, path: str) -> Entry | None:
        try:
            head = self._call(self._client.head_object, path, Key=self._key(path))
        except NotFound:
            return None
        return self._entry(path, head)

    @staticmethod
    def _entry(path: str, head: dict[str, Any]) -> Entry:
        modified = head.get("LastModified")
        return Entry(
            path,
            int(head.get("ContentLength", 0)),
            modified.timestamp() if modified else 0.0,
            meta_from_s3(head.get("Metadata", {})),
        )

    def write(self, path: str, data: bytes, meta: FileMeta, *, overwrite: bool = True) -> Entry:
        extra: dict[str, Any] = {} if overwrite else {"IfNoneMatch": "*"}
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=self._key(path),
                Body=data,
                Metadata=meta_to_s3(meta),
                ContentType=_content_type(path),
                **extra,
            )
        except boto_errors.ClientError as err:
            if _code(err) == "PreconditionFailed" or _status(err) == 412:
                raise AlreadyExists(path) from None
            raise _client_error(err, path) from None
        except boto_errors.BotoCoreError:
            raise Unreachable("the source could not be reached") from None
        entry = self.stat(path)
        if entry is None:
            raise Unreachable("the source lost the file just written")
        return entry

    def update_meta(self, path: str, meta: FileMeta) -> None:
        key = self._key(path)
        head = self._call(self._client.head_object, path, Key=key)
        self._call(
            self._client.copy_object,
            path,
            Key=key,
            CopySource={"Bucket": self.bucket, "Key": key},
            Metadata=meta_to_s3(meta),
            MetadataDirective="REPLACE",
            ContentType=head.get("ContentType") or _content_type(path),
            # Only if it is still the object we read: a concurrent upload wins.
            CopySourceIfMatch=head["ETag"],
        )

    def delete(self, path: str) -> bool:
        if self.stat(path) is None:
            return False
        self._call(self._client.delete_object, path, Key=self._key(path))
        return True

    def list(self, folder: str, recursive: bool) -> tuple[list[Entry], list[str]]:
        base = self.prefix + (check_relative(folder) + "/" if folder else "")
        kwargs: dict[str, Any] = {"Prefix": base}
        if not recursive:
            kwargs["Delimiter"] = "/"
        keys: list[str] = []
        folders: list[str] = []
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, **kwargs):
                for common in page.get("CommonPrefixes", []):
                    rel = common["Prefix"][len(self.prefix) :].rstrip("/")
                    if rel != STATE_DIR:
                        folders.append(rel)
                for obj in page.get("Contents", []):
                    rel = obj["Key"][len(self.prefix) :]
                    if rel.startswith(STATE_DIR + "/") or not _servable(rel):
                        continue  # state, folder markers, keys no URL could name
                    keys.append(rel)
                    if len(keys) > MAX_LISTED:
                        raise TooManyFiles(f"more than {MAX_LISTED} objects")
        except boto_errors.ClientError as err:
            raise _client_error(err, folder or "/") from None
        except boto_errors.BotoCoreError:
            raise Unreachable("the source could not be reached") from None
        with ThreadPoolExecutor(HEAD_THREADS) as pool:
            entries = [e for e in pool.map(self.stat, keys) if e is not None]
        return entries, folders

    def claim_token(self, token: str) -> bool:
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=f"{self.prefix}{STATE_DIR}/tokens/{token_record_name(token)}",
                Body=b"",
                IfNoneMatch="*",
            )
        except boto_errors.ClientError as err:
            if _code(err) in ("PreconditionFailed", "ConditionalRequestConflict") or _status(
                err
            ) in (409, 412):
                return False
            raise _client_error(err, "token") from None
        except boto_errors.BotoCoreError:
            raise Unreachable("the source could not be reached") from None
        return True


def _servable(rel: str) -> bool:
    try:
        return check_relative(rel) == rel
    except BadPath:
        return False


def _content_type(path: str) -> str:
    return mimetypes.guess_type(path)[0] or "application/octet-stream"
