"""Each browser check of the runbook's checklist fails under the page fault of the part it drives.

One sandbox per fault (real behaviour of d5983046 otherwise), the check and neighbours of it that
must still pass: the set of failed checks must be exactly the expected one.
"""

from __future__ import annotations

import pytest
from harness import CHECKS, explain, run_suite

pytestmark = pytest.mark.slow

MODULE = str(CHECKS / "test_browser_checklist.py")
PROFILE = "test_profile_page_shows_the_account"
TEXT = "test_text_message_from_the_composer"
EMOJI = "test_emoji_message_from_the_composer"
REPLY = "test_reply_through_the_bubble_control"
REACTION = "test_reaction_through_the_emoji_grid"
TRANSLATION = "test_french_message_shows_its_translations"
UPLOAD = "test_upload_through_the_file_input"
OPEN, POST, MEMBERS = (
    "test_open_the_community_page",
    "test_post_from_the_community_page",
    "test_community_members_on_the_page",
)


def _id(name: str, param: str = "") -> str:
    return f"test_browser_checklist::{name}[chromium{'-' + param if param else ''}]"


# fault -> (checks run, checks that must fail; the others run must pass or meet a known defect)
FAULTS: dict[str, tuple[list[str], set[str]]] = {
    "page_profile_blank": ([PROFILE, TEXT], {_id(PROFILE)}),
    "page_enter_not_sending": ([TEXT, PROFILE], {_id(TEXT)}),
    "page_emoji_stripped": ([EMOJI, TEXT], {_id(EMOJI)}),
    "page_reply_lost": ([REPLY, TEXT], {_id(REPLY)}),
    "page_reaction_lost": ([REACTION, TEXT], {_id(REACTION)}),
    "page_translation_hidden": ([TRANSLATION, TEXT], {_id(TRANSLATION)}),
    "page_upload_corrupt:image": ([UPLOAD], {_id(UPLOAD, "image")}),
    "page_upload_corrupt:audio": ([UPLOAD], {_id(UPLOAD, "audio")}),
    "page_upload_corrupt:document": ([UPLOAD], {_id(UPLOAD, "document")}),
    "page_community_missing": ([OPEN, POST, MEMBERS, PROFILE], {_id(OPEN), _id(POST), _id(MEMBERS)}),
    "page_community_conversations_hidden": ([OPEN, POST, MEMBERS], {_id(POST)}),
    "page_community_members_hidden": ([OPEN, MEMBERS], {_id(MEMBERS)}),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_each_page_fault_fails_exactly_its_browser_check(fault, sandbox, tmp_path):
    checks, expected = FAULTS[fault]
    name = fault.replace("_", "-").replace(":", "-")
    env_file, env = sandbox(name, (fault,), extra={"CHECK_EVENT_DEADLINE_S": "6"})
    run = run_suite(env_file, "staging", tmp_path / "run", env, select=[MODULE, "-k", " or ".join(checks)])
    assert run.failed == expected, (
        f"{fault}: unexpected failures {sorted(run.failed - expected)}, "
        f"missing failures {sorted(expected - run.failed)}\n" + explain(run)
    )
    neighbours = run.with_outcome("passed") | run.with_outcome("known-defect")
    assert neighbours, f"{fault}: no neighbour passed\n" + explain(run)
