"""The usage report, on count files made by driving UsageCounter as the app does."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from PIL import Image

from index.messages import t
from index.report import (
    COUNT_KEYS,
    Sources,
    build_figure,
    build_report,
    col,
    write_report,
    year_period,
)
from index.stats import COUNTS_SUBDIR, UsageCounter, export_counts
from kiosk.cli import main
from tests.index._usage_data import CHINA, DOC_IDS, FakeClock, Truth, is_vocabulary_word, simulate

STATUS = ".kiosk-status"


def _edge_of_year(stats_dir: Path, terminal: str, truth: Truth) -> None:
    """One session at 2025-12-31 23:59 and one at 2026-01-01 00:00 (China time)."""
    clock = FakeClock(datetime(2025, 12, 31, 23, 59, tzinfo=CHINA).timestamp())
    with UsageCounter(stats_dir, terminal, is_vocabulary_word=is_vocabulary_word, now=clock, tz=CHINA,
                      background_flush=False) as counter:
        for moment in (datetime(2025, 12, 31, 23, 59, tzinfo=CHINA), datetime(2026, 1, 1, 0, 0, tzinfo=CHINA)):
            clock.set(moment)
            counter.record("session")
            counter.record("view", doc_id=DOC_IDS[-1])
            truth.add(terminal, moment, "session")
            truth.add(terminal, moment, "view")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Three terminals' libraries exported to a share: t-01 busy (Dec 2025 - Mar 2026),
    t-02 in February, t-03 reported its status but never counted anything."""
    root = tmp_path_factory.mktemp("fleet")
    share = root / "share"
    (share / STATUS).mkdir(parents=True)
    truth_2025, truth_2026 = Truth(), Truth()
    days_2025 = [date(2025, 12, d) for d in (1, 15, 30)]
    days_2026 = [date(2026, 1, 1) + timedelta(days=i) for i in range(0, 89, 4)]
    simulate(root / "lib1" / "stats", "t-01", days_2025, seed=11, truth=truth_2025)
    simulate(root / "lib1" / "stats", "t-01", days_2026, seed=12, truth=truth_2026)
    _edge_of_year(root / "lib1" / "stats", "t-01", Truth())
    simulate(root / "lib2" / "stats", "t-02", [date(2026, 2, d) for d in range(2, 28, 5)], seed=13,
             truth=truth_2026)
    # the edge-of-year events, tallied into the right year by hand
    truth_2025.add("t-01", datetime(2025, 12, 31, 23, 59), "session")
    truth_2025.add("t-01", datetime(2025, 12, 31, 23, 59), "view")
    truth_2025.views[DOC_IDS[-1]] += 1
    truth_2026.add("t-01", datetime(2026, 1, 1, 0, 0), "session")
    truth_2026.add("t-01", datetime(2026, 1, 1, 0, 0), "view")
    truth_2026.views[DOC_IDS[-1]] += 1
    for lib, terminal in (("lib1", "t-01"), ("lib2", "t-02")):
        export_counts(root / lib / "stats", share / STATUS, terminal)
        export_counts(root / lib / "stats", share / STATUS, terminal)  # exported twice: no change
    for terminal, location in (("t-01", "一楼大厅"), ("t-02", "二楼阅览室"), ("t-03", "三楼")):
        (share / STATUS / f"{terminal}.json").write_text(
            json.dumps({"schema": 1, "terminal_id": terminal, "location": location}), encoding="utf-8")
    corrupt = share / STATUS / COUNTS_SUBDIR / "t-02" / "2026-02-28.json"
    corrupt.write_bytes(b"\x00\x00 power cut")
    return {"root": root, "share": share, "truth_2025": truth_2025, "truth_2026": truth_2026, "corrupt": corrupt}


def _report_2026(fleet: dict[str, object]):  # type: ignore[no-untyped-def]
    sources = Sources()
    sources.add_share(fleet["share"])  # type: ignore[arg-type]
    return build_report(sources.read(), *year_period(2026), terminals=sources.terminals,
                        locations=sources.locations, sources=sources.labels)


