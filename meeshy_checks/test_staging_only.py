"""Staging only: the dry-run and migration reports account for every source document; verify passed."""

from __future__ import annotations

from pathlib import Path

import allure
import pytest

from meeshy_checks.checklib.reports import collection_counts, load_report, passed

pytestmark = [pytest.mark.staging, allure.feature("Migration reports")]


@pytest.mark.parametrize(
    "key", ["CHECK_MIGRATION_REPORT", "CHECK_DRY_RUN_REPORT"], ids=["migration", "dry-run"]
)
def test_report_accounts_for_every_source_document(key, target, need):
    need(key)
    path = Path(target.get(key))
    allure.attach.file(str(path), path.name, allure.attachment_type.JSON)
    counts = collection_counts(load_report(path))
    assert counts, f"{path} has no per-collection counts"
    unaccounted = [
        f"{c.name}: source {c.source} != migrated {c.migrated} + copied {c.copied} + rejected "
        f"{c.rejected} + dropped {c.dropped}"
        for c in counts
        if c.source != c.accounted
    ]
    assert not unaccounted, "documents unaccounted for: " + "; ".join(unaccounted)


def test_verification_passed(target, need):
    need("CHECK_VERIFY_REPORT")
    path = Path(target.get("CHECK_VERIFY_REPORT"))
    allure.attach.file(str(path), path.name, allure.attachment_type.JSON)
    report = load_report(path)
    assert passed(report), f"verification did not pass: {str(report.get('failures') or report)[:500]}"
