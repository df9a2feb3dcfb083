"""Files the library must refuse are refused each with its reason, and the rest of the batch goes in."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("index.extract", reason="index.extract (extraction helper) not merged on this branch yet")

from index.config import Config
from index.library import Library
from index.messages import t
from index.sync.reconcile import reconcile_once

BODY = "关于档案查阅的通知\n\n本馆每周一闭馆。\n"


def _write(path: Path, text: str = BODY) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_refused_files_have_reasons_and_never_block_the_batch(tmp_path: Path, share: Path, config: Config) -> None:
    cfg = config.with_overrides({"review.required": False})
    long_name = "档" * 83 + ".txt"  # 253 bytes: NAME.json would be 258
    assert len(long_name.encode()) + len(".json") > 255
    _write(share / long_name)
    os.mkfifo(share / "管道.txt")
    outside = _write(tmp_path / "passwd.txt", "root:x:0:0:root:/root:/bin/bash\n")
    os.link(outside, share / "链接.txt")
    share_b = os.fsencode(share)
    for raw in (b"\xff\xfe-x.txt", b"\xff\xfd-x.txt"):
        with open(os.path.join(share_b, raw), "wb") as fh:
            fh.write(BODY.replace("档案查阅", "编码" + raw[1:2].hex()).encode())
    good = [_write(share / f"通知{i}.txt", BODY.replace("档案查阅", f"第{i}号档案查阅")) for i in range(3)]
    with Library.open(tmp_path / "library", cfg, writable=True) as lib:
        summary = reconcile_once(share, lib, cfg)
        reasons = {r.source_path: r.reason for r in lib.rejections()}
        assert reasons[long_name] == "name_too_long"
        assert reasons["管道.txt"] == "not_regular"
        assert reasons["链接.txt"] == "hard_link"
        assert sorted(reasons.values()).count("name_collision") == 1
        collided = next(p for p, r in reasons.items() if r == "name_collision")
        assert "\\x" in collided  # the raw bytes kept apart in its name
        for reason in set(reasons.values()):
            assert not t(f"reject.{reason}").startswith("reject.")  # a sentence for staff
        # Everything else went in, in the same pass: 3 good files and the first of the colliding pair.
        assert lib.counts()["public"] == len(good) + 1
        assert lib.search("第1号档案查阅").total == 1
        assert lib.search("passwd").total == 0 and lib.search("root").total == 0
        # A second pass leaves the refusals as they are (no churn, no rebuild).
        again = reconcile_once(share, lib, cfg)
        assert not again.added and not again.rejected and not again.updated
    assert len(summary.rejected) == 4


def test_file_on_another_file_system_inside_the_share_is_refused(tmp_path: Path, share: Path, config: Config) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a file system inside the share")
    inner = share / "外挂"
    inner.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(inner)], capture_output=True, text=True)
    if res.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")
    try:
        _write(inner / "别处.txt")
        _write(share / "此处.txt")
        cfg = config.with_overrides({"review.required": False})
        with Library.open(tmp_path / "library", cfg, writable=True) as lib:
            reconcile_once(share, lib, cfg)
            assert {r.source_path: r.reason for r in lib.rejections()} == {"外挂/别处.txt": "other_device"}
            assert lib.counts()["public"] == 1
    finally:
        subprocess.run(["umount", "-l", str(inner)], check=False)


def test_indexed_text_is_cut_at_the_per_document_limit_with_a_note(tmp_path: Path, share: Path, config: Config) -> None:
    cfg = config.with_overrides({"review.required": False, "extract.max_indexed_chars": 5000})
    head = "关于档案开放的通知\n\n" + "开头部分档案开放。" * 100
    tail = "其余正文。" * 3000 + "壬癸子丑寅卯"  # the last words lie far past the limit
    big = _write(share / "大文件.txt", head + tail)
    with Library.open(tmp_path / "library", cfg, writable=True) as lib:
        reconcile_once(share, lib, cfg)
        rec = next(iter(lib.catalogue.iter_documents()))
        assert sum(len(p) for p in lib.catalogue.get_text(rec.checksum)) <= 5000
        assert "max_indexed_chars" in rec.meta.sources.get("_text_cut", "")
        assert lib.search("开头部分档案开放").total == 1
        assert lib.search("壬癸子丑寅卯").total == 0  # cut, as noted
        assert (lib.root / rec.copy_path).stat().st_size == big.stat().st_size  # the copy stays whole
