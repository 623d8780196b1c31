"""Root conftest: registers the suite markers (see pyproject's [tool.pytest.ini_options])."""
