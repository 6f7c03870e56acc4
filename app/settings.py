"""Configuration: a TOML file of sources and limits, overridden by `SIGNET_*` variables.

Keys never live in the file: a source lists references (`env:NAME` or `file:PATH`)
that are resolved at start-up by `app.keys`.
"""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from app.config_messages import describe, read_toml, source_names
from transforms.marks import MARK_CACHE_BYTES
from transforms.spec import Limits


class ConfigError(Exception):
    """Invalid configuration; the message names the offending key and never a key's value."""


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


class LimitsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_source_bytes: int = Field(52_428_800, gt=0)
    # The pixel and dpr defaults are the transforms' own (transforms.spec.Limits).
    max_input_pixels: int = Field(Limits.max_input_pixels, gt=0)
    max_output_pixels: int = Field(Limits.max_output_pixels, gt=0)
    max_dpr: float = Field(Limits.max_dpr, ge=1, le=10)
    transform_workers: int = Field(default_factory=lambda: os.cpu_count() or 1, gt=0)
    max_queue: int = Field(64, ge=0)  # requests waiting for a worker before 503
    source_timeout: float = Field(10.0, gt=0)  # seconds
    originals_cache_bytes: int = Field(134_217_728, ge=0)  # per worker process; 0 turns it off
    originals_cache_ttl: float = Field(300.0, ge=0)  # seconds
    mark_cache_bytes: int = Field(MARK_CACHE_BYTES, ge=0)  # decoded watermarks, per worker
    transform_timeout: float = Field(30.0, gt=0)  # seconds a request waits for its render
    # The request line and headers (app.ops.http_limits): size, and time to receive them.
    max_header_bytes: int = Field(32_768, ge=1024, le=1_048_576)  # larger: 431, closed
    header_timeout: float = Field(10.0, gt=0, le=300)  # seconds; slower: 408, closed
    max_frames: int = Field(1000, gt=0)  # frames or pages of an original (chunks follow it)
    max_decoded_pixels: int = Field(25_000_000, gt=0)  # decoded, after shrink-on-load: memory


class CacheConfig(BaseModel):
    """The result cache of rendered images (app.cache.result): memory, disk, S3 tiers."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    memory_bytes: int = Field(67_108_864, ge=0)  # per worker process; 0 turns the tier off
    disk_dir: Path | None = None  # shared by the workers of one host; None turns it off
    disk_bytes: int = Field(1_073_741_824, gt=0)
    s3_bucket: str | None = None  # shared by several hosts; None turns it off
    s3_prefix: str = "signet-cache/"
    s3_region: str | None = None
    s3_endpoint_url: str | None = None
    s3_timeout: float = Field(2.0, gt=0)  # seconds; a slower answer is a miss
    # The S3 tier's own credentials (see S3SourceConfig); none: the standard AWS chain.
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_session_token: str | None = None
    s3_profile: str | None = None
    s3_role_arn: str | None = None
    s3_role_session_name: str = "signet"
    s3_external_id: str | None = None

    @model_validator(mode="after")
    def _s3_credentials(self) -> CacheConfig:
        check_s3_credentials(self.model_dump(), "s3_")
        return self


class MetricsConfig(BaseModel):
    """Prometheus metrics: on the main listener at `path`, or on a listener of their own."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    path: str = Field("/metrics", pattern=r"^(/[A-Za-z0-9_./-]*)?$")  # "" : not on main
    port: int | None = Field(None, ge=1, le=65535)  # a separate listener, then only there
    host: str = "127.0.0.1"


def _references(refs: list[str]) -> list[str]:
    for ref in refs:
        if not ref.startswith(("env:", "file:")) or len(ref.split(":", 1)[1]) == 0:
            # Never echo the value: it may be a key pasted inline by mistake.
            raise ValueError("each key must be a reference, env:NAME or file:PATH")
    return refs


class ServerConfig(BaseModel):
    """The listener: TLS, and the origin secret its CDN must send (app.origin_auth)."""

    model_config = ConfigDict(extra="forbid")

    tls_cert: Path | None = None  # PEM certificate chain; reloaded when the file changes
    tls_key: Path | None = None  # PEM private key
    origin_secrets: list[str] = []  # env:/file: references; any one admits a request
    origin_header: str = Field("Authorization", pattern=r"^[A-Za-z0-9-]{1,64}$")

    _origin_refs = field_validator("origin_secrets")(_references)

    @model_validator(mode="after")
    def _tls_pair(self) -> ServerConfig:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("TLS needs both tls_cert and tls_key")
        return self

