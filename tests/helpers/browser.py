"""Waits the browser walks share.

Selenium's ``staleness_of`` expects the old page's element to raise
``StaleElementReferenceException`` once the next page has loaded. Newer
chromedriver builds (seen with Chromium 156 on CI) answer some of those calls with
a generic ``unknown error: ... Node with given id does not belong to the document``
instead, which the stock condition lets escape and fail a walk that did exactly
what it should. Both answers mean the same thing: the old page is gone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

_GONE = ("does not belong to the document", "stale element", "no such element", "detached")


def page_replaced(old: Any) -> Callable[[Any], bool]:
    """A wait condition: true once ``old`` (an element of the previous page) is gone."""

    def gone(_driver: Any) -> bool:
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if any(marker in str(error.msg or "").lower() for marker in _GONE):
                return True
            raise
        return False

    return gone
