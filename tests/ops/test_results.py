"""Typed results write the JSON their readers (the sign-off, the rehearsal, switch --resume) know."""

from __future__ import annotations

import pytest

from ops.migration.results import CountsReport, RunFailed, VerificationFailed, VerificationReport
from ops.steps.results import SwitchReport

RESTORED = {  # a switch.json as a switch that failed at its start stage and brought production back writes it
    "snapshot": "pre-switch-20260125-213416", "t0": "2026-01-25T21:34:14+00:00", "seconds": {"freeze": 1.2},
    "images_before": {"gateway": {"ref": "g:old", "id": "sha256:1"}}, "tls": "production: TLS verified",
    "stages": [{"stage": "start", "status": "running", "at": "2026-01-26T10:00:00+00:00"}],
    "stage": "start", "status": "restored", "prepare": {"archive": "a", "sha256": "b", "database": "meeshy_next",
                                                        "seconds": 3.0},
    "catch_up": {"since": "2026-01-25T21:34:14+00:00", "seconds": 1.0}, "failed_stage": "start",
    "error": "OpsError: the production stack is not healthy", "restore": "the OLD production was brought back",
    "probe_writes": [{"op": "insert", "collection": "Message", "_id": "1", "kind": "probe", "content": "x"}],
    "downtime_s": 12.5, "finished_at": "2026-01-26T10:01:00+00:00",
}


def test_a_switch_record_reads_back_to_the_same_json():
    report = SwitchReport.from_json(RESTORED)
    assert report.to_json() == RESTORED
    assert not report.ok and report.failed_stage == "start"


def test_fields_never_given_are_left_out_of_the_switch_record():
    fresh = SwitchReport(snapshot="s", t0="t").to_json()
    assert fresh == {"snapshot": "s", "t0": "t", "seconds": {}, "images_before": {}, "tls": "", "stages": []}


def test_a_run_report_says_ok_in_its_json_and_raises_its_failures():
    counts = CountsReport(collections={"User": {"fate": "migrate", "source": 3, "migrated": 2, "rejected": 0}},
                          failures=["User: 3 in production, 2 migrated + 0 rejected"], finished_at="now")
    assert counts.to_json() == {"kind": "switch-counts", "collections": counts.collections, "ok": False,
                                "failures": counts.failures, "finished_at": "now"}
    with pytest.raises(RunFailed) as failed:
        counts.ensure_ok()
    assert failed.value.report is counts and str(failed.value) == "switch-counts failed: " + counts.failures[0]


def test_a_failed_verification_carries_its_report():
    report = VerificationReport(server="MongoDB 8.0.4", source="mongodb://h/meeshy", target="mongodb://h/next",
                                checked_at="now", migration_status="done", collections={}, content_hashes={},
                                discrepancies={"User": {"missing index": ["User_email_key"]}}, seconds=1.0,
                                failures=[f"User: {n} × missing index" for n in range(12)])
    with pytest.raises(VerificationFailed) as failed:
        report.ensure_ok()
    assert failed.value.report is report
    assert str(failed.value).startswith("verification failed: User: 0 × missing index;")
    assert str(failed.value).endswith("(and 2 more in the report)")
