"""The usage report: tables built once from the merged count files, then written as
a spreadsheet (XLSX, one sheet per table), CSV files (UTF-8 with BOM) and a one-page
chart sheet (PNG or PDF).

Every chart reads its numbers from the same :class:`Table` objects the spreadsheet
and CSV files are written from, so the pictures and the tables cannot disagree.
Texts (sheet names, headers, chart titles) come from ``[report]`` in
``index/messages.toml``.
"""

from __future__ import annotations

import calendar
import contextlib
import csv
import io
import json
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from index.atomic import atomic_write
from index.messages import t
from index.usage.counts import COUNTS_SUBDIR, CountSet, DayCounts, read_counts

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from index.library import Library
    from index.models import DocumentMeta

log = logging.getLogger(__name__)

FORMATS = ("xlsx", "csv", "png", "pdf")
# Count columns of the terminal / month / hour tables, in order.
COUNT_KEYS = ("session", "search", "search_no_result", "view", "qr", "print", "pages")
TOP_N = 20
CHART_TOP_N = 8
REPO_ROOT = Path(__file__).resolve().parents[2]  # index/usage/report.py -> the checkout
FONT_CANDIDATES = (
    # single-face Simplified Chinese fonts first (a .ttc's first face may be Japanese)
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)

Cell = str | int


@dataclass
class Table:
    """One table of the report: a sheet in the XLSX, a CSV file, the data of a chart."""

    key: str
    headers: list[str]
    rows: list[list[Cell]]
    footer: list[Cell] | None = None  # e.g. 合计: written to files, never charted

    @property
    def title(self) -> str:
        return t(f"report.sheet.{self.key}")

    def column(self, header: str) -> list[Cell]:
        i = self.headers.index(header)
        return [row[i] for row in self.rows]

    def all_rows(self) -> list[list[Cell]]:
        return [*self.rows, *([self.footer] if self.footer else [])]


@dataclass
class Report:
    start: date
    end: date
    tables: list[Table]
    summary: dict[str, int]  # count key -> total over the period (all terminals)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (file, what is wrong)
    terminals_without_data: list[str] = field(default_factory=list)
    generated_at: datetime = field(default_factory=lambda: datetime.now().astimezone())

    @property
    def period(self) -> str:
        if self.start == date(self.start.year, 1, 1) and self.end == date(self.start.year, 12, 31):
            return t("report.period_year", year=self.start.year)
        return t("report.period_range", start=self.start.isoformat(), end=self.end.isoformat())

    @property
    def title(self) -> str:
        return f"{self.period} {t('report.title')}"

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)


class Catalogue(Protocol):
    """What the report needs from a library's catalogue (titles, publications)."""

    def describe(self, doc_id: str) -> tuple[str, str] | None:
        """(title, doc_number) of a document, or None when it is no longer public."""

    def published_by_kind(self, start: date, end: date) -> dict[str, int]:
        """Documents published in the period by kind; 政府公报 counted in issues."""


class LibraryCatalogue:
    """:class:`Catalogue` over an open ``index.library.Library`` (public documents only)."""

    def __init__(self, library: Library) -> None:
        self.library = library

    def describe(self, doc_id: str) -> tuple[str, str] | None:
        record = self.library.document(doc_id)
        if record is None:
            return None
        return record.meta.title or record.source_path, record.meta.doc_number

    def published_by_kind(self, start: date, end: date) -> dict[str, int]:
        from index.models import KINDS, STATE_PUBLIC

        counts: Counter[str] = Counter()
        for record in self.library.catalogue.iter_documents(STATE_PUBLIC):
            if _published_in(record.meta, start, end):
                counts[record.meta.kind] += 1
        return {kind: counts.get(kind, 0) for kind in KINDS if kind in counts or kind in ("规范性文件", "政府公报")}


