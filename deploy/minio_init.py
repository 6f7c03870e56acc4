"""docker compose's one-shot `minio-init`: create the bucket and upload the demo pictures.

The photos are marked private (`x-amz-meta-private: true`): Signet then serves them
only on signed URLs, although the source is not `secure`. The logo stays public.
Running it again overwrites the same objects.

From the environment: S3_ENDPOINT, BUCKET, and the usual AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION.
"""

from __future__ import annotations

import mimetypes
import os
import sys
import time

import boto3
import botocore.exceptions

from app.ops.demo import ensure_demo_images

PUBLIC = frozenset({"logo.png"})  # a watermark is no secret


def wait_until_up(client, seconds: float) -> None:
    """MinIO takes a moment to start; compose starts this container right away."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            client.list_buckets()
            return
        except (botocore.exceptions.EndpointConnectionError,
                botocore.exceptions.ClientError) as err:
            if time.monotonic() > deadline:
                raise SystemExit(f"minio_init: S3 did not answer: {err}") from None
            time.sleep(1)


def upload_demo(client, bucket: str) -> list[str]:
    """Create `bucket` if needed and put the demo pictures in it; return what was put."""
    try:
        client.create_bucket(Bucket=bucket)
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass
    done = []
    for file in sorted(ensure_demo_images().iterdir()):
        private = file.name not in PUBLIC
        client.put_object(
            Bucket=bucket,
            Key=file.name,
            Body=file.read_bytes(),
            ContentType=mimetypes.guess_type(file.name)[0] or "application/octet-stream",
            Metadata={"private": "true"} if private else {},
        )
        done.append(f"{file.name}{' (private)' if private else ''}")
    return done


def main() -> int:
    client = boto3.session.Session().client("s3", endpoint_url=os.environ["S3_ENDPOINT"])
    wait_until_up(client, float(os.environ.get("S3_WAIT_SECONDS", "60")))
    bucket = os.environ.get("BUCKET", "signet-demo")
    for line in upload_demo(client, bucket):
        print(f"minio_init: s3://{bucket}/{line}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
