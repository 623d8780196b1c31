"""Rehearsal scaffolding: the replica of the server, synthetic legacy data, seed accounts, the write
stream and the end-to-end rehearsal. Nothing in ops/ imports it."""
