"""Faults the sandbox can be started with, one by one (see sandbox/FAULTS.md for what each must trip).

A fault is a name, optionally with an argument after a colon: ``collection_missing:Mention``.
They come from ``--faults a,b`` or the environment variable ``MEESHY_SANDBOX_FAULTS``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

ENV_VAR = "MEESHY_SANDBOX_FAULTS"

FAULTS = {
    "translator_down": "the translator is not started; the gateway reports translation down",
    "translator_slow": "the translator answers each translation after the gateway's deadline",
    "models_not_loaded": "the translator never finishes loading its models (/ready stays 503)",
    "db_down": "the gateway cannot reach the database (/health 503)",
    "no_broadcast": "the gateway never emits message:new",
    "uploads_not_served": "uploaded files are stored but GET of their fileUrl answers 404",
    "login_rejects": "login answers 401 even for a valid password",
    "health_lies": "the database is unreachable but /health answers 200 healthy",
    "collection_missing": "a collection of the data set is hidden (renamed away) while the stack runs",
    "index_missing": "a Prisma index is dropped while the stack runs",
    "critical_log": "the gateway writes a CRITICAL error line to its log at start-up and on each send",
    "slow_reads": "the message list answers after an added delay (default 3000 ms; slow_reads:MS)",
    # Page-level faults: the web app's own pages misbehave in one part each (sandbox/web/static/app.js).
    "page_profile_blank": "the settings page's profile shows empty username and email fields",
    "page_enter_not_sending": "Enter in the composer adds a line instead of sending",
    "page_emoji_stripped": "the composer drops emoji characters from the text it sends",
    "page_reply_lost": "the reply control shows its preview, but the message goes out without replyToId",
    "page_reaction_lost": "a click in the emoji grid closes it without sending the reaction",
    "page_translation_hidden": "bubbles always show the original text and list no translation",
    "page_upload_corrupt": "files of one kind (image, audio or document) are uploaded without their last byte",
    "page_community_missing": "/groups/<identifier> never selects the community",
    "page_community_conversations_hidden": "the community page lists none of its conversations",
    "page_community_members_hidden": "the community page does not show its member count",
}

PAGE_FAULT_PREFIX = "page_"

DEFAULT_HIDDEN_COLLECTION = "Community"
DEFAULT_MISSING_INDEX = "User.User_email_key"
DEFAULT_SLOW_READ_MS = 3000


class Faults:
    """A parsed set of faults: ``"db_down" in faults``, ``faults.arg("collection_missing")``."""

    def __init__(self, items: Iterable[str] = ()) -> None:
        self._args: dict[str, str] = {}
        for item in items:
            item = item.strip()
            if not item:
                continue
            name, _, arg = item.partition(":")
            if name not in FAULTS:
                raise ValueError(f"unknown fault {name!r}; known faults: {', '.join(FAULTS)}")
            self._args[name] = arg

    @classmethod
    def parse(cls, text: str | None) -> Faults:
        return cls((text or "").split(","))

    @classmethod
    def from_cli_and_env(cls, text: str | None) -> Faults:
        """The ``--faults`` value, plus whatever ``MEESHY_SANDBOX_FAULTS`` switches on."""
        return cls([*(text or "").split(","), *os.environ.get(ENV_VAR, "").split(",")])

    def __contains__(self, name: str) -> bool:
        return name in self._args

    def __bool__(self) -> bool:
        return bool(self._args)

    def arg(self, name: str, default: str = "") -> str:
        return self._args.get(name) or default

    def names(self) -> list[str]:
        return list(self._args)

    def to_text(self) -> str:
        return ",".join(f"{k}:{v}" if v else k for k, v in self._args.items())

    def page_faults(self) -> dict[str, str]:
        """The faults of the web pages, with their argument, for the page's script."""
        return {k: v for k, v in self._args.items() if k.startswith(PAGE_FAULT_PREFIX)}

    @property
    def db_unreachable(self) -> bool:
        # health_lies is "200 while the database is down", so it implies db_down.
        return "db_down" in self or "health_lies" in self