def test_year_tables_match_what_happened(fleet: dict[str, object]) -> None:
    truth: Truth = fleet["truth_2026"]  # type: ignore[assignment]
    report = _report_2026(fleet)
    assert report.summary == {k: truth.totals[k] for k in COUNT_KEYS}
    assert report.summary["session"] > 50

    by_terminal = report.table("by_terminal")
    rows = {r[0]: r for r in by_terminal.rows}
    assert sorted(rows) == ["t-01", "t-02", "t-03"]
    for terminal in ("t-01", "t-02"):
        assert rows[terminal][2:] == [truth.by_terminal[terminal][k] for k in COUNT_KEYS]
    assert rows["t-03"][1:] == ["三楼", *[0] * len(COUNT_KEYS)]
    assert report.terminals_without_data == ["t-03"]
    assert by_terminal.footer == [t("report.total"), "", *(truth.totals[k] for k in COUNT_KEYS)]

    by_month = report.table("by_month")
    assert by_month.column(col("month")) == [f"2026-{m:02d}" for m in range(1, 13)]
    for row in by_month.rows:
        y, m = map(int, str(row[0]).split("-"))
        assert row[1:] == [truth.by_month.get((y, m), Counter())[k] for k in COUNT_KEYS]

    by_hour = report.table("by_hour")
    hours = [int(str(h)[:2]) for h in by_hour.column(col("hour"))]
    assert hours == list(range(0, 17))  # the 00:00 session stretches the range
    for h, row in zip(hours, by_hour.rows, strict=True):
        assert row[1:] == [truth.by_hour.get(h, Counter())[k] for k in COUNT_KEYS]

    top = report.table("top_documents")
    assert dict(zip(top.column(col("doc_id")), top.column(col("view")), strict=True)) == dict(truth.views)
    views = top.column(col("view"))
    assert views == sorted(views, reverse=True)

    topics = {(r[1], r[2]): r[3] for r in report.table("top_topics").rows}
    for word, n in truth.words.items():
        assert topics[(word, t("report.topic_source_word"))] == n
    for topic, n in truth.topics.items():
        assert topics[(topic, t("report.topic_source_facet"))] == n
    no_result = report.table("no_result_words")
    assert dict(zip(no_result.column(col("word")), no_result.column(col("count")), strict=True)) == dict(
        truth.no_result_words)
    assert no_result.footer is not None
    assert no_result.footer[2] == truth.totals["search_no_result"] - sum(truth.no_result_words.values())


def test_year_boundary_and_previous_year(fleet: dict[str, object]) -> None:
    truth: Truth = fleet["truth_2025"]  # type: ignore[assignment]
    sources = Sources()
    sources.add_share(fleet["share"])  # type: ignore[arg-type]
    report = build_report(sources.read(), *year_period(2025), terminals=sources.terminals)
    assert report.summary["session"] == truth.totals["session"]
    assert report.table("by_month").rows[-1][1] == truth.by_month[(2025, 12)]["session"]
    assert report.table("by_hour").rows[-1][0] == "23:00-24:00"
    # a period across the boundary has both months
    both = build_report(sources.read(), date(2025, 12, 31), date(2026, 1, 1))
    assert both.table("by_month").column(col("month")) == ["2025-12", "2026-01"]
    assert both.period == t("report.period_range", start="2025-12-31", end="2026-01-01")


def test_corrupt_file_is_reported_and_skipped(fleet: dict[str, object]) -> None:
    report = _report_2026(fleet)
    assert [p for p, _ in report.problems] == [str(fleet["corrupt"])]
    notes = report.table("notes").rows
    assert any(r[0] == t("report.note.skipped") and str(fleet["corrupt"]) in str(r[1]) for r in notes)


