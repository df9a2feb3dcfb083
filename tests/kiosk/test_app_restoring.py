"""A damaged index does not close the terminal: titles are searched, the screen says so, and
full search comes back by itself once the sync has rebuilt the index."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pixels
import pytest
import xdo
from conftest import app_config, step, switch_library, wait_for

from index.library import Library


@pytest.fixture
def damaged_app(app: Any, library_dir: Path, tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    root = tmp_path / "library"
    shutil.copytree(library_dir, root, ignore=shutil.ignore_patterns("writer.lock"))
    trm = next(n for n in os.listdir(root / "index") if n.endswith(".trm"))
    path = root / "index" / trm
    os.truncate(path, path.stat().st_size // 2)  # the terms file cut short: the index cannot be read
    original = app.library_path
    switch_library(app, root)
    yield app, root
    switch_library(app, original)


def index_damaged(app: Any) -> bool:
    """Asked in the library thread, where the app's library lives."""
    out: list[bool] = []
    app.lib.submit(lambda lib: lib.index_damaged, out.append, channel="test")
    wait_for(lambda: out, what="the library's answer")
    return out[0]


def label_with(root: Any, text: str) -> Any:
    return next(w for w in pixels.walk(root) if getattr(w, "text", None) == text)


@pytest.mark.skipif(not xdo.AVAILABLE, reason="needs xdotool and ImageMagick's import for the screenshot")
def test_titles_are_searched_while_the_index_is_rebuilt(damaged_app, tmp_path):
    app, root = damaged_app
    app.open_search(query="养老", keyboard=False)
    search = app.sm.get_screen("search")
    wait_for(lambda: search.total >= 0 and not search.searching, what="results")
    step(5)
    assert search.restoring and search.total > 0
    assert all("养老" in card["title_markup"] for card in search.cards), "title matches only"
    notice = app.t("results_total_restoring", total=search.total)
    shot = xdo.screenshot(tmp_path / "restoring.png")
    assert pixels.dark_share(shot, pixels.ink_box(label_with(search, notice))) > 0.02, "the notice is drawn"
    # The sync's writer rebuilds the index; the app's refresh finds it whole and searches fully again.
    with Library.open(root, app_config(), writable=True):
        pass
    wait_for(lambda: not index_damaged(app), timeout=20, what="the index whole again")
    search.run_search()
    wait_for(lambda: not search.searching, what="results after the rebuild")
    step(3)
    assert not search.restoring and search.total > 0
