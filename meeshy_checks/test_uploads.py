"""Uploads: an image, an audio file and a document are served back byte for byte with their content type."""

from __future__ import annotations

import allure
import pytest

from meeshy_checks.checklib import samples

pytestmark = [pytest.mark.staging, pytest.mark.production, allure.feature("Uploads")]

FILES = {
    "image": ("meeshy-ops-check.png", "image/png", samples.png),
    "audio": ("meeshy-ops-check.wav", "audio/wav", samples.wav),
    "document": ("meeshy-ops-check.pdf", "application/pdf", samples.pdf),
}


@pytest.mark.parametrize("kind", FILES)
def test_upload_is_served_back_identical(kind, sender, gateway, run_id, writes):
    name, mime, make = FILES[kind]
    content = make()
    name = name.replace("check", f"check-{run_id}")
    with allure.step(f"upload {name} ({len(content)} bytes)"):
        data = sender.data("POST", "/api/v1/attachments/upload", files={"files": (name, content, mime)})
        attachment = data["attachments"][0]
        writes.attachment(sender, attachment["id"])
    assert attachment["mimeType"] == mime, f"stored as {attachment['mimeType']}"
    with allure.step(f"GET {attachment['fileUrl']}"):
        served = gateway.get(attachment["fileUrl"])
        assert served.status_code == 200, f"fileUrl answered {served.status_code}"
        assert served.headers.get("Content-Type", "").split(";")[0] == mime, (
            f"served as {served.headers.get('Content-Type')}"
        )
        assert served.content == content, (
            f"served {len(served.content)} bytes that differ from the {len(content)} sent"
        )
