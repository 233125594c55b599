"""Fixtures shared by the test modules: one headless Chromium for the whole session."""

from __future__ import annotations

import pytest
from browser_support import ARGS, CHROMIUM, NO_CHROMIUM


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (Playwright), or a skip saying why there is none."""
    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()
