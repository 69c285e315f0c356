"""Shared test setup: the real-provider guard is on for every test (see pyproject addopts), and
no plugin installed on the machine loads (``AGENTICRAFT_PLUGINS=none``, inherited by every
subprocess); a test that needs plugins names them in its own environment."""

import os

os.environ["AGENTICRAFT_PLUGINS"] = "none"
