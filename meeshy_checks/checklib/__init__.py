"""Helpers of the verification suites: HTTP, Socket.IO, hosts and logs, load, statistics.

They know the Meeshy contract (reference/api-contract.md) and nothing of the sandbox.
"""
