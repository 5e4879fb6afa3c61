"""Build-time bindings given to pack builds (`--volume DIR:/platform/bindings/NAME`).

`ca_certificates(tmp)`: a `ca-certificates` binding with the host's CA bundle, so pip in the
build container reaches PyPI where HTTPS goes through a proxy that re-signs it with its own
CA (as on the CI machines: the build image's CA store does not know that CA). The host's
bundle holds the standard CAs as well, so it changes nothing where there is no such proxy.
The buildpack side: packages/buildpack/src/bindings.ts.
"""

from __future__ import annotations

import os
from pathlib import Path

HOST_CA_BUNDLE = Path(os.environ.get("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt"))


def ca_certificates(tmp: Path) -> tuple[str, ...]:
    """pack arguments mounting a ca-certificates binding made in `tmp`."""
    assert HOST_CA_BUNDLE.is_file(), f"{HOST_CA_BUNDLE} is missing: set SSL_CERT_FILE to the host's CA bundle"
    binding = tmp / "ca-certificates"
    binding.mkdir(exist_ok=True)
    (binding / "type").write_text("ca-certificates\n", encoding="utf-8")
    (binding / "host-ca-bundle.pem").write_bytes(HOST_CA_BUNDLE.read_bytes())
    return ("--volume", f"{binding}:/platform/bindings/ca-certificates:ro")
