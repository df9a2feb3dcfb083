"""The extraction worker: ``python -m index.extract.worker --memory-mb N``.

Reads one JSON request per line on stdin ({"id", "path_b64", "limits"}; the path's
raw bytes in base64, since names on a share need not be UTF-8) and answers
one JSON line on its private copy of stdout ({"id", "ok", "extracted"} or
{"id", "ok": false, "reason", "detail"}). File descriptor 1 is pointed at
stderr, so nothing a library prints can corrupt the protocol. The address-space
limit (RLIMIT_AS) is set before any file is touched; core dumps are off and the
process runs at a lower CPU priority than the touchscreen app.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import logging
import os
import resource
import sys
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from index.errors import ExtractionError

log = logging.getLogger(__name__)

NICENESS = 10


def _limit_memory(memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    # Soft limit only: the legacy converter (LibreOffice) gets its own, larger one.
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _warm_up() -> None:
    """Import the extractors now, so the first file does not pay for it."""
    from charset_normalizer import from_bytes

    import index.extract._docx
    import index.extract._html
    import index.extract._markdown
    import index.extract._ofd
    import index.extract._pdf
    import index.extract._text  # noqa: F401

    from_bytes(b"warm up")


def _handle(request: dict[str, Any]) -> dict[str, Any]:
    from index.extract._dispatch import extract_in_process
    from index.extract._limits import ExtractLimits

    rid = request.get("id")
    try:
        limits = ExtractLimits.from_dict(request["limits"])
        path = Path(os.fsdecode(base64.b64decode(request["path_b64"])))
        extracted = extract_in_process(path, limits)
        return {"id": rid, "ok": True, "extracted": asdict(extracted)}
    except ExtractionError as exc:
        return {"id": rid, "ok": False, "reason": exc.reason, "detail": exc.detail}
    except MemoryError:
        return {"id": rid, "ok": False, "reason": "out_of_memory", "detail": "MemoryError in the worker"}
    except RecursionError as exc:
        return {"id": rid, "ok": False, "reason": "corrupt", "detail": f"nesting too deep: {exc}"}
    except Exception as exc:  # a bug or a file no extractor foresaw: report, never die silently
        tb = traceback.format_exc(limit=-3)
        log.error("extractor failed: %s", tb)
        return {"id": rid, "ok": False, "reason": "crashed", "detail": f"{type(exc).__name__}: {exc}"}


def _send(out: IO[bytes], reply: dict[str, Any]) -> None:
    try:
        line = json.dumps(reply, ensure_ascii=False).encode("utf-8", "surrogatepass") + b"\n"
    except MemoryError:
        line = json.dumps(
            {"id": reply.get("id"), "ok": False, "reason": "out_of_memory",
             "detail": "MemoryError while encoding the result"}
        ).encode() + b"\n"
    out.write(line)
    out.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index.extract.worker")
    parser.add_argument("--memory-mb", type=int, required=True)
    args = parser.parse_args(argv)

    proto = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="worker %(levelname)s %(message)s")
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    _limit_memory(args.memory_mb)
    _warm_up()
    from index.extract import _progress
    _send(proto, {"ready": True, "pid": os.getpid()})
    for raw in sys.stdin.buffer:
        try:
            request = json.loads(raw)
        except ValueError:
            _send(proto, {"id": None, "ok": False, "reason": "crashed", "detail": "bad request line"})
            continue
        rid = request.get("id")
        _progress.hook = lambda page, rid=rid: _send(proto, {"id": rid, "progress": page})
        reply = _handle(request)
        _send(proto, reply)
        if reply.get("reason") == "out_of_memory":
            return 3  # the heap may be in a bad state: let the pool start a fresh worker
    return 0


if __name__ == "__main__":
    sys.exit(main())
