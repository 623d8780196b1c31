"""Defects of the real app that the sandbox reproduces, on by default: each one a switch to turn off.

A fault (sandbox/faults.py) breaks a healthy app to prove a check fails; a defect is how the deployed
version really behaves (sandbox/FAULTS.md, "Defects"), and turning one off shows the checks on a
fixed app. Turned off with ``--defects-off a,b`` (``all`` for every one), ``stack.up(...,
defects_off=("a",))`` or the environment variable ``MEESHY_SANDBOX_DEFECTS_OFF``.

Every defect names the versions that have it (``prisma``: the new version d5983046, ``legacy``: the
old production ≈ 06c4a4ab5) and where the real source shows it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

ENV_VAR = "MEESHY_SANDBOX_DEFECTS_OFF"
NEW, OLD = "prisma", "legacy"


@dataclass(frozen=True)
class Defect:
    versions: tuple[str, ...]
    behaviour: str
    evidence: str  # file:line at the version's commit (gateway paths under services/gateway/src)


DEFECTS: dict[str, Defect] = {
    "join_no_ack": Defect(
        (NEW, OLD),
        "conversation:join never acknowledges (rooms are joined at authentication)",
        "socketio/MeeshySocketIOManager.ts:786-799, 1178-1200 (06c4a4ab5: 690)",
    ),
    "health_rate_limited": Defect(
        (NEW, OLD),
        "/health counts in the global limiter (300/min per client address): the skip option does not exist",
        "middleware/rate-limiter.ts:51-74",
    ),
    "translator_db_unregistered": Defect(
        (NEW,),
        "translator /ready is always 503 and /health always 'unhealthy' (no database component registered)",
        "services/translator/src/main.py:186-188; services/translator/src/api/health.py:205-213,258-269",
    ),
    "no_translation_event": Defect(
        (NEW,),
        "finished text translations are stored but message:translation is never emitted",
        "socketio/MeeshySocketIOManager.ts:193,1609-1620",
    ),
    "reactions_get_500": Defect(
        (NEW,),
        "GET /api/v1/reactions/:messageId answers 500 (its response schema expects an array)",
        "routes/reactions.ts:360-369,445-448",
    ),
    "community_objectid_lookup": Defect(
        (NEW,),
        "GET /communities/:id looks the value up as an ObjectId first: a non-hex identifier answers 500",
        "routes/communities/core.ts:302-303,394-398",
    ),
    "community_count_stripped": Defect(
        (NEW,),
        "GET /communities answers without _count (its response schema has none): the community page says 0 members",
        "routes/communities/core.ts:187-214; packages/shared/types/api-schemas.ts:1625-1645; "
        "apps/web/components/groups/GroupDetails.tsx:148-154",
    ),
    "composer_no_aria_label": Defect(
        (NEW,),
        "the composer textarea (textarea.expandable-textarea) has no aria-label",
        "apps/web/components/common/message-composer.tsx:417-436",
    ),
    "login_client_rendered": Defect(
        (NEW,),
        "/login is rendered on the client: the server's HTML is a spinner without the form",
        "apps/web/hooks/use-auth.ts:32-37; apps/web/app/login/page.tsx:37-47",
    ),
    "rest_send_not_broadcast": Defect(
        (NEW, OLD),
        "a message sent over REST is stored but not emitted as message:new",
        "routes/conversations/messages.ts (no emit on POST)",
    ),
    "reaction_broadcast_wrong_room": Defect(
        (NEW, OLD),
        "reaction:added/removed go to room <conversationId>, which no socket joins",
        "socketio/MeeshySocketIOManager.ts (reaction handlers; 06c4a4ab5: 2141)",
    ),
    "conversation_get_empty": Defect(
        (NEW, OLD),
        "GET /conversations/:id answers data: {} (the response schema drops every field)",
        "routes/conversations (response schema)",
    ),
}


class Defects:
    """The defects active in one process: ``"join_no_ack" in defects``."""

    def __init__(self, version: str, off: Iterable[str] = ()) -> None:
        names = {n.strip() for n in off if n and n.strip()}
        if "all" in names:
            names = set(DEFECTS)
        unknown = sorted(names - set(DEFECTS))
        if unknown:
            raise ValueError(f"unknown defect {', '.join(unknown)}; known defects: {', '.join(DEFECTS)}")
        self.version = version
        self.off = sorted(names)
        self._on = {n for n, d in DEFECTS.items() if version in d.versions and n not in names}

    @classmethod
    def from_cli_and_env(cls, version: str, text: str | None) -> Defects:
        """The ``--defects-off`` value, plus whatever ``MEESHY_SANDBOX_DEFECTS_OFF`` turns off."""
        return cls(version, [*(text or "").split(","), *os.environ.get(ENV_VAR, "").split(",")])

    def __contains__(self, name: str) -> bool:
        return name in self._on

    def names(self) -> list[str]:
        return sorted(self._on)


def parse_off(text: str | Iterable[str] | None) -> list[str]:
    """Validate a list of defect names to turn off (``all`` allowed); return them."""
    items = text.split(",") if isinstance(text, str) else list(text or ())
    return Defects(NEW, items).off if items else []
