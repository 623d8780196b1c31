"""The verification suites operators run against a deployed Meeshy, shipped with meeshy-ops.

``pytest --pyargs meeshy_checks -m staging --target-env .env.staging`` before the switch,
``-m production`` after it, from any directory (plugin.py: the target and the Allure results;
conftest.py: the checks' fixtures; one ``test_*`` module per section of the runbook, a check common
to both suites carrying both markers; checklib/: their helpers; known_defects.toml).
"""
