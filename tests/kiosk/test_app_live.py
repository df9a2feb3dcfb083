"""Live: what the sync adds appears without a restart; what it withdraws disappears."""

from __future__ import annotations

import json

from conftest import app_config, wait_for
from sharefiles import REVIEW, build_library

NEW_TITLE = "关于开展社区老年人免费体检的通知"


def test_added_document_appears_and_withdrawn_one_disappears(app, share_dir, library_dir):
    home = app.sm.get_screen("home")
    viewer = app.sm.get_screen("viewer")
    doc = share_dir / "规范性文件" / f"区卫健发〔2025〕1号 {NEW_TITLE}.txt"
    doc.write_text(f"{NEW_TITLE}\n区卫健发〔2025〕1号\n\n六十五周岁以上老年人可到社区卫生服务中心免费体检。\n\n区卫生健康局\n2025年3月1日\n",
                   encoding="utf-8")
    doc.with_name(doc.name + ".json").write_text(json.dumps({"主题分类": "医疗卫生", **REVIEW}, ensure_ascii=False),
                                                 encoding="utf-8")
    try:
        build_library(share_dir, library_dir, app_config())  # the real sync, in another "process"
        wait_for(lambda: any(NEW_TITLE in c["title_markup"] for c in home.newest_cards), timeout=20,
                 what="new document on Home")
        card = next(c for c in home.newest_cards if NEW_TITLE in c["title_markup"])
        app.open_document(card["doc_id"])
        wait_for(lambda: viewer.title == NEW_TITLE and not viewer.loading, what="viewer")
        assert not viewer.withdrawn
    finally:
        doc.unlink()
        doc.with_name(doc.name + ".json").unlink()
        build_library(share_dir, library_dir, app_config())
    wait_for(lambda: viewer.withdrawn, timeout=20, what="withdrawn notice")
    assert viewer.message == app.t("viewer_withdrawn")
    assert viewer.page_texture is None and viewer.text_data == []  # nothing of the withdrawn text is left
    wait_for(lambda: not any(NEW_TITLE in c["title_markup"] for c in home.newest_cards), what="gone from Home")
