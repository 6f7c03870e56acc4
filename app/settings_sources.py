"""The sources' configuration: one model per source type (folder, s3, web_folder,
web_proxy) on a common base, and the checks of key references and S3 credentials that
app.settings shares.

Keys never live in the file: a source lists references (`env:NAME` or `file:PATH`)
that are resolved at start-up by `app.keys`.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# A host name or IPv4 address, optionally `*.` for any subdomain (a Referer pattern).
_LABEL = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"
_HOST_PATTERN = re.compile(rf"(\*\.)?{_LABEL}(\.{_LABEL})*")


def _is_reference(ref: str) -> bool:
    return ref.startswith(("env:", "file:")) and len(ref.split(":", 1)[1]) > 0


S3_CREDENTIALS = ("access_key_id", "secret_access_key", "session_token", "profile", "role_arn",
                  "role_session_name", "external_id")
_S3_SECRETS = ("access_key_id", "secret_access_key", "session_token", "external_id")


def check_s3_credentials(values: dict[str, Any], prefix: str = "") -> None:
    """S3 credentials in a config section (fields named `prefix` + S3_CREDENTIALS): the
    secrets are key references, keys come in pairs, and a profile does not mix with keys."""
    for name in _S3_SECRETS:
        ref = values.get(prefix + name)
        if ref is not None and not _is_reference(ref):
            # Never echo the value: it may be a key pasted inline by mistake.
            raise ValueError(f"{prefix + name} must be a reference, env:NAME or file:PATH")
    has_id = values.get(prefix + "access_key_id") is not None
    if has_id != (values.get(prefix + "secret_access_key") is not None):
        raise ValueError(f"give {prefix}access_key_id and {prefix}secret_access_key together")
    if has_id and values.get(prefix + "profile"):
        raise ValueError(f"give {prefix}profile or keys, not both")


def key_references(refs: list[str]) -> list[str]:
    for ref in refs:
        if not _is_reference(ref):
            # Never echo the value: it may be a key pasted inline by mistake.
            raise ValueError("each key must be a reference, env:NAME or file:PATH")
    return refs


class SourceConfigBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    domains: list[str] = []
    secure: bool = False
    scheme: Literal["hmac-sha256", "imgix", "imagekit"] = "hmac-sha256"
    keys: list[str] = []
    ttl: int = Field(31_536_000, ge=0)
    expired_status: int = Field(404, ge=400, le=599)
    max_expiry_ahead: int = Field(31_536_000, gt=0)  # seconds; a later expiry answers 400
    origin_secrets: list[str] | None = None  # None: the server's; [] : none for this source
    private_prefixes: list[str] = []  # paths under these are served only on signed URLs
    # Hotlink protection (app.referer): hosts whose pages may show this source's images.
    allowed_referers: list[str] = []  # example.com, *.example.com (subdomains only)
    require_referer: bool = False  # refuse requests that carry no Referer too
    # Presets (transforms.dialects.presets): named parameter sets, ?preset=NAME or n-NAME.
    presets: dict[str, str] = {}  # NAME = "w=300&h=300&fit=crop&mark=/logo.png"
    preset_override: bool = True  # false: a URL may not set what its preset sets
    strict: bool = False  # only preset URLs (plus expires and the signature)
    # ImageKit's orig-true serves the stored file, EXIF and GPS included: signed URLs only,
    # unless this says any URL may.
    allow_original: bool = False
    # Parameters imgix does not define (`v=2`) are ignored; true refuses them (400).
    strict_params: bool = False
    # The image answered for a missing original, in both dialects (imgix's Default Image;
    # ImageKit's di- names one per URL): a path in this source, rendered with the URL's
    # transformations, cached for default_image_ttl seconds (short: the original may come).
    default_image: str | None = None
    default_image_ttl: int = Field(300, ge=0)
    # The media library (app.media): ImageKit's upload and file API under this endpoint.
    media_api: bool = False

    _keys_are_references = field_validator("keys")(key_references)

    @field_validator("origin_secrets")
    @classmethod
    def _origin_secrets_are_references(cls, refs: list[str] | None) -> list[str] | None:
        return None if refs is None else key_references(refs)

    @field_validator("domains")
    @classmethod
    def _lower_domains(cls, domains: list[str]) -> list[str]:
        return [d.strip().lower() for d in domains]

    @field_validator("allowed_referers")
    @classmethod
    def _referer_patterns(cls, patterns: list[str]) -> list[str]:
        cleaned = [p.strip().lower().rstrip(".") for p in patterns]
        for pattern in cleaned:
            if not _HOST_PATTERN.fullmatch(pattern):
                raise ValueError(
                    f"{pattern!r} is not a host pattern: write example.com or *.example.com"
                )
        return cleaned

    @model_validator(mode="after")
    def _referer_and_presets_consistent(self) -> SourceConfigBase:
        if self.require_referer and not self.allowed_referers:
            raise ValueError("require_referer needs the hosts it allows in `allowed_referers`")
        if self.strict and not self.presets:
            raise ValueError("a strict source serves only presets: give it `presets`")
        return self

    def is_private_path(self, path: str) -> bool:
        return any(path.startswith(p.lstrip("/")) for p in self.private_prefixes)

    @model_validator(mode="after")
    def _media_api_consistent(self) -> SourceConfigBase:
        if self.media_api:
            if getattr(self, "type", None) not in ("folder", "s3"):
                raise ValueError("media_api needs a folder or s3 source (it writes files)")
            if self.scheme != "imagekit" or not self.keys:
                raise ValueError('media_api needs scheme = "imagekit" and a private key in `keys`')
        return self

    @model_validator(mode="after")
    def _secure_needs_keys(self) -> SourceConfigBase:
        if self.secure and not self.keys:
            raise ValueError("a secure source needs at least one key in `keys`")
        return self

    def source_options(self) -> dict[str, Any]:
        """The options its source class takes (everything that is not common to all sources)."""
        common = set(SourceConfigBase.model_fields)
        return {k: v for k, v in self.model_dump().items() if k not in common and k != "type"}


class FolderSourceConfig(SourceConfigBase):
    type: Literal["folder"]
    root: Path
    # How long a file's look (validator, first bytes) is reused before it is looked at again
    # (sources.folder.FolderSource.recent_peek); 0: at every request.
    stat_cache_seconds: float = Field(1.0, ge=0, le=60)


class S3SourceConfig(SourceConfigBase):
    type: Literal["s3"]
    bucket: str = Field(min_length=1)
    prefix: str = ""
    region: str | None = None
    endpoint_url: str | None = None  # for MinIO and other S3-compatible stores
    # Its own credentials, for a bucket in another account; none: the standard AWS chain.
    access_key_id: str | None = None  # env:NAME or file:PATH, as keys
    secret_access_key: str | None = None
    session_token: str | None = None
    profile: str | None = None  # a profile of the shared AWS config files
    role_arn: str | None = None  # assumed with the credentials above (or the chain)
    role_session_name: str = "signet"
    external_id: str | None = None

    @model_validator(mode="after")
    def _s3_credentials(self) -> S3SourceConfig:
        check_s3_credentials(self.model_dump())
        return self


class WebFolderSourceConfig(SourceConfigBase):
    type: Literal["web_folder"]
    base_url: str = Field(pattern=r"^https?://[^?#]+$")


class WebProxySourceConfig(SourceConfigBase):
    type: Literal["web_proxy"]
    allowed_hosts: list[str] = []  # host patterns; empty: any public host
    allowed_networks: list[str] = []  # CIDRs opened explicitly (tests, intranets)
    max_redirects: int = Field(3, ge=0, le=10)

    @field_validator("allowed_networks")
    @classmethod
    def _cidrs(cls, networks: list[str]) -> list[str]:
        for net in networks:
            ipaddress.ip_network(net, strict=False)  # ValueError names the bad entry
        return networks

    @model_validator(mode="after")
    def _needs_keys(self) -> WebProxySourceConfig:
        if not self.keys:
            raise ValueError("a web_proxy source always checks signatures: give it `keys`")
        return self


SourceConfig = Annotated[
    FolderSourceConfig | S3SourceConfig | WebFolderSourceConfig | WebProxySourceConfig,
    Field(discriminator="type"),
]
