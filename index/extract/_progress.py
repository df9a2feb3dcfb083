"""How a long extraction tells the pool it is still working (kept free of heavy imports).

The worker sets ``hook``; an extractor calls ``report(page)`` before each scanned page
(``_scan``), and the pool then gives the file one ``extract.ocr_timeout_s`` from that moment.
"""

from __future__ import annotations

from collections.abc import Callable

hook: Callable[[int], None] | None = None


def report(page: int) -> None:
    if hook is not None:
        hook(page)
