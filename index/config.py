"""Every setting, declared once: name, default, type and help text.

One TOML file is read by every command (``--config``; default
``/etc/reading-room-kiosk/kiosk.toml``; when that does not exist, the demo
settings in ``assets/demo/kiosk.toml`` of a source checkout). Tables in the file
map to the dotted names below (``[sync] poll_interval_s = 10`` is
``sync.poll_interval_s``). An unknown key is an error that names the nearest known
one; command-line flags override the file.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("/etc/reading-room-kiosk/kiosk.toml")
REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_CONFIG_PATH = REPO_ROOT / "assets" / "demo" / "kiosk.toml"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    check: Callable[[Any], bool] | None = None
    check_help: str = ""

    @property
    def type(self) -> type:
        return type(self.default)


def _positive(v: Any) -> bool:
    return v > 0


def _non_negative(v: Any) -> bool:
    return v >= 0


def _fraction(v: Any) -> bool:
    return 0 <= v <= 1


def _one_of(*choices: Any) -> Callable[[Any], bool]:
    return lambda v: v in choices


SETTINGS: tuple[Setting, ...] = (
    # -- this terminal
    Setting("terminal.id", "terminal-01", "Short unique id of this terminal; names its status file on the share."),
    Setting("terminal.location", "现行文件查阅中心", "Where the terminal stands, as shown to staff (Chinese)."),
    # -- where things are
    Setting("library.path", "/var/lib/reading-room-kiosk/library", "The terminal's library: copies of documents, catalogue, index."),
    Setting("share.path", "/mnt/archive-share", "Mount point of the archive bureau's share (read-only)."),
    Setting("share.marker", ".kiosk-share", "Marker file at the share root; without it nothing is ever removed from the library."),
    # -- extraction limits (one worker process per file)
    Setting("extract.timeout_s", 60.0, "Wall-clock limit for extracting one file, seconds.", _positive, "> 0"),
    Setting("extract.memory_mb", 1024, "Address-space limit of the extraction worker, MiB.", _positive, "> 0"),
    Setting("extract.max_file_mb", 300, "Files larger than this are refused without being read, MiB.", _positive, "> 0"),
    Setting("extract.max_unzipped_mb", 500, "Cap on the decompressed size of DOCX/OFD/XLSX (zip bomb guard), MiB.", _positive, "> 0"),
    Setting("extract.max_indexed_chars", 2_000_000, "Characters of one document's text that are indexed and stored; the rest is cut with a note (the copy stays whole).", _positive, "> 0"),
    Setting("extract.max_pages", 3000, "Documents with more pages are rejected.", _positive, "> 0"),
    Setting("extract.ocr_timeout_s", 60.0, "Wall-clock limit for recognising (OCR) one scanned page, seconds; the file is rejected as timeout when a page needs longer.", _positive, "> 0"),
    Setting("extract.ocr_max_pages", 200, "Pages of one scanned document recognised at most; later pages are kept as images without text. 0 turns OCR off.", lambda v: v >= 0, ">= 0"),
    Setting("extract.ocr_parallel_pages", 2, "Pages of one scanned document recognised at once, one Tesseract process each (1 on a single-core terminal).", _positive, "> 0"),
    Setting("extract.ocr_min_confidence", 60.0, "Scanned pages read with a lower mean confidence (0-100) are listed as ocr_low_confidence in the status file.", lambda v: 0 <= v <= 100, "0-100"),
    Setting("extract.legacy_converter", "auto", "Converter for .doc/.wps: 'auto' (LibreOffice if installed), 'none', or a path to soffice.", None),
    # -- metadata
    Setting("metadata.kind_folders", {"规范性文件": "规范性文件", "政府公报": "政府公报", "法律法规": "法律法规"},
            "Top-level share folder name -> document kind (规范性文件 / 政府公报 / 法律法规 / 其他)."),
    # -- review (先审查、后公开)
    Setting("review.required", True, "Only documents with a review record (审查人 and 审查日期) become public."),
    Setting("review.trusted_folders", [], "Share folders (relative, glob patterns) that staff fill only with reviewed files."),
    # -- sync
    Setting("sync.watch_mode", "auto", "'auto' (polling on network/FUSE mounts, native events otherwise), 'native' or 'polling'.",
            _one_of("auto", "native", "polling"), "auto | native | polling"),
    Setting("sync.poll_interval_s", 10.0, "Polling interval on network mounts, seconds.", _positive, "> 0"),
    Setting("sync.rescan_interval_s", 300.0, "Full rescan of the share as a safety net, seconds.", _positive, "> 0"),
    Setting("sync.stability_delay_s", 5.0, "A file is taken when its size and mtime have not changed for this long, seconds.", _non_negative, ">= 0"),
    Setting("sync.max_removal_fraction", 0.2, "A pass that would remove more than this share of the library holds.", _fraction, "0..1"),
    Setting("sync.max_removal_count", 500, "A pass that would remove more than this many documents holds.", _non_negative, ">= 0"),
    Setting("sync.allow_mass_removal", False, "Let a pass remove more than the limits above (set once, then unset)."),
    Setting("sync.min_free_mb", 500, "Ingestion pauses when the library disk has less free space, MiB.", _non_negative, ">= 0"),
    Setting("sync.status_dir", ".kiosk-status", "Folder on the share where terminals write their status (when writable)."),
    Setting("sync.batch_size", 50, "Documents committed to the index together.", _positive, "> 0"),
    # -- search (bounds shared by the app's search box, the CLI and the library)
    Setting("search.max_query_chars", 80, "Longest query in characters (blanks not counted): the search box refuses more "
            "(最多输入 N 个字), the CLI exits 2, the library cuts the rest.", _positive, "> 0"),
    Setting("search.max_query_words", 12, "Most words (separated by blanks) in one query; the same three places hold to it.",
            _positive, "> 0"),
    Setting("search.order_issuers", {}, "More short names of decree issuers, as written before 令 -> the issuer "
            "(the built-in table in index/docnumber.py has 国 -> 国务院, 市场监管总局 -> 国家市场监督管理总局 …)."),
    # -- the app
    Setting("app.orientation", "landscape", "'landscape' (1920x1080) or 'portrait' (1080x1920).",
            _one_of("landscape", "portrait"), "landscape | portrait"),
    Setting("app.fullscreen", True, "Full-screen, borderless window at the display's size."),
    Setting("app.multisamples", 0, "Multisample anti-aliasing of the window (samples a pixel, 0 = off). The app draws "
            "rectangles, text already smoothed by the font and the handwriting ink, so it would only smooth the ink's "
            "edges, and with software OpenGL it costs about half of every frame (Xvfb here: a redraw of the Search screen "
            "80 -> 34 ms). 2 or 4 on a terminal with a GPU if the ink looks jagged.", _one_of(0, 2, 4, 8), "0 | 2 | 4 | 8"),
    Setting("app.width", 0, "Window width in pixels; 0 means the display's own size.", _non_negative, ">= 0"),
    Setting("app.height", 0, "Window height in pixels; 0 means the display's own size.", _non_negative, ">= 0"),
    Setting("app.warm_words", 600, "Candidate words whose first results are computed ahead after each library change "
            "(most documents first, one word at a time while nobody waits); 0: none.", _non_negative, ">= 0"),
    Setting("app.idle_timeout_s", 90.0, "Seconds without a touch before the return-home countdown.", _positive, "> 0"),
    Setting("app.countdown_s", 15.0, "Length of the 即将返回首页 countdown, seconds.", _positive, "> 0"),
    Setting("app.attract_after_s", 300.0, "Seconds without a touch before the attract screen.", _positive, "> 0"),
    Setting("app.large_text", False, "Start in large-text mode (body text at least 30 dp)."),
    Setting("app.font_path", "", "A single-face Simplified Chinese font file; empty: the first one found (see README)."),
    Setting("app.admin_pin_hash", "", "pbkdf2_sha256$<iterations>$<salt-hex>$<hash-hex> of the admin PIN (make with 'kiosk hash-pin')."),
    Setting("app.url_pattern", "", "Public page of a document when it has no url: {index_number} or {doc_number} are filled in."),
    Setting("app.printer", "", "CUPS printer name for 'lp -d'; empty: no print button."),
    Setting("app.request_place", "区档案馆一楼 政府信息公开申请受理窗口", "Where to ask for a document (信息公开申请)."),
    Setting("app.request_hours", "工作日 9:00-12:00, 13:30-17:00", "When the request window is open."),
    Setting("app.request_phone", "0631-0000000", "Phone number for information-disclosure requests."),
    Setting("app.guide_file", "信息公开指南.pdf", "The bureau's 政府信息公开指南 on the share (path relative to the share): the 信息公开指南 tile and the no-result screen open it."),
    Setting("app.refresh_interval_s", 1.0, "How often the app looks for documents the sync added or withdrew, seconds.", _positive, "> 0"),
    Setting("app.search_debounce_s", 0.12, "Pause after a key before the app searches (typing bursts are coalesced), seconds.", _non_negative, ">= 0"),
    Setting("app.handwriting_pause_s", 0.8, "Pause after the last stroke on the handwriting pad before its best character is taken, seconds.", _positive, "> 0"),
    Setting("app.admin_corner_taps", 5, "Taps in the top-right corner, within 3 seconds, that open the admin PIN pad.", _positive, "> 0"),
    # -- statistics and fleet
    Setting("stats.flush_interval_s", 60.0, "Anonymous usage counts are written to disk at least this often, seconds.", _positive, "> 0"),
    Setting("fleet.stale_after_s", 3600.0, "A terminal that has not reported for this long is flagged.", _positive, "> 0"),
)

SETTINGS_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


class Config(Mapping[str, Any]):
    """Resolved settings: defaults, then the file, then overrides."""

    def __init__(self, values: dict[str, Any], source: Path | None) -> None:
        self._values = values
        self.source = source

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Config:
        values = dict(self._values)
        for name, value in overrides.items():
            if value is None:
                continue
            values[name] = _coerce(_setting(name), value)
        return Config(values, self.source)


def _setting(name: str) -> Setting:
    try:
        return SETTINGS_BY_NAME[name]
    except KeyError:
        near = difflib.get_close_matches(name, SETTINGS_BY_NAME, n=1, cutoff=0.5)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        raise ConfigError(f"unknown setting '{name}'{hint}", key=name, nearest=near[0] if near else "") from None


def _coerce(setting: Setting, value: Any) -> Any:
    expected = setting.type
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ConfigError(
            f"setting '{setting.name}' must be {expected.__name__}, got {type(value).__name__} {value!r}",
            key=setting.name,
        )
    if setting.check is not None and not setting.check(value):
        raise ConfigError(f"setting '{setting.name}' = {value!r} is out of range ({setting.check_help})", key=setting.name)
    return value


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and name not in SETTINGS_BY_NAME:
            flat.update(_flatten(value, name))
        else:
            flat[name] = value
    return flat


def parse_config(text: str, source: Path | None = None) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source or 'config'}: not valid TOML: {exc}") from exc
    values = {s.name: s.default for s in SETTINGS}
    for name, value in _flatten(data).items():
        values[name] = _coerce(_setting(name), value)
    return Config(values, source)


def load_config(path: Path | str | None = None, overrides: Mapping[str, Any] | None = None) -> Config:
    """Read the configuration file; ``path=None`` means the default, then the demo settings."""
    if path is None:
        candidates = [DEFAULT_CONFIG_PATH, DEMO_CONFIG_PATH]
        chosen = next((p for p in candidates if p.exists()), None)
    else:
        chosen = Path(path)
        if not chosen.exists():
            raise ConfigError(f"configuration file {chosen} does not exist", path=str(chosen))
    if chosen is None:
        config = Config({s.name: s.default for s in SETTINGS}, None)
    else:
        try:
            text = chosen.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read configuration file {chosen}: {exc}", path=str(chosen)) from exc
        config = parse_config(text, chosen)
        # Relative paths in a config file are relative to the file's folder.
        for name in ("library.path", "share.path", "app.font_path"):
            value = config[name]
            if value and not Path(value).is_absolute():
                config._values[name] = str((chosen.parent / value).resolve())
    return config.with_overrides(overrides or {})


def settings_table_markdown() -> str:
    """The settings as one Markdown table (for docs/SETTINGS.md and the README)."""
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = repr(s.default) if not isinstance(s.default, str) else f'"{s.default}"'
        rows.append(f"| `{s.name}` | `{default}` | {s.help} |")
    return "\n".join(rows)
