"""Shared test setup: the real-provider guard is on for every test (see pyproject addopts)."""
