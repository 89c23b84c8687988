"""warm_up builds the caches a first render would otherwise build."""

from __future__ import annotations

from legalize.documents import background, legalization, ttd
from legalize.documents.warm import warm_up


def test_warm_up_fills_the_caches() -> None:
    warm_up()
    for cached in (
        background.security_background,
        ttd.template,
        legalization.template,
        legalization.shared_latin_fonts,
    ):
        assert cached.cache_info().currsize >= 1  # type: ignore[attr-defined]
