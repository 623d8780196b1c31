"""Accounts with known passwords that `meeshy-ops legacy-data` writes into the synthetic dataset.

They exist so that a migrated account can really log in (bcrypt hashes of these passwords are
stored, exactly as the real gateway stores them). They are test credentials of a synthetic
database, documented in the README; never use them on a real server.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeedAccount:
    username: str
    email: str
    password: str
    legacy_role: str  # as stored in the legacy `User.role` string
    first_name: str
    last_name: str
    system_language: str
    regional_language: str


SEED_ACCOUNTS: tuple[SeedAccount, ...] = (
    SeedAccount("meeshy", "meeshy@meeshy.local", "Rehearse-meeshy-2026", "BIGBOSS", "Meeshy", "Sama", "en", "fr"),
    SeedAccount("admin", "admin@meeshy.local", "Rehearse-admin-2026", "ADMIN", "Admin", "Manager", "en", "fr"),
    SeedAccount("atabeth", "atabeth@meeshy.local", "Rehearse-atabeth-2026", "ADMIN", "André", "Tabeth", "en", "es"),
    # Test accounts for the suites: each real-time client needs its own account (one socket per user).
    SeedAccount("alice_fr", "alice@meeshy.local", "Rehearse-alice-2026", "USER", "Alice", "Martin", "fr", "en"),
    SeedAccount("bob_en", "bob@meeshy.local", "Rehearse-bob-2026", "USER", "Bob", "Smith", "en", "fr"),
    SeedAccount("carlos_es", "carlos@meeshy.local", "Rehearse-carlos-2026", "MODO", "Carlos", "García", "es", "pt"),
    SeedAccount("maria_pt", "maria@meeshy.local", "Rehearse-maria-2026", "USER", "Maria", "Silva", "pt", "en"),
)

# The suites' test accounts, in the order of CHECK_ACCOUNT_<n>, and the languages their test conversation's
# members speak besides French (what a French message there must be translated into).
SUITE_ACCOUNTS = ("alice_fr", "bob_en", "carlos_es", "maria_pt")
SUITE_TRANSLATION_LANGUAGES = "en,es,pt"

# The dedicated conversation and community the suites write into (identifiers in the dataset).
TEST_CONVERSATION_IDENTIFIER = "mshy_meeshy-ops-test-conversation"
TEST_COMMUNITY_IDENTIFIER = "mshy_meeshy-ops-test-community"
GLOBAL_CONVERSATION_IDENTIFIER = "meeshy"


def by_username(username: str) -> SeedAccount:
    for account in SEED_ACCOUNTS:
        if account.username == username:
            return account
    raise KeyError(username)
