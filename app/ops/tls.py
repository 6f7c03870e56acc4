"""HTTPS for `signet serve`: a certificate and key from files, reloaded when they change.

uvicorn builds one SSLContext at start-up and hands it to the listening socket; every
handshake makes its TLS connection from that context. So a renewed certificate is
taken by loading it into the same, live context (SSLContext.load_cert_chain): new
handshakes use it, connections already open keep theirs, nothing restarts.

The files are checked once a second (two stat calls on the event loop, from the server's
own tick). A change is loaded only if the new pair loads into a scratch context first,
so a certificate written before its key (a renewal in progress) never leaves the live
context half-replaced; the old pair keeps serving and the next change is tried again.
"""

from __future__ import annotations

import logging
import os
import ssl
from pathlib import Path

import uvicorn

log = logging.getLogger("signet")

CHECK_EVERY_TICKS = 10  # uvicorn's server ticks every 0.1 s: check once a second

_Stamp = tuple[tuple[int, int, int], tuple[int, int, int]] | None


def _stamp(cert: Path, key: Path) -> _Stamp:
    try:
        a, b = os.stat(cert), os.stat(key)
    except OSError:
        return None
    return (a.st_mtime_ns, a.st_size, a.st_ino), (b.st_mtime_ns, b.st_size, b.st_ino)


def check_pair(cert: str | os.PathLike[str], key: str | os.PathLike[str]) -> str | None:
    """None if the certificate and key load together, else why not (for a config error)."""
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(cert, key)
    except OSError as err:
        return err.strerror or err.__class__.__name__
    except ssl.SSLError as err:
        return err.reason or str(err)
    return None


class CertificateFiles:
    """The certificate and key files of a live SSLContext; reloads them on change."""

    def __init__(self, cert: str | os.PathLike[str], key: str | os.PathLike[str]) -> None:
        self.cert, self.key = Path(cert), Path(key)
        self._seen = _stamp(self.cert, self.key)  # taken before uvicorn loads them

    def reload_if_changed(self, context: ssl.SSLContext) -> bool:
        """Load a changed pair into `context`; True if it was loaded."""
        stamp = _stamp(self.cert, self.key)
        if stamp is None or stamp == self._seen:
            return False
        self._seen = stamp  # one try per change, so a bad pair is reported once
        problem = check_pair(self.cert, self.key)
        if problem is None:
            try:
                context.load_cert_chain(self.cert, self.key)
            except (OSError, ssl.SSLError) as err:  # changed again in between
                problem = str(err)
        if problem is not None:
            log.warning("TLS: not loading the changed certificate %s: %s; the previous one "
                        "keeps serving", self.cert, problem)
            return False
        log.info("TLS: loaded the changed certificate %s for new connections", self.cert)
        return True


class SignetServer(uvicorn.Server):
    """uvicorn's server, reloading its TLS certificate when the files change."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.tls = (
            CertificateFiles(config.ssl_certfile, config.ssl_keyfile or config.ssl_certfile)
            if config.ssl_certfile
            else None
        )

    async def on_tick(self, counter: int) -> bool:
        if self.tls is not None and counter % CHECK_EVERY_TICKS == 0 and self.config.ssl:
            self.tls.reload_if_changed(self.config.ssl)
        return await super().on_tick(counter)
