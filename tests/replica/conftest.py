"""The replica's engine and images for the tests: dockerd started (or reused) once per session, images built.

Skipped, with the reason, only where the engine cannot exist: not root, or docker.io cannot be installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ops.errors import OpsError
from rehearsal.replica import dockerd, images


def _engine_unavailable() -> str | None:
    if os.geteuid() != 0:
        return "the replica needs root (dockerd, debootstrap)"
    if not (shutil.which("dockerd") and shutil.which("debootstrap")):
        install = subprocess.run([str(images.ROOT / "tools" / "docker" / "install.sh")], capture_output=True,
                                 text=True, timeout=900)
        if install.returncode:
            return f"docker.io cannot be installed: {install.stderr.strip()[-300:]}"
    return None


@pytest.fixture(scope="session")
def dockerd_engine():
    reason = _engine_unavailable()
    if reason:
        pytest.skip(reason)
    engine = dockerd.start()
    yield engine
    dockerd.stop(engine)


@pytest.fixture(scope="session")
def replica_images(dockerd_engine) -> dict[str, str]:
    """Every replica image name → image id, built if missing or stale."""
    try:
        return images.build_images(echo=lambda _line: None)
    except OpsError as exc:
        pytest.fail(f"the replica images could not be built: {exc}")
