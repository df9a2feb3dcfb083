"""What is wrong with this terminal: the checks behind ``kiosk doctor`` and ``kiosk metrics``.

Each check looks at the real thing (the configuration file, the X display, the font
file, the share's marker, the library on disk, the file system, the kernel clock,
systemd, CUPS) and returns one :class:`Check`: passed or not, what is wrong and how
to fix it. Texts come from the ``[doctor]`` table of the message catalogue. Nothing
here imports Kivy; the OpenGL probe runs in a child process (``index.ops.glprobe``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from index.atomic import atomic_write
from index.catalogue import Catalogue
from index.config import DEFAULT_CONFIG_PATH, SETTINGS, Config, load_config
from index.errors import ConfigError, IndexCorrupt, LibraryError
from index.library import CATALOGUE_NAME, Library
from index.messages import t
from index.models import STATE_PENDING, STATE_PUBLIC
from index.ops.fleet import parse_time
from index.ops.fonts import SHIPPED_FONT, SYSTEM_FALLBACK, find_cjk_font
from index.sync.status import LOCAL_STATUS_NAME

log = logging.getLogger(__name__)

# Names shared with provisioning/ (tests check the templates use the same ones).
SYNC_UNIT = "reading-room-kiosk-sync.service"
APP_UNIT = "reading-room-kiosk-app.service"
METRICS_FILE = "reading-room-kiosk.prom"

# Characters every screen needs; 门 直 骨 also differ between Chinese and Japanese faces.
FONT_SAMPLE = "现行文件查阅档案馆门直骨返回首页"
SLOW_CALL_S = 10.0


@dataclass
class Check:
    """One line of ``kiosk doctor``."""

    name: str  # config, display, font, share, library, disk, clock, sync, printer
    ok: bool
    message: str  # what was found (ok) or what is wrong (not ok)
    fix: str = ""  # how to fix it; empty when ok
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return t(f"doctor.label.{self.name}")

    def line(self) -> str:
        mark = t("doctor.ok_mark") if self.ok else t("doctor.fail_mark")
        text = f"{mark} {self.label}: {self.message}"
        if not self.ok and self.fix:
            text += f" — {t('doctor.fix_prefix')}: {self.fix}"
        return text

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["label"] = self.label
        return out


def _ok(name: str, msg: str, data: dict[str, Any] | None = None, **params: Any) -> Check:
    return Check(name, True, t(f"doctor.{name}.{msg}", **params), "", data or {})


def _fail(name: str, msg: str, data: dict[str, Any] | None = None, **params: Any) -> Check:
    return Check(name, False, t(f"doctor.{name}.{msg}", **params), t(f"doctor.{name}.{msg}_fix", **params), data or {})


def _run(cmd: list[str], timeout: float = SLOW_CALL_S) -> subprocess.CompletedProcess[str] | None:
    """Run a command; None when it is not installed or hangs."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except (FileNotFoundError, PermissionError):
        return None
    except subprocess.TimeoutExpired:
        log.warning("%s did not answer within %.0f s", cmd[0], timeout)
        return None


