"""moto's S3 in server mode on 127.0.0.1, a real HTTP endpoint for the S3 source tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

# The account that sets buckets up. moto accepts any key until IAM checks are switched on.
ADMIN = {"aws_access_key_id": "AKIAADMINTESTKEY0000", "aws_secret_access_key": "admin-secret"}
REGION = "us-east-1"


@contextlib.contextmanager
def run_moto(host: str = "127.0.0.1") -> Iterator[str]:
    """Start moto on a free port of `host`; yield its endpoint URL."""
    server = ThreadedMotoServer(ip_address=host, port=0, verbose=False)
    server.start()
    try:
        bound_host, port = server.get_host_and_port()
        yield f"http://{bound_host}:{port}"
    finally:
        server.stop()


def use_test_credentials(mp: pytest.MonkeyPatch, scratch: Path) -> None:
    """Make the standard credential chain see only the admin test key: no config files,
    no profile, and never the instance metadata address."""
    mp.setenv("AWS_ACCESS_KEY_ID", ADMIN["aws_access_key_id"])
    mp.setenv("AWS_SECRET_ACCESS_KEY", ADMIN["aws_secret_access_key"])
    mp.delenv("AWS_SESSION_TOKEN", raising=False)
    mp.delenv("AWS_PROFILE", raising=False)
    mp.setenv("AWS_CONFIG_FILE", str(scratch / "none"))
    mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(scratch / "none"))
    mp.setenv("AWS_EC2_METADATA_DISABLED", "true")


def admin_client(endpoint: str, service: str = "s3"):
    return boto3.session.Session().client(
        service, region_name=REGION, endpoint_url=endpoint, **ADMIN
    )


@contextlib.contextmanager
def iam_enforced(endpoint: str) -> Iterator[None]:
    """Make moto check every request's credentials and IAM policies, as AWS does."""
    httpx.post(f"{endpoint}/moto-api/reset-auth", content=b"0", trust_env=False)
    try:
        yield
    finally:
        httpx.post(f"{endpoint}/moto-api/reset-auth", content=b"inf", trust_env=False)
