"""Fixtures shared by the test modules: one headless Chromium for the whole session.
Hypothesis runs without its per-example deadline: no test here is timed (speed is
measured in bench/), and a busy machine must not fail a test that is right."""

from __future__ import annotations

import pytest
from browser_support import ARGS, CHROMIUM, NO_CHROMIUM
from hypothesis import settings

settings.register_profile("gdanim", deadline=None)
settings.load_profile("gdanim")


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


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    """(site, package) of the small course in course_support, built once a session."""
    from course_support import build_course

    return build_course(tmp_path_factory.mktemp("course"))
