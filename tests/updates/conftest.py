"""Fixtures shared with the dashboard's browser tests: headless Chromium and axe-core."""

from tests.vic.test_vic_browser import axe_source, browser  # noqa: F401  (pytest fixtures)
