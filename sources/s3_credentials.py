"""Credentials of one S3 source or cache tier: its own keys, a named profile, or a role to
assume; without any of them, boto3's standard chain (environment, shared files, instance
or task role). Values arrive resolved (app.keys reads the `env:`/`file:` references);
nothing here logs or repeats them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import boto3
import botocore.session
from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials


@dataclass(frozen=True)
class S3Credentials:
    access_key_id: str | None = field(default=None, repr=False)
    secret_access_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    profile: str | None = None
    role_arn: str | None = None
    role_session_name: str = "signet"
    external_id: str | None = field(default=None, repr=False)


def s3_session(credentials: S3Credentials | None, region: str | None) -> boto3.session.Session:
    """A boto3 session of our own (boto3's default session is shared module state)."""
    if credentials is None:
        return boto3.session.Session()
    base = boto3.session.Session(
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        profile_name=credentials.profile,
        region_name=region,
    )
    if credentials.role_arn is None:
        return base
    # The role's temporary credentials, fetched on first use and refreshed before they
    # expire (botocore's own machinery, as a profile with role_arn uses it).
    extra = {"RoleSessionName": credentials.role_session_name}
    if credentials.external_id:
        extra["ExternalId"] = credentials.external_id
    fetcher = AssumeRoleCredentialFetcher(
        client_creator=base._session.create_client,
        source_credentials=base.get_credentials(),
        role_arn=credentials.role_arn,
        extra_args=extra,
    )
    core = botocore.session.Session()
    core._credentials = DeferredRefreshableCredentials(
        refresh_using=fetcher.fetch_credentials, method="assume-role"
    )
    return boto3.session.Session(botocore_session=core, region_name=region)
