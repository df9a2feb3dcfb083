"""Legacy Word (.doc) and WPS (.wps) files: converted to DOCX by LibreOffice when allowed.

Without a converter the file is rejected as ``legacy_format`` (staff are asked to
save it as DOCX or PDF). The conversion runs inside the extraction worker, so the
worker's time limit covers it; soffice is in the worker's process group and dies
with it.
"""

from __future__ import annotations

import logging
import os
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path

from index.errors import ExtractionError
from index.extract._docx import extract_docx
from index.extract._limits import MIB, ExtractLimits
from index.models import Extracted

log = logging.getLogger(__name__)


def find_converter(setting: str) -> str | None:
    """The soffice executable the setting allows, or None ('none', or not installed)."""
    setting = setting.strip()
    if setting.lower() == "none" or not setting:
        return None
    if setting.lower() == "auto":
        return shutil.which("soffice") or shutil.which("libreoffice")
    path = Path(setting)
    return str(path) if path.is_file() and os.access(path, os.X_OK) else None


def convert_legacy(data: bytes, suffix: str, fmt: str, limits: ExtractLimits) -> Extracted:
    converter = find_converter(limits.legacy_converter)
    if converter is None:
        raise ExtractionError(
            "legacy_format",
            f"{suffix} needs LibreOffice to convert (extract.legacy_converter="
            f"{limits.legacy_converter!r}, soffice not available)",
        )
    memory = limits.memory_mb * 4 * MIB

    def _limit_soffice() -> None:  # runs in the forked child before exec
        resource.setrlimit(resource.RLIMIT_AS, (memory, resource.getrlimit(resource.RLIMIT_AS)[1]))

    with tempfile.TemporaryDirectory(prefix="kiosk-legacy-") as tmp:
        src = Path(tmp) / f"input{suffix}"
        src.write_bytes(data)
        out_dir = Path(tmp) / "out"
        cmd = [
            converter, "--headless", "--norestore", "--nolockcheck", "--nodefault",
            f"-env:UserInstallation=file://{tmp}/profile",
            "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out_dir), str(src),
        ]
        log.debug("converting %s with %s", suffix, converter)
        try:
            proc = subprocess.run(
                cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=limits.timeout_s,
                preexec_fn=_limit_soffice, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ExtractionError("timeout", f"LibreOffice did not finish converting {suffix}") from exc
        except OSError as exc:
            raise ExtractionError("legacy_format", f"cannot run {converter}: {exc}") from exc
        result = out_dir / "input.docx"
        if proc.returncode != 0 or not result.is_file():
            tail = (proc.stderr or b"").decode("utf-8", "replace")[-300:]
            raise ExtractionError(
                "corrupt", f"LibreOffice could not convert the {suffix} file (exit {proc.returncode}): {tail}"
            )
        extracted = extract_docx(result.read_bytes(), limits.max_unzipped_bytes)
    extracted.format = fmt
    return extracted