def _with_timeout(fn: Callable[[], Any], timeout: float = SLOW_CALL_S) -> tuple[bool, Any]:
    """Call ``fn`` in a daemon thread (a hung network mount must not hang the doctor)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except Exception as exc:  # reported to the caller as the result
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name="doctor-call")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return False, TimeoutError(f"no answer within {timeout:.0f} s")
    if "error" in box:
        return False, box["error"]
    return True, box["value"]


# -- configuration ---------------------------------------------------------------------


def load_config_checked(path: str | Path | None) -> tuple[Config, Check]:
    """Load the configuration; on error fall back to the defaults so other checks still run."""
    shown = str(path) if path else str(DEFAULT_CONFIG_PATH)
    try:
        config = load_config(path)
    except ConfigError as exc:
        defaults = Config({s.name: s.default for s in SETTINGS}, None)
        data = {"path": shown, "error": str(exc), **{k: v for k, v in exc.params.items() if isinstance(v, str)}}
        if exc.params.get("nearest"):
            return defaults, _fail("config", "unknown_key", data, path=shown, setting=exc.params.get("key", ""),
                                   nearest=exc.params["nearest"])
        if exc.params.get("path") and not Path(exc.params["path"]).exists():
            return defaults, _fail("config", "missing", data, path=shown)
        return defaults, _fail("config", "invalid", data, path=shown, detail=str(exc))
    if config.source is None:
        return config, _fail("config", "missing", {"path": shown}, path=shown)
    if config.source != DEFAULT_CONFIG_PATH and path is None:
        # No /etc file: the demo settings of a source checkout are in use.
        return config, _fail("config", "demo", {"path": str(config.source)}, path=str(config.source),
                             default=str(DEFAULT_CONFIG_PATH))
    return config, _ok("config", "ok", {"path": str(config.source)}, path=str(config.source))


# -- display ---------------------------------------------------------------------------


def check_display(env: dict[str, str] | None = None) -> Check:
    env = dict(os.environ if env is None else env)
    if env.get("DISPLAY"):
        proc = _run([sys.executable, "-m", "index.ops.glprobe"], timeout=30)
        if proc is None:
            return _fail("display", "probe_failed", {"display": env["DISPLAY"]}, display=env["DISPLAY"],
                         detail="OpenGL probe did not finish")
        try:
            result = json.loads(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            result = {"ok": False, "error": (proc.stderr or "no output").strip()[-200:]}
        data = {"display": env["DISPLAY"], **result}
        if not result.get("ok"):
            return _fail("display", "probe_failed", data, display=env["DISPLAY"], detail=result.get("error", ""))
        renderer = result.get("renderer", "")
        if "llvmpipe" in renderer or "softpipe" in renderer:
            # Software rendering works, but slowly: pass, and say so.
            return _ok("display", "software", data, display=env["DISPLAY"], renderer=renderer,
                       version=result.get("version", ""))
        return _ok("display", "ok", data, display=env["DISPLAY"], renderer=renderer,
                   version=result.get("version", ""))
    if env.get("WAYLAND_DISPLAY"):
        return _ok("display", "wayland", {"wayland_display": env["WAYLAND_DISPLAY"]},
                   display=env["WAYLAND_DISPLAY"])
    # Run from a technician's shell (ssh): the compositor needs a DRM device.
    dri = Path("/dev/dri")
    cards = sorted(p.name for p in dri.glob("card*")) if dri.is_dir() else []
    if cards:
        return _ok("display", "drm", {"devices": cards}, devices=", ".join(cards))
    return _fail("display", "none", {})


# -- font ------------------------------------------------------------------------------


def check_font(config: Config) -> Check:
    configured = config["app.font_path"]
    try:
        path = find_cjk_font(configured)
    except ConfigError:
        if configured:
            return _fail("font", "missing", {"path": configured}, path=configured)
        return _fail("font", "none", {"candidates": [str(SHIPPED_FONT), str(SYSTEM_FALLBACK)]})
    try:
        from fontTools.ttLib import TTFont
    except ImportError:  # pragma: no cover - fontTools is a dependency
        return _ok("font", "found_unchecked", {"path": str(path)}, path=str(path))
    try:
        # Kivy reads the first face of a collection: check exactly that one.
        font = TTFont(str(path), fontNumber=0, lazy=True)
        cmap = font.getBestCmap() or {}
        family = font["name"].getDebugName(4) or font["name"].getDebugName(1) or path.name
        font.close()
    except Exception as exc:  # fontTools raises many kinds on a damaged file
        return _fail("font", "unreadable", {"path": str(path), "error": str(exc)}, path=str(path))
    missing = "".join(ch for ch in FONT_SAMPLE if ord(ch) not in cmap)
    data = {"path": str(path), "family": family, "missing": missing}
    if missing:
        return _fail("font", "no_chinese", data, path=str(path), missing=missing)
    if path.suffix.lower() in (".ttc", ".otc") and ("JP" in family or "Japanese" in family):
        return _fail("font", "japanese_face", data, path=str(path), family=family)
    return _ok("font", "ok", data, path=str(path), family=family)


# -- handwriting ---------------------------------------------------------------------------


def check_handwriting(model: Path | None = None, library: str | None = None, templates: Path | None = None) -> Check:
    """Zinnia (libzinnia0) loads, its Simplified Chinese model opens and knows characters, and
    the stroke templates that ship with the kiosk are readable."""
    from index.handwriting import (
        DEFAULT_LIBRARY,
        DEFAULT_MODEL,
        HandwritingUnavailable,
        Recognizer,
        Templates,
    )
    from index.handwriting._templates import DEFAULT_TEMPLATES

    model = model or DEFAULT_MODEL
    data: dict[str, Any] = {"model": str(model), "library": library or DEFAULT_LIBRARY}
    try:
        with Recognizer(model, library or DEFAULT_LIBRARY) as rec:
            size = rec.size
    except HandwritingUnavailable as exc:
        data["error"] = exc.detail
        if exc.package == "libzinnia0":
            return _fail("handwriting", "library_missing", data, detail=exc.detail)
        return _fail("handwriting", "model_missing", data, model=str(model))
    data["size"] = size
    if size <= 0:
        return _fail("handwriting", "model_missing", data, model=str(model))
    data["templates"] = str(templates or DEFAULT_TEMPLATES)
    try:
        data["template_characters"] = Templates(templates or DEFAULT_TEMPLATES).size
    except HandwritingUnavailable as exc:
        data["error"] = exc.detail
        return _fail("handwriting", "templates_missing", data, path=data["templates"])
    return _ok("handwriting", "ok", data, model=str(model), size=size, templates=data["template_characters"])


# -- share -----------------------------------------------------------------------------


def check_share(config: Config) -> Check:
    share = Path(config["share.path"])
    marker = share / config["share.marker"]

    def look() -> tuple[bool, bool, bool]:
        # Touching the marker triggers the automount.
        return marker.is_file(), share.is_dir(), os.path.ismount(share)

    done, value = _with_timeout(look)
    if not done:
        return _fail("share", "hung", {"path": str(share), "error": str(value)}, path=str(share))
    has_marker, is_dir, is_mount = value
    data = {"path": str(share), "marker": str(marker), "mounted": is_mount}
    if not is_dir:
        return _fail("share", "missing", data, path=str(share))
    if not has_marker:
        if is_mount:
            return _fail("share", "no_marker", data, path=str(share), marker=config["share.marker"])
        return _fail("share", "not_mounted", data, path=str(share), marker=config["share.marker"])
    return _ok("share", "ok" if is_mount else "ok_local", data, path=str(share))


# -- library and index -----------------------------------------------------------------


def check_library(config: Config) -> Check:
    root = Path(config["library.path"])
    data: dict[str, Any] = {"path": str(root)}
    if not root.is_dir():
        return _fail("library", "missing", data, path=str(root))
    catalogue = root / CATALOGUE_NAME
    if not catalogue.is_file():
        return _fail("library", "no_catalogue", data, path=str(catalogue))
    owner = root.stat().st_uid
    if os.geteuid() == 0 and owner != 0:
        # A technician runs the doctor with sudo: opening the catalogue as root could leave
        # root-owned SQLite side files the sync (the library's owner) cannot open later.
        return _check_library_as(owner, root.stat().st_gid, config)
    try:
        with Library.open(root, config) as library:
            counts = library.counts()
            differences = list(library.check_index())
    except IndexCorrupt as exc:
        return _fail("library", "index_corrupt", {**data, "error": str(exc)}, detail=str(exc))
    except (LibraryError, sqlite3.Error, OSError) as exc:
        return _fail("library", "catalogue_corrupt", {**data, "error": str(exc)}, path=str(root), detail=str(exc))
    except Exception as exc:  # a damaged Whoosh index raises its own exception types
        return _fail("library", "index_corrupt", {**data, "error": f"{type(exc).__name__}: {exc}"},
                     detail=f"{type(exc).__name__}: {exc}")
    data.update(counts=counts, differences=[str(d) for d in differences[:20]])
    if differences:
        return _fail("library", "disagree", data, count=len(differences), first=str(differences[0]))
    return _ok("library", "ok", data, path=str(root), public=counts.get("public", 0),
               pending=counts.get("pending", 0), rejected=counts.get("rejected", 0))


def _check_library_as(uid: int, gid: int, config: Config) -> Check:
    """Run the library check in a child process as the library's owner."""
    args = [sys.executable, "-m", "index.ops.health", "library", str(config.source or ""), config["library.path"]]
    package_root = str(Path(__file__).resolve().parents[2])  # the folder that holds index/
    env = {**os.environ, "HOME": "/", "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False, user=uid, group=gid,
                              extra_groups=[], env=env, cwd="/")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        return Check(**result)
    except (OSError, ValueError, IndexError, TypeError, subprocess.TimeoutExpired) as exc:
        return _fail("library", "catalogue_corrupt", {"path": config["library.path"], "error": str(exc)},
                     path=config["library.path"], detail=f"check as uid {uid} failed: {exc}")


