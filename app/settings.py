"""Configuration: a TOML file of sources and limits, overridden by `SIGNET_*` variables.

Keys never live in the file: a source lists references (`env:NAME` or `file:PATH`)
that are resolved at start-up by `app.keys`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from app.config_messages import describe, read_toml, source_names
from app.settings_sources import SourceConfig, check_s3_credentials, key_references
from transforms.marks import MARK_CACHE_BYTES
from transforms.spec import Limits


class ConfigError(Exception):
    """Invalid configuration; the message names the offending key and never a key's value."""



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


class ServerConfig(BaseModel):
    """The listener: TLS, and the origin secret its CDN must send (app.origin_auth)."""

    model_config = ConfigDict(extra="forbid")

    tls_cert: Path | None = None  # PEM certificate chain; reloaded when the file changes
    tls_key: Path | None = None  # PEM private key
    origin_secrets: list[str] = []  # env:/file: references; any one admits a request
    origin_header: str = Field("Authorization", pattern=r"^[A-Za-z0-9-]{1,64}$")

    _origin_refs = field_validator("origin_secrets")(key_references)

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