class ConsoleConfig(BaseModel):
    """The media library's web console (app.media.console): on a listener of its own, never
    on the public one. Off until a port is set."""

    model_config = ConfigDict(extra="forbid")

    port: int | None = Field(None, ge=1, le=65535)
    host: str = "127.0.0.1"
    # Where visitors reach the images (a CDN), for the URLs the console signs; "" : the
    # console's own address.
    public_url: str = Field("", pattern=r"^(https?://[^/?#]+)?$")


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
    # The image answered for a missing original, in both dialects (imgix's Default Image;
    # ImageKit's di- names one per URL): a path in this source, rendered with the URL's
    # transformations, cached for default_image_ttl seconds (short: the original may come).
    default_image: str | None = None
    default_image_ttl: int = Field(300, ge=0)
    # Parameters imgix does not define (`v=2`) are ignored; true refuses them (400).
    strict_params: bool = False
    # The media library (app.media): ImageKit's upload and file API under this endpoint.
    media_api: bool = False

    @field_validator("keys")
    @classmethod
    def _keys_are_references(cls, keys: list[str]) -> list[str]:
        for ref in keys:
            if not ref.startswith(("env:", "file:")) or len(ref.split(":", 1)[1]) == 0:
                # Never echo the value: it may be a key pasted inline by mistake.
                raise ValueError("each key must be a reference, env:NAME or file:PATH")
        return keys

    @field_validator("origin_secrets")
    @classmethod
    def _origin_secrets_are_references(cls, refs: list[str] | None) -> list[str] | None:
        return None if refs is None else _references(refs)

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


class Settings(BaseSettings):
    """Everything Signet is configured with. `load_settings` builds one."""

    model_config = SettingsConfigDict(
        env_prefix="SIGNET_", env_nested_delimiter="__", extra="forbid", toml_file=None
    )

    limits: LimitsConfig = LimitsConfig()
    cache: CacheConfig = CacheConfig()
    metrics: MetricsConfig = MetricsConfig()
    server: ServerConfig = ServerConfig()
    console: ConsoleConfig = ConsoleConfig()
    sources: list[SourceConfig] = []
    default_source: str | None = None
    demo: bool = False  # set by `signet serve` when it serves the bundled demo

    @model_validator(mode="after")
    def _sources_consistent(self) -> Settings:
        names = [s.name for s in self.sources]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"sources: the name {name!r} is used twice")
        if self.default_source is not None and self.default_source not in names:
            raise ValueError(f"default_source: no source is named {self.default_source!r}")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Precedence: explicit arguments, then SIGNET_* variables, then the TOML file.
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    def default_source_name(self) -> str | None:
        if self.default_source:
            return self.default_source
        return self.sources[0].name if len(self.sources) == 1 else None


def load_settings(config_path: str | os.PathLike[str] | None = None, **values: Any) -> Settings:
    """Read the TOML file (the argument, else `SIGNET_CONFIG`), apply `SIGNET_*` overrides.

    Raises ConfigError with a message that names the offending key: a source by its
    name (`sources[media].ttl`), a TOML syntax error by file and line.
    """
    path = config_path or os.environ.get("SIGNET_CONFIG") or None
    if path is not None and not Path(path).is_file():
        raise ConfigError(f"config: no such file: {path}")
    try:
        table = read_toml(path) if path else {}
    except ValueError as err:
        raise ConfigError(str(err)) from None
    names = source_names(values.get("sources", table.get("sources")))
    loaded = type(
        "LoadedSettings",
        (Settings,),
        {"model_config": SettingsConfigDict(**{**Settings.model_config, "toml_file": path})},
    )
    try:
        return Settings.model_validate(loaded(**values).model_dump())
    except ValidationError as err:
        raise ConfigError(describe(err, names)) from None
    except ValueError as err:  # malformed environment JSON
        raise ConfigError(f"config: {err}") from None