def _published_in(meta: DocumentMeta, start: date, end: date) -> bool:
    """By the document's date (publication, else written, else effective); a gazette issue
    or a document with only a year counts when the period covers that whole year."""
    with contextlib.suppress(ValueError):
        return start <= date.fromisoformat(meta.date) <= end
    year = meta.year
    return year is not None and start <= date(year, 1, 1) and date(year, 12, 31) <= end


def col(key: str) -> str:
    return t(f"report.col.{key}")


# ----------------------------------------------------------------------------- building


def _sum_counts(snapshots: Iterable[DayCounts]) -> Counter[str]:
    total: Counter[str] = Counter()
    for snap in snapshots:
        for hour in snap.hours.values():
            total.update(hour)
    return total


def _months(start: date, end: date) -> list[tuple[int, int]]:
    months, (y, m) = [], (start.year, start.month)
    while (y, m) <= (end.year, end.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def year_period(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def build_report(
    counts: CountSet,
    start: date,
    end: date,
    *,
    catalogue: Catalogue | None = None,
    terminals: Iterable[str] = (),
    locations: dict[str, str] | None = None,
    sources: Sequence[str] = (),
) -> Report:
    """All tables for ``start <= day <= end``. ``terminals`` lists terminals known to
    exist (from status files or empty count folders) so those without data show as 0."""
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    locations = locations or {}
    snaps = counts.select(start, end)
    count_headers = [col(k) for k in COUNT_KEYS]
    summary = _sum_counts(snaps)
    totals = [summary.get(k, 0) for k in COUNT_KEYS]

    # per terminal (terminals known without data included, with zeros)
    known = sorted({*counts.terminals, *terminals})
    by_terminal = Table("by_terminal", [col("terminal"), col("location"), *count_headers], [])
    without_data = []
    for terminal in known:
        c = _sum_counts(s for s in snaps if s.terminal_id == terminal)
        if not c:
            without_data.append(terminal)
        by_terminal.rows.append([terminal, locations.get(terminal, ""), *(c.get(k, 0) for k in COUNT_KEYS)])
    by_terminal.footer = [t("report.total"), "", *totals]

    # per month (every month of the period, zeros included)
    by_month = Table("by_month", [col("month"), *count_headers], [], [t("report.total"), *totals])
    for y, m in _months(start, end):
        c = _sum_counts(s for s in snaps if (s.day.year, s.day.month) == (y, m))
        by_month.rows.append([f"{y}-{m:02d}", *(c.get(k, 0) for k in COUNT_KEYS)])

    # per hour of the day, summed over the period: from the first to the last busy hour
    hourly: dict[int, Counter[str]] = {}
    for snap in snaps:
        for hh, per_event in snap.hours.items():
            hourly.setdefault(int(hh), Counter()).update(per_event)
    by_hour = Table("by_hour", [col("hour"), *count_headers], [], [t("report.total"), *totals])
    if hourly:
        for h in range(min(hourly), max(hourly) + 1):
            c = hourly.get(h, Counter())
            by_hour.rows.append([f"{h:02d}:00-{h + 1:02d}:00", *(c.get(k, 0) for k in COUNT_KEYS)])

    # documents
    docs: dict[str, Counter[str]] = {}
    for snap in snaps:
        for event, per_doc in snap.docs.items():
            for doc_id, n in per_doc.items():
                docs.setdefault(doc_id, Counter())[event] += n
    ranked = sorted(docs.items(), key=lambda kv: (-kv[1]["view"], -kv[1]["qr"], -kv[1]["pages"], kv[0]))
    top_documents = Table(
        "top_documents",
        [col("rank"), col("title"), col("doc_number"), col("view"), col("qr"), col("pages"), col("doc_id")],
        [],
    )
    for rank, (doc_id, c) in enumerate(ranked[:TOP_N], 1):
        title, doc_number = doc_id, ""
        if catalogue is not None:
            described = catalogue.describe(doc_id)
            title, doc_number = described if described else (f"{t('report.missing_document')}{doc_id}", "")
        top_documents.rows.append([rank, title, doc_number, c["view"], c["qr"], c["pages"], doc_id])

    # topics looked for: vocabulary words searched and 主题分类 tapped
    looked_for: Counter[tuple[str, str]] = Counter()
    no_result: Counter[str] = Counter()
    for snap in snaps:
        for word, n in snap.words.get("search", {}).items():
            looked_for[(word, t("report.topic_source_word"))] += n
        for per_topic in snap.topics.values():
            for topic, n in per_topic.items():
                looked_for[(topic, t("report.topic_source_facet"))] += n
        no_result.update(snap.words.get("search_no_result", {}))
    top_topics = Table("top_topics", [col("rank"), col("topic"), col("source"), col("count")], [])
    for rank, ((name, source), n) in enumerate(
        sorted(looked_for.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_N], 1
    ):
        top_topics.rows.append([rank, name, source, n])
    no_result_words = Table("no_result_words", [col("rank"), col("word"), col("count")], [])
    for rank, (word, n) in enumerate(sorted(no_result.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_N], 1):
        no_result_words.rows.append([rank, word, n])
    other = summary.get("search_no_result", 0) - sum(no_result.values())
    no_result_words.footer = ["", t("report.other_words"), other]

    # publications from the catalogue
    published = Table("published", [col("kind"), col("value")], [])
    if catalogue is not None:
        for kind, n in catalogue.published_by_kind(start, end).items():
            label = t("report.kind_gazette_issues") if kind == "政府公报" else kind
            published.rows.append([label, n])

    summary_table = Table(
        "summary", [col("item"), col("value")], [[col(k), summary.get(k, 0)] for k in COUNT_KEYS]
    )
    summary_table.rows.insert(0, [col("terminal"), len(known)])

    notes = Table("notes", [col("item"), col("note")], [])
    report = Report(
        start, end,
        [summary_table, by_terminal, by_month, by_hour, top_documents, top_topics, no_result_words, published, notes],
        {k: summary.get(k, 0) for k in COUNT_KEYS},
        problems=[(str(p), why) for p, why in counts.problems],
        terminals_without_data=without_data,
    )
    notes.rows.append([t("report.note.period"), report.period])
    notes.rows.append([t("report.note.generated"), report.generated_at.strftime("%Y-%m-%d %H:%M")])
    notes.rows += [[t("report.note.source"), s] for s in sources]
    notes.rows.append([t("report.note.terminals"), "、".join(known) or "-"])
    if without_data:
        notes.rows.append([t("report.note.no_data_terminals"), "、".join(without_data)])
    if catalogue is None:
        notes.rows.append([t("report.sheet.published"), t("report.no_catalogue")])
    for path, why in report.problems:
        notes.rows.append([t("report.note.skipped"), f"{path}: {why}"])
    notes.rows.append([t("report.note.privacy"), t("report.note.privacy_text")])
    return report


# ----------------------------------------------------------------------------- sources


@dataclass
class Sources:
    """Where the counts of a report come from, and what is known about the terminals."""

    roots: list[Path] = field(default_factory=list)
    terminals: set[str] = field(default_factory=set)
    locations: dict[str, str] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)

    def add_library(self, library: Path) -> None:
        stats = Path(library).resolve() / "stats"
        self.roots.append(stats)
        self.labels.append(str(stats))
        if stats.is_dir():
            self.terminals.update(p.name for p in stats.iterdir() if p.is_dir() and not p.name.startswith("."))

    def add_share(self, share: Path, status_dir: str = ".kiosk-status") -> None:
        status = Path(share).resolve() / status_dir
        counts = status / COUNTS_SUBDIR
        self.roots.append(counts)
        self.labels.append(str(counts))
        if counts.is_dir():
            self.terminals.update(p.name for p in counts.iterdir() if p.is_dir() and not p.name.startswith("."))
        if status.is_dir():
            for path in status.glob("*.json"):
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                    continue  # a broken status file is `kiosk fleet`'s business, not the report's
                if isinstance(data, dict) and isinstance(data.get("terminal_id"), str):
                    self.terminals.add(data["terminal_id"])
                    if isinstance(data.get("location"), str):
                        self.locations[data["terminal_id"]] = data["location"]

    def read(self) -> CountSet:
        return read_counts(self.roots)


# ----------------------------------------------------------------------------- writing


def write_csv(report: Report, out_dir: Path, stem: str) -> list[Path]:
    """One CSV per table, UTF-8 with BOM so that Excel shows the Chinese right."""
    paths = []
    for table in report.tables:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(table.headers)
        writer.writerows(table.all_rows())
        path = Path(out_dir) / f"{stem}-{table.key}.csv"
        atomic_write(path, buf.getvalue().encode("utf-8-sig"))
        paths.append(path)
    return paths


def write_xlsx(report: Report, path: Path) -> Path:
    """One sheet per table, headers in bold on row 1, footer (合计) in bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for table in report.tables:
        ws = wb.create_sheet(table.title)
        ws.append(table.headers)
        for row in table.all_rows():
            ws.append(row)
        for cell in ws[1]:
            cell.font = bold
        if table.footer:
            for cell in ws[ws.max_row]:
                cell.font = bold
        ws.freeze_panes = "A2"
        for i, header in enumerate(table.headers, 1):
            width = max([_display_width(header), *(_display_width(r[i - 1]) for r in table.all_rows())])
            ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)
    wb.properties.title = report.title
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write(Path(path), buf.getvalue())
    return Path(path)


def _display_width(value: Cell) -> int:
    text = str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def find_font(preferred: str | Path | None = None) -> Path | None:
    """A Simplified Chinese font for the charts: the configured one, the project's
    ``assets/fonts``, then the system's."""
    candidates: list[Path] = []
    if preferred:
        candidates.append(Path(preferred))
    fonts_dir = REPO_ROOT / "assets" / "fonts"
    if fonts_dir.is_dir():
        candidates += sorted(p for p in fonts_dir.iterdir() if p.suffix.lower() in (".otf", ".ttf"))
    candidates += [Path(p) for p in FONT_CANDIDATES]
    return next((p for p in candidates if p.is_file()), None)


def build_figure(report: Report, font: str | Path | None = None) -> Figure:
    """The one-page chart sheet (A4 landscape). Bars are drawn from the report's tables."""
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    font_path = find_font(font)
    family = "sans-serif"
    if font_path is not None:
        font_manager.fontManager.addfont(str(font_path))
        family = font_manager.FontProperties(fname=str(font_path)).get_name()
    else:
        log.warning("no Chinese font found: chart texts may show as boxes")

    import matplotlib as mpl

    with mpl.rc_context({"font.family": family, "axes.spines.top": False, "axes.spines.right": False}):
        fig = Figure(figsize=(11.69, 8.27), dpi=150)
        fig.suptitle(report.title, fontsize=18, y=0.975)
        fig.text(0.5, 0.925, t("report.generated", when=report.generated_at.strftime("%Y-%m-%d")),
                 ha="center", fontsize=9, color="#666666")
        grid = fig.add_gridspec(3, 2, height_ratios=[0.5, 1.2, 1.9], hspace=0.45, wspace=0.32,
                                left=0.06, right=0.97, top=0.89, bottom=0.05)

        # big numbers, from the summary table
        summary = report.table("summary")
        tiles = fig.add_subplot(grid[0, :])
        tiles.set_axis_off()
        tiles.set_gid("summary")
        shown = [row for row in summary.rows if row[0] != col("print")]
        for i, (label, value) in enumerate(shown):
            x = (i + 0.5) / len(shown)
            tiles.text(x, 0.62, f"{value:,}", ha="center", va="center", fontsize=24,
                       color="#1f5f8b", transform=tiles.transAxes)
            tiles.text(x, 0.12, str(label), ha="center", va="center", fontsize=11, transform=tiles.transAxes)

        def bars(ax: Any, table: Table, label_col: str, value_col: str, key: str, *, horizontal: bool = False,
                 limit: int | None = None, shorten: int = 0) -> None:
            labels = [str(v) for v in table.column(label_col)][:limit]
            values = [int(v) for v in table.column(value_col)][:limit]
            ax.set_gid(key)
            ax.set_title(t(f"report.chart.{key}"), fontsize=13, loc="left")
            if not values:
                ax.text(0.5, 0.5, t("report.no_data"), ha="center", va="center", transform=ax.transAxes,
                        fontsize=12, color="#888888")
                ax.set_xticks([])
                ax.set_yticks([])
                return
            if shorten:
                labels = [s if len(s) <= shorten else s[: shorten - 1] + "…" for s in labels]
            if horizontal:
                # Names go above their bars (long titles do not fit beside them); first row on top.
                labels, values = labels[::-1], values[::-1]
                container = ax.barh(range(len(values)), values, height=0.45, color="#2e86ab")
                for y, name in enumerate(labels):
                    ax.text(0, y + 0.27, name, fontsize=9, va="bottom", ha="left")
                ax.set_yticks([])
                ax.set_ylim(-0.5, len(values) - 0.1)
                ax.spines["left"].set_visible(False)
                ax.set_xlim(0, max(values) * 1.12 or 1)
            else:
                container = ax.bar(labels, values, color="#2e86ab")
                ax.tick_params(axis="x", labelsize=8, rotation=0)
                ax.set_ylim(0, max(values) * 1.18 or 1)
            ax.bar_label(container, labels=[f"{v:,}" if v else "" for v in values], fontsize=8, padding=2)

        month = report.table("by_month")
        ax_month = fig.add_subplot(grid[1, 0])
        month_labels = month.column(col("month"))
        bars(ax_month, month, col("month"), col("session"), "by_month")
        if month_labels and len({str(m)[:4] for m in month_labels}) == 1:
            ax_month.set_xticks(range(len(month_labels)), [f"{int(str(m)[5:])}月" for m in month_labels])

        hour = report.table("by_hour")
        ax_hour = fig.add_subplot(grid[1, 1])
        bars(ax_hour, hour, col("hour"), col("session"), "by_hour")
        if hour.rows:
            step = 1 if len(hour.rows) <= 12 else 2
            ax_hour.set_xticks(range(len(hour.rows)), [
                f"{int(str(h)[:2])}时" if i % step == 0 else "" for i, h in enumerate(hour.column(col("hour")))
            ])

        bars(fig.add_subplot(grid[2, 0]), report.table("top_documents"), col("title"), col("view"),
             "top_documents", horizontal=True, limit=CHART_TOP_N, shorten=40)
        bars(fig.add_subplot(grid[2, 1]), report.table("top_topics"), col("topic"), col("count"),
             "top_topics", horizontal=True, limit=CHART_TOP_N, shorten=30)
    return fig


def write_chart(report: Report, path: Path, font: str | Path | None = None) -> Path:
    fig = build_figure(report, font)
    fmt = Path(path).suffix.lstrip(".").lower()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, metadata={"Title": report.title} if fmt == "pdf" else None)
    atomic_write(Path(path), buf.getvalue())
    return Path(path)


def report_stem(report: Report) -> str:
    if report.period == t("report.period_year", year=report.start.year):
        return f"usage-report-{report.start.year}"
    return f"usage-report-{report.start.isoformat()}_{report.end.isoformat()}"


def write_report(
    report: Report, out_dir: Path, formats: Iterable[str] = ("xlsx", "csv", "png"), *,
    font: str | Path | None = None,
) -> list[Path]:
    """Write the report in each format into ``out_dir``; returns the files written."""
    out_dir = Path(out_dir)
    stem = report_stem(report)
    written: list[Path] = []
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"unknown report format {fmt!r}; use {', '.join(FORMATS)}")
        if fmt == "xlsx":
            written.append(write_xlsx(report, out_dir / f"{stem}.xlsx"))
        elif fmt == "csv":
            written += write_csv(report, out_dir, stem)
        else:
            written.append(write_chart(report, out_dir / f"{stem}.{fmt}", font))
    return written
