"""The S3 source against moto's S3 server on 127.0.0.1, with credentials from the environment."""

from __future__ import annotations

import time

import anyio
import pytest

from sources.base import BadPath, NotFound, SourceError, TimedOut, TooLarge, Unreachable
from sources.s3 import S3Source
from tests import imagegen
from tests.s3server import ADMIN, admin_client, iam_enforced, use_test_credentials
from tests.servers import free_socket

BUCKET = "signet-media"
IMAGE = imagegen.jpeg(64, 48)
BIG = b"\xff" * 300_000


@pytest.fixture(scope="module")
def moto(moto):
    """conftest's moto, with what these tests need in it."""
    s3 = admin_client(moto)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="dog.jpg", Body=IMAGE, ContentType="image/jpeg")
    s3.put_object(Bucket=BUCKET, Key="photos/dog.jpg", Body=IMAGE[:100])
    s3.put_object(Bucket=BUCKET, Key="caf\u00e9 photo.jpg", Body=IMAGE)
    s3.put_object(Bucket=BUCKET, Key="big.jpg", Body=BIG)
    s3.put_object(Bucket=BUCKET, Key="secret.jpg", Body=IMAGE, Metadata={"private": "true"})
    return moto


@pytest.fixture(autouse=True)
def aws_env(monkeypatch, tmp_path):
    use_test_credentials(monkeypatch, tmp_path)
    return monkeypatch


def fetch(endpoint: str, raw_path: str, *, bucket: str = BUCKET, **options):
    options = {"max_bytes": 200_000, "timeout": 2.0, **options}

    async def main():
        source = S3Source("s3", bucket=bucket, region="us-east-1", endpoint_url=endpoint, **options)
        try:
            return await source.fetch(source.path_from_url(raw_path))
        finally:
            await source.close()

    return anyio.run(main)


def refused(endpoint: str, raw_path: str, kind, **options) -> SourceError:
    with pytest.raises(kind) as info:
        fetch(endpoint, raw_path, **options)
    message = str(info.value)
    assert "127.0.0.1" not in message and ADMIN["aws_access_key_id"] not in message
    return info.value


def test_fetches_object_with_validators(moto):
    head = admin_client(moto).head_object(Bucket=BUCKET, Key="dog.jpg")
    original = fetch(moto, "dog.jpg")
    assert original.data == IMAGE
    assert original.content_type == "image/jpeg"
    assert original.etag == head["ETag"]
    assert original.last_modified == head["LastModified"].timestamp()
    assert original.private is False


def test_percent_encoded_key(moto):
    assert fetch(moto, "caf%C3%A9%20photo.jpg").data == IMAGE


def test_prefix(moto):
    assert fetch(moto, "dog.jpg", prefix="/photos/").data == IMAGE[:100]
    assert fetch(moto, "dog.jpg", prefix="photos").data == IMAGE[:100]


def test_missing_key_is_not_found(moto):
    refused(moto, "nope.jpg", NotFound)


def test_path_may_not_leave_the_prefix(moto):
    refused(moto, "a/%2E%2E/dog.jpg", BadPath)


def test_missing_bucket_is_unreachable(moto):
    refused(moto, "dog.jpg", Unreachable, bucket="no-such-bucket")


def test_credentials_without_permission_are_unreachable(moto, aws_env):
    """moto with IAM enforcement: a real user with no policy is refused, as on AWS."""
    iam = admin_client(moto, "iam")
    iam.create_user(UserName="nobody")
    key = iam.create_access_key(UserName="nobody")["AccessKey"]
    aws_env.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    aws_env.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    with iam_enforced(moto):
        err = refused(moto, "dog.jpg", Unreachable)
    assert "refused access" in str(err)
    assert key["AccessKeyId"] not in str(err)


def test_unknown_credentials_are_unreachable(moto, aws_env):
    aws_env.setenv("AWS_ACCESS_KEY_ID", "AKIANOSUCHKEY0000000")
    with iam_enforced(moto):
        refused(moto, "dog.jpg", Unreachable)


def test_private_metadata(moto):
    assert fetch(moto, "secret.jpg").private is True


def test_too_large(moto):
    refused(moto, "big.jpg", TooLarge, max_bytes=len(BIG) - 1)
    assert len(fetch(moto, "big.jpg", max_bytes=len(BIG)).data) == len(BIG)


def test_closed_port_is_unreachable():
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    refused(f"http://127.0.0.1:{port}", "dog.jpg", (Unreachable, TimedOut))


def test_silent_endpoint_times_out_within_the_timeout():
    """A server that accepts connections and never answers."""
    sock = free_socket()
    sock.listen(8)
    try:
        started = time.monotonic()
        refused(f"http://127.0.0.1:{sock.getsockname()[1]}", "dog.jpg", TimedOut, timeout=0.5)
        assert time.monotonic() - started < 1.5
    finally:
        sock.close()