# -- disk ------------------------------------------------------------------------------

MIN_FREE_BYTES = 1024 * 1024  # below this a disk is full whatever sync.min_free_mb says


def check_disk(config: Config) -> Check:
    path = Path(config["library.path"])
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    free_mb = usage.free // (1024 * 1024)
    need_mb = int(config["sync.min_free_mb"])
    data = {"path": str(path), "free_mb": free_mb, "total_mb": usage.total // (1024 * 1024), "min_free_mb": need_mb}
    if usage.free < max(need_mb * 1024 * 1024, MIN_FREE_BYTES):
        return _fail("disk", "low", data, path=str(path), free_mb=free_mb, min_free_mb=need_mb)
    return _ok("disk", "ok", data, path=str(path), free_mb=free_mb)


# -- clock -----------------------------------------------------------------------------

TIME_ERROR = 5  # adjtimex(2): clock not synchronised


def _kernel_clock_state() -> int | None:
    """The kernel's NTP state (adjtimex with no changes); None if unavailable."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return None
    libc = ctypes.CDLL(libc_name, use_errno=True)
    buf = ctypes.create_string_buffer(1024)  # struct timex, modes = 0: read only
    state = libc.ntp_adjtime(buf)
    return None if state < 0 else int(state)


def check_clock() -> Check:
    proc = _run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"])
    if proc is not None and proc.returncode == 0 and proc.stdout.strip() in ("yes", "no"):
        if proc.stdout.strip() == "yes":
            return _ok("clock", "ok", {"source": "timedatectl"}, source="timedatectl")
        return _fail("clock", "unsynced", {"source": "timedatectl"}, source="timedatectl")
    proc = _run(["chronyc", "-n", "tracking"])
    if proc is not None and proc.returncode == 0:
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("Leap status")), "")
        if "Not synchronised" in line:
            return _fail("clock", "unsynced", {"source": "chronyc", "detail": line}, source="chronyc")
        if line:
            return _ok("clock", "ok", {"source": "chronyc", "detail": line}, source="chronyc")
    state = _kernel_clock_state()
    if state is None:
        return _fail("clock", "unknown", {})
    if state == TIME_ERROR:
        return _fail("clock", "unsynced", {"source": "adjtimex", "state": state}, source="adjtimex")
    return _ok("clock", "ok_kernel", {"source": "adjtimex", "state": state})


# -- sync service ------------------------------------------------------------------------


def systemd_running() -> bool:
    return Path("/run/systemd/system").is_dir()


# The sync daemon writes its status twice: always into the library (LOCAL_STATUS_NAME from
# index.sync.status) and, when writable, to the share for ``kiosk fleet``.


def status_file(config: Config, terminal_id: str | None = None) -> Path:
    """This terminal's status file on the share."""
    return Path(config["share.path"]) / config["sync.status_dir"] / f"{terminal_id or config['terminal.id']}.json"


def status_files(config: Config) -> list[Path]:
    """Where to look for this terminal's sync status, best first."""
    return [Path(config["library.path"]) / LOCAL_STATUS_NAME, status_file(config)]


def read_sync_status(config: Config) -> tuple[Path | None, dict[str, Any] | None]:
    """The newest readable status record of this terminal (local copy or share)."""
    best: tuple[Path | None, dict[str, Any] | None, float] = (None, None, -math.inf)
    for path in status_files(config):
        status = read_status(path)
        if status is None:
            continue
        written = parse_time(status.get("written_at"))
        stamp = written if written is not None else -1e18
        if best[1] is None or stamp > best[2]:
            best = (path, status, stamp)
    return best[0], best[1]


def read_status(path: Path) -> dict[str, Any] | None:
    done, value = _with_timeout(lambda: json.loads(path.read_text(encoding="utf-8")))
    return value if done and isinstance(value, dict) else None


def check_sync(config: Config, now: float | None = None) -> Check:
    now = time.time() if now is None else now
    data: dict[str, Any] = {"unit": SYNC_UNIT}
    if systemd_running():
        proc = _run(["systemctl", "is-active", SYNC_UNIT])
        state = proc.stdout.strip() if proc is not None else "unknown"
        data["unit_state"] = state
        if state != "active":
            return _fail("sync", "inactive", data, unit=SYNC_UNIT, state=state)
    else:
        data["unit_state"] = "no systemd"
    # The daemon is judged by its process (the writer lock's live holder), not by an old file.
    from index.lock import holder_pid

    library = Path(config["library.path"])
    pid = holder_pid(library)
    data["pid"] = pid
    if pid is None:
        return _fail("sync", "not_running", data, library=str(library))
    path, status = read_sync_status(config)
    if status is None or path is None:
        tried = " / ".join(str(p) for p in status_files(config))
        data["status_files"] = tried
        return _fail("sync", "no_status", data, path=tried)
    data["status_file"] = str(path)
    written = parse_time(status.get("written_at"))
    if written is None:
        return _fail("sync", "bad_status", data, path=str(path))
    age = max(0.0, now - written)
    limit = float(config["fleet.stale_after_s"])
    data.update(status_age_s=round(age), last_sync_at=status.get("last_sync_at"), last_sync_ok=status.get("last_sync_ok"))
    if age > limit:
        return _fail("sync", "stale", data, age=_age_text(age), limit=_age_text(limit))
    if status.get("last_sync_ok") is False:
        return _fail("sync", "last_failed", data, age=_age_text(age))
    return _ok("sync", "ok", data, age=_age_text(age), pid=pid or "?")


def _age_text(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return t("doctor.age.seconds", n=seconds)
    if seconds < 7200:
        return t("doctor.age.minutes", n=seconds // 60)
    if seconds < 2 * 86400:
        return t("doctor.age.hours", n=seconds // 3600)
    return t("doctor.age.days", n=seconds // 86400)


# -- printer -----------------------------------------------------------------------------


def check_printer(config: Config) -> Check:
    printer = config["app.printer"]
    if not printer:
        return _ok("printer", "none", {})
    proc = _run(["lpstat", "-p", printer])
    if proc is None:
        return _fail("printer", "no_cups", {"printer": printer}, printer=printer)
    text = (proc.stdout + proc.stderr).strip()
    data = {"printer": printer, "lpstat": text[-300:]}
    if proc.returncode != 0:
        return _fail("printer", "unknown", data, printer=printer, detail=text.splitlines()[-1] if text else "")
    if "disabled" in text:
        return _fail("printer", "disabled", data, printer=printer)
    return _ok("printer", "ok", data, printer=printer)


# -- OCR -------------------------------------------------------------------------------

OCR_LANGUAGES_NEEDED = ("chi_sim", "osd")  # Simplified Chinese text; page orientation


def check_ocr(config: Config) -> Check:
    """Tesseract 5 with Simplified Chinese and orientation data (scans are recognised in sync)."""
    from index.extract._ocr import tesseract_languages, tesseract_version

    if int(config["extract.ocr_max_pages"]) == 0:
        return _ok("ocr", "off", {})
    version = tesseract_version()
    if not version:
        return _fail("ocr", "missing", {})
    major = version.split()[-1].split(".")[0]
    data: dict[str, Any] = {"version": version}
    if not major.isdigit() or int(major) < 5:
        return _fail("ocr", "old", data, version=version)
    langs = tesseract_languages()
    data["languages"] = langs
    missing = [lang for lang in OCR_LANGUAGES_NEEDED if lang not in langs]
    if missing:
        return _fail("ocr", "no_language", data, missing=", ".join(missing))
    return _ok("ocr", "ok", data, version=version, languages=", ".join(OCR_LANGUAGES_NEEDED))


# -- all of them -------------------------------------------------------------------------


def run_checks(config_path: str | Path | None, *, now: float | None = None,
               env: dict[str, str] | None = None) -> list[Check]:
    """Every doctor check, in the order a technician fixes things."""
    config, config_check = load_config_checked(config_path)
    return [
        config_check,
        check_display(env),
        check_font(config),
        check_handwriting(),
        check_share(config),
        check_library(config),
        check_disk(config),
        check_clock(),
        check_sync(config, now),
        check_printer(config),
        check_ocr(config),
    ]


# -- metrics for node_exporter's textfile collector ---------------------------------------


def app_pids(proc_root: Path = Path("/proc")) -> list[int]:
    """Process ids of running ``kiosk app`` processes on this machine."""
    pids = []
    for entry in proc_root.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        names = [a.decode(errors="replace") for a in argv if a]
        if "app" not in names:
            continue
        before = names[: names.index("app")]
        if any(Path(a).name == "kiosk" for a in before) or ("-m" in before and "kiosk" in before):
            pids.append(int(entry.name))
    return pids


def app_running(proc_root: Path = Path("/proc")) -> bool:
    """Whether a ``kiosk app`` process is running on this machine."""
    return bool(app_pids(proc_root))


def collect_metrics(config: Config, now: float | None = None) -> dict[str, float]:
    """The ``kiosk_*`` figures; NaN where a figure is not known."""
    now = time.time() if now is None else now
    nan = math.nan
    status = read_sync_status(config)[1] or {}
    last_sync = parse_time(status.get("last_sync_at"))
    written = parse_time(status.get("written_at"))
    metrics = {
        "kiosk_seconds_since_last_sync": (now - last_sync) if last_sync is not None else nan,
        "kiosk_status_age_seconds": (now - written) if written is not None else nan,
        "kiosk_last_sync_ok": float(bool(status.get("last_sync_ok"))) if status else nan,
        "kiosk_share_ok": float(bool(status.get("share_ok"))) if status else nan,
        "kiosk_public_documents": float(status.get("public_documents", nan)) if status else nan,
        "kiosk_pending_review": float(status.get("pending_count", nan)) if status else nan,
        "kiosk_rejected_files": float(status.get("rejected_count", nan)) if status else nan,
        "kiosk_app_up": float(app_running()),
    }
    counts = _library_counts(Path(config["library.path"]))
    if counts is not None:  # the library on this disk is the better source
        metrics["kiosk_public_documents"] = float(counts.get("public", nan))
        metrics["kiosk_pending_review"] = float(counts.get("pending", nan))
        metrics["kiosk_rejected_files"] = float(counts.get("rejected", nan))
    return metrics


def _library_counts(root: Path) -> dict[str, int] | None:
    """Counts straight from the catalogue (read-only, cheap enough for a one-minute timer)."""
    path = root / CATALOGUE_NAME
    if not path.is_file():
        return None
    try:
        catalogue = Catalogue(path, readonly=True)
    except sqlite3.Error as exc:
        log.warning("cannot read counts from %s: %s", path, exc)
        return None
    try:
        return {"public": catalogue.count(STATE_PUBLIC), "pending": catalogue.count(STATE_PENDING),
                "rejected": len(catalogue.rejections())}
    except sqlite3.Error as exc:  # a broken catalogue must not stop the other metrics
        log.warning("cannot read counts from %s: %s", path, exc)
        return None
    finally:
        catalogue.close()


METRIC_HELP = {
    "kiosk_seconds_since_last_sync": "Seconds since the sync last finished a pass over the share.",
    "kiosk_status_age_seconds": "Seconds since the sync last wrote its status file.",
    "kiosk_last_sync_ok": "1 if the last sync pass succeeded.",
    "kiosk_share_ok": "1 if the sync could read the share (mounted, marker present).",
    "kiosk_public_documents": "Documents visitors can find.",
    "kiosk_pending_review": "Documents waiting for a review record (not shown).",
    "kiosk_rejected_files": "Files on the share that could not be taken.",
    "kiosk_app_up": "1 if the touchscreen app (kiosk app) is running.",
}


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def metrics_text(metrics: dict[str, float], terminal_id: str) -> str:
    """Prometheus text exposition format."""
    lines: list[str] = []
    for name, value in metrics.items():
        lines.append(f"# HELP {name} {METRIC_HELP.get(name, name)}")
        lines.append(f"# TYPE {name} gauge")
        shown = "NaN" if math.isnan(value) else repr(round(value, 3)) if value != int(value) else str(int(value))
        lines.append(f'{name}{{terminal="{_label(terminal_id)}"}} {shown}')
    return "\n".join(lines) + "\n"


def write_textfile(path: Path, text: str) -> None:
    """Write atomically: node_exporter never sees half a file."""
    atomic_write(path, text)


def _main(argv: list[str]) -> int:
    """``python -m index.ops.health library CONFIG LIBRARY``: one check as JSON (run as another user)."""
    if len(argv) != 3 or argv[0] != "library":
        print("usage: python -m index.ops.health library CONFIG LIBRARY", file=sys.stderr)
        return 2
    config = load_config(argv[1] or None).with_overrides({"library.path": argv[2]})
    check = check_library(config)
    print(json.dumps(asdict(check), ensure_ascii=False, default=str))
    return 0 if check.ok else 1


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
