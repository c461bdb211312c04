"""How many examples a property test of the unit tier draws.

The whole suite (`scripts/test`, and so CI) draws every example each test asks for. A quick run of the unit
tier alone (`scripts/test tests/unit`, what a developer runs between edits) draws a fifth of them, at least
25, so that it stays under ten seconds; `PANELBOT_TEST_THOROUGH=1` makes it draw them all too.
"""

from __future__ import annotations

import os

THOROUGH = os.environ.get("PANELBOT_TEST_THOROUGH", "1") == "1"


def examples(wanted: int) -> int:
    return wanted if THOROUGH else max(25, wanted // 5)