def test_files_hold_the_same_tables(fleet: dict[str, object], tmp_path: Path) -> None:
    report = _report_2026(fleet)
    written = write_report(report, tmp_path, ["xlsx", "csv", "png", "pdf"])
    names = sorted(p.name for p in written)
    assert "usage-report-2026.xlsx" in names and "usage-report-2026.pdf" in names
    wb = openpyxl.load_workbook(tmp_path / "usage-report-2026.xlsx")
    assert wb.sheetnames == [tb.title for tb in report.tables]
    assert wb.sheetnames[0] == t("report.sheet.summary")
    for table in report.tables:
        sheet_rows = [list(r) for r in wb[table.title].iter_rows(values_only=True)]
        expected = [table.headers, *table.all_rows()]
        assert [[("" if v is None else v) for v in r] for r in sheet_rows] == expected, table.key
        raw = (tmp_path / f"usage-report-2026-{table.key}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
        with (tmp_path / f"usage-report-2026-{table.key}.csv").open(encoding="utf-8-sig", newline="") as fh:
            assert list(csv.reader(fh)) == [[str(v) for v in r] for r in expected]
    assert (tmp_path / "usage-report-2026.pdf").read_bytes().startswith(b"%PDF")
    with Image.open(tmp_path / "usage-report-2026.png") as img:
        assert img.size == (1753, 1240)  # A4 landscape at 150 dpi
        assert len(img.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 50  # drawn, not blank


def test_chart_numbers_are_the_table_numbers(fleet: dict[str, object]) -> None:
    report = _report_2026(fleet)
    fig = build_figure(report)
    axes = {ax.get_gid(): ax for ax in fig.axes}
    month, hour = report.table("by_month"), report.table("by_hour")
    assert [p.get_height() for p in axes["by_month"].patches] == month.column(col("session"))
    assert [p.get_height() for p in axes["by_hour"].patches] == hour.column(col("session"))
    assert axes["by_month"].get_title(loc="left") == t("report.chart.by_month")
    top = report.table("top_documents")
    widths = [p.get_width() for p in axes["top_documents"].patches][::-1]  # drawn bottom-up
    assert widths == top.column(col("view"))[:8]
    topics = report.table("top_topics")
    assert [p.get_width() for p in axes["top_topics"].patches][::-1] == topics.column(col("count"))[:8]
    tile_texts = [tx.get_text() for tx in axes["summary"].texts]
    for label, value in report.table("summary").rows:
        if label != col("print"):
            assert f"{value:,}" in tile_texts and label in tile_texts


def test_cli_share_and_library_count_once(fleet: dict[str, object], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    truth: Truth = fleet["truth_2026"]  # type: ignore[assignment]
    root: Path = fleet["root"]  # type: ignore[assignment]
    # the library's own copies of t-01's files AND the share's: each day once
    rc = main(["report", "--share", str(fleet["share"]), "--library", str(root / "lib1"), "--year", "2026",
               "--out", str(tmp_path), "--format", "csv"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "skipped unreadable count file" in err and str(fleet["corrupt"]) in err
    with (tmp_path / "usage-report-2026-summary.csv").open(encoding="utf-8-sig") as fh:
        summary = {row[0]: row[1] for row in csv.reader(fh)}
    assert int(summary[col("session")]) == truth.totals["session"]
    assert int(summary[col("pages")]) == truth.totals["pages"]
    assert int(summary[col("terminal")]) == 3
    assert str(tmp_path / "usage-report-2026-summary.csv") in out


def test_cli_period_and_usage_errors(fleet: dict[str, object], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    root: Path = fleet["root"]  # type: ignore[assignment]
    lib = str(root / "lib1")
    assert main(["report", "--library", lib, "--year", "2026", "--from", "2026-01-01"]) == 2
    assert "either --year or --from/--to" in capsys.readouterr().err
    assert main(["report", "--library", lib, "--year", "2026", "--format", "docx"]) == 2
    assert "unknown format docx" in capsys.readouterr().err
    assert main(["report", "--library", lib, "--from", "2026-03-01", "--to", "2026-02-01"]) == 2
    assert main(["report", "--library", str(root / "nowhere"), "--year", "2026"]) == 1
    rc = main(["report", "--library", lib, "--from", "2026-02-01", "--to", "2026-02-28", "--out", str(tmp_path),
               "--format", "xlsx"])
    assert rc == 0
    wb = openpyxl.load_workbook(tmp_path / "usage-report-2026-02-01_2026-02-28.xlsx")
    months = [r[0] for r in wb[t("report.sheet.by_month")].iter_rows(min_row=2, values_only=True)]
    assert months == ["2026-02", t("report.total")]


def test_empty_period_still_makes_a_report(tmp_path: Path) -> None:
    sources = Sources()
    sources.add_library(tmp_path / "empty-lib")
    report = build_report(sources.read(), *year_period(2024), sources=sources.labels)
    assert report.summary == dict.fromkeys(COUNT_KEYS, 0)
    assert report.table("by_hour").rows == [] and report.table("top_documents").rows == []
    fig = build_figure(report)
    axes = {ax.get_gid(): ax for ax in fig.axes}
    assert not axes["by_hour"].patches
    assert t("report.no_data") in [tx.get_text() for tx in axes["by_hour"].texts]
    assert [p.get_height() for p in axes["by_month"].patches] == [0] * 12


# ----------------------------------------------------------------------------- with a real library

DOCUMENTS = (
    # (source path, kind, title, doc_number, publish date, gazette (year, issue) or None, reviewed)
    ("规范性文件/公积金.txt", "规范性文件", "关于调整住房公积金缴存基数的通知", "威政发〔2026〕3号", "2026-03-02", None, True),
    ("规范性文件/养老.txt", "规范性文件", "城乡居民养老保险实施办法", "威政办发〔2025〕12号", "2025-11-20", None, True),
    ("政府公报/2026-1.txt", "政府公报", "威海市人民政府公报 2026年第1期", "", "2026-01-31", (2026, 1), True),
    ("政府公报/2026-2.txt", "政府公报", "威海市人民政府公报 2026年第2期", "", "", (2026, 2), True),
    ("规范性文件/待审.txt", "规范性文件", "营业执照办理指引", "威政发〔2026〕9号", "2026-05-01", None, False),
)


def _make_library(root: Path) -> dict[str, str]:
    """A real library (catalogue + Whoosh index) with the documents above; returns path -> doc id."""
    import hashlib

    from index.config import parse_config
    from index.library import Library
    from index.models import DocumentMeta, Extracted

    config = parse_config("")
    ids = {}
    with Library.open(root, config, writable=True) as library, library.writer() as writer:
        for path, kind, title, doc_number, published, gazette, reviewed in DOCUMENTS:
            text = f"{title}\n{doc_number}\n为做好相关工作，现就有关事项通知如下。"
            data = text.encode("utf-8")
            checksum = hashlib.sha256(data).hexdigest()
            copy = library.copy_path_for(checksum, ".txt")
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(data)
            meta = DocumentMeta(
                kind=kind, title=title, doc_number=doc_number, publish_date=published,
                issuer="威海市人民政府", topic="社会保障",
                gazette_year=gazette[0] if gazette else None, gazette_issue=gazette[1] if gazette else None,
                reviewer="王审查" if reviewed else "", review_date="2026-01-05" if reviewed else "",
            )
            extracted = Extracted(pages=[text], page_count=1, has_text=True, format="txt")
            record = writer.add_or_update(path, copy, checksum, len(data), 1.0, extracted, meta)
            ids[path] = record.id
    return ids


def test_report_names_documents_from_the_catalogue(tmp_path: Path) -> None:
    from index.library import Library

    lib = tmp_path / "lib"
    ids = _make_library(lib)
    public = [ids[p] for p, *_, reviewed in DOCUMENTS if reviewed]
    withdrawn = "0123456789abcdef"  # viewed last year, since removed from the share
    with Library.open(lib, writable=False) as library:
        assert library.is_vocabulary_word("公积金") and not library.is_vocabulary_word("营业执照")  # pending: not public
        truth = simulate(lib / "stats", "t-01", [date(2026, 3, d) for d in range(2, 20, 3)], seed=21,
                         vocabulary=library.is_vocabulary_word, doc_ids=(*public, withdrawn),
                         words=("公积金", "养老保险", "我想查我家的拆迁款"))
    assert truth.words["公积金"] > 0 and "我想查我家的拆迁款" not in truth.words
    blob = b"".join(p.read_bytes() for p in (lib / "stats").rglob("*.json"))
    assert "公积金".encode() in blob and "拆迁款".encode() not in blob

    rc = main(["report", "--library", str(lib), "--year", "2026", "--out", str(tmp_path / "out"),
               "--format", "xlsx,png"])
    assert rc == 0
    wb = openpyxl.load_workbook(tmp_path / "out" / "usage-report-2026.xlsx")
    rows = list(wb[t("report.sheet.top_documents")].iter_rows(min_row=2, values_only=True))
    by_id = {r[6]: r for r in rows}
    assert set(by_id) <= {*public, withdrawn} and sum(r[3] for r in rows) == truth.totals["view"]
    titles = {ids[p]: (title, number) for p, _, title, number, *_ in DOCUMENTS}
    for doc_id, row in by_id.items():
        if doc_id == withdrawn:
            assert row[1] == t("report.missing_document") + withdrawn and row[2] is None
        else:
            assert (row[1], row[2] or "") == titles[doc_id]
    published = {r[0]: r[1] for r in wb[t("report.sheet.published")].iter_rows(min_row=2, values_only=True)}
    # 2026: one reviewed 规范性文件 (the 2025 one and the unreviewed one do not count), two gazette issues
    assert published == {"规范性文件": 1, t("report.kind_gazette_issues"): 2}
