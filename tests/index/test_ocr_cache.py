"""OCR records by checksum (``index.ocr_cache``) and search-word boxes (``index.scanview``): pure, fast."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from index.models import Extracted
from index.ocr_cache import OcrCache, OcrStore, ocr_for_copy, read_low_confidence
from index.scanview import term_boxes

SHA = hashlib.sha256(b"a scan").hexdigest()
OTHER = hashlib.sha256(b"another scan").hexdigest()


def scanned(text: str = "发改办财金规〔2019〕860号", low: list[int] | None = None) -> Extracted:
    words = [[100, 50, 420, 40, "发改办财金规"], [530, 50, 120, 40, "[2019"], [650, 50, 20, 40, "]"],
             [680, 50, 90, 40, "860号"]]
    ocr = {"engine": "tesseract 5.3.0", "languages": "chi_sim", "dpi": 300,
           "pages": [{"page": 1, "width": 1000, "height": 600, "rotation": 180, "skew": 1.5, "confidence": 88.0,
                      "words": words}],
           "low_confidence_pages": low or [], "unrecognised_pages": []}
    return Extracted(pages=[text], page_count=1, has_text=True, format="png", ocr=ocr)


def test_a_record_round_trips_and_names_its_checksum(tmp_path: Path) -> None:
    store = OcrStore(tmp_path)
    store.save(SHA, scanned())
    path = store.path_for(SHA)
    assert path == tmp_path / SHA[:2] / f"{SHA}.json"
    assert json.loads(path.read_text(encoding="utf-8"))["sha256"] == SHA
    got = store.load(SHA, "chi_sim")
    assert got == scanned()
    assert store.load(SHA, "eng") is None  # recognised with other languages: not reused
    assert store.load(OTHER) is None
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_a_record_under_the_wrong_name_or_edited_or_cut_short_is_ignored(tmp_path: Path) -> None:
    store = OcrStore(tmp_path)
    store.save(SHA, scanned())
    data = store.path_for(SHA).read_bytes()
    # copied under another file's checksum
    store.path_for(OTHER).parent.mkdir(parents=True, exist_ok=True)
    store.path_for(OTHER).write_bytes(data)
    assert store.load(OTHER) is None
    # edited by hand
    record = json.loads(data)
    record["extracted"]["pages"] = ["改过的文字"]
    store.path_for(SHA).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert store.load(SHA) is None
    # cut short
    store.path_for(SHA).write_bytes(data[: len(data) // 2])
    assert store.load(SHA) is None
    with pytest.raises(ValueError):
        store.path_for("../../etc/passwd")


def test_cache_prefers_the_library_then_the_share_and_shares_what_it_recognised(tmp_path: Path) -> None:
    share = tmp_path / "share-status" / "ocr"
    calls: list[int] = []

    def recognise() -> Extracted:
        calls.append(1)
        return scanned(low=[1])

    first = OcrCache(tmp_path / "lib1", share)
    assert first.extract(SHA, recognise, "chi_sim") == scanned(low=[1]) and calls == [1]
    assert OcrStore(share).load(SHA) is not None and first.recognised == 1
    assert read_low_confidence(tmp_path / "lib1") == {SHA: [1]}
    second = OcrCache(tmp_path / "lib2", share)
    assert second.extract(SHA, recognise, "chi_sim").pages == scanned().pages
    assert calls == [1] and second.reused_from_share == 1  # not recognised again
    assert OcrStore(tmp_path / "lib2" / "ocr").load(SHA) is not None  # kept for its viewer
    assert read_low_confidence(tmp_path / "lib2") == {SHA: [1]}


def test_an_unwritable_share_never_fails_the_extraction(tmp_path: Path) -> None:
    blocker = tmp_path / "status"
    blocker.write_text("a file where the status folder should be", encoding="utf-8")  # unwritable, even for root
    cache = OcrCache(tmp_path / "lib", blocker / "ocr")
    assert cache.extract(SHA, scanned, "chi_sim").has_text
    assert cache.extract(OTHER, scanned, "chi_sim").has_text  # tried once, then no more attempts
    assert OcrStore(tmp_path / "lib" / "ocr").load(OTHER) is not None and blocker.is_file()


def test_viewer_finds_the_record_of_a_library_copy(tmp_path: Path) -> None:
    OcrStore(tmp_path / "lib" / "ocr").save(SHA, scanned())
    copy = tmp_path / "lib" / "files" / SHA[:2] / f"{SHA}.png"
    assert ocr_for_copy(copy) == scanned().ocr
    assert ocr_for_copy(tmp_path / "lib" / "files" / "ab" / "not-a-checksum.png") is None


def test_term_boxes_cover_the_words_of_a_match_line_by_line() -> None:
    words = scanned().ocr["pages"][0]["words"] + [[100, 120, 200, 40, "各省、自治"], [300, 120, 100, 40, "区"]]
    number = term_boxes(words, ["发改办财金规〔2019〕860号"])  # 〔〕 read as [ ]: still found
    assert number == [(100, 50, 770 - 100, 40)]
    region = term_boxes(words, ["自治区"])
    assert len(region) == 1
    x, y, w, h = region[0]
    assert y == 120 and h == 40 and x + 1 >= 100 + 3 * 40 and x + w == 400  # the last 2 of 5 chars, then 区
    assert term_boxes(words, ["没有的词"]) == []
    across = term_boxes(words, ["860号各省"])  # a match over two lines: one rectangle on each
    assert sorted(r[1] for r in across) == [50, 120]
