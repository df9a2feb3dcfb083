"""The watching daemon on real folders, real observers, a real library and real extraction.

Time for the stability delay is an injected clock; the observers run in real time, so
the helper ``pump`` steps the daemon until a condition holds (bounded, never a bare sleep).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from index.config import Config
from index.library import Library
from index.messages import t
from index.sync.daemon import SyncDaemon
from index.sync.ingest import key

from .conftest import FakeClock
from .fusemount import bindfs_mount

PUBLIC = "规范性文件"
DELAY = 2.0


def _text(title: str, body: str = "") -> str:
    return f"{title}\n\n各有关单位：\n{body or '现将有关事项通知如下，请认真贯彻执行。'}\n\n某某区人民政府办公室\n2024年3月1日\n"


def write_doc(share: Path, rel: str, title: str, body: str = "") -> Path:
    path = share / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_text(title, body), encoding="utf-8")
    return path


def pump(d: SyncDaemon, clock: FakeClock, until: Callable[[], bool], *, advance: float = 0.5,
         timeout: float = 30.0) -> None:
    """Step the daemon (moving the injected clock) until ``until()`` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        d.step(0.02)
        if until():
            return
        clock.advance(advance)
    raise AssertionError("condition not reached while pumping the daemon")


def settle(d: SyncDaemon, clock: FakeClock, rounds: int = 8, advance: float = 1.0) -> None:
    """Let pending events and files run through (used before asserting that nothing happened)."""
    for _ in range(rounds):
        d.step(0.05)
        clock.advance(advance)
    for _ in range(100):
        if not len(d.tracker) and (not d.todo or d.state.ingest_paused):
            return
        d.step(0.05)
        clock.advance(advance)
    raise AssertionError("the daemon did not settle")


@pytest.fixture
def make_daemon(share: Path, library_root: Path, config: Config, clock: FakeClock) -> Iterator[Callable[..., SyncDaemon]]:
    made: list[SyncDaemon] = []

    def make(share_root: Path = share, **overrides: object) -> SyncDaemon:
        cfg = config.with_overrides({
            "sync.stability_delay_s": DELAY, "sync.poll_interval_s": 0.1,
            "review.trusted_folders": [PUBLIC], **overrides,
        })
        d = SyncDaemon(share_root, library_root, cfg, now=clock)
        made.append(d)
        d.start()
        return d

    yield make
    for d in made:
        d.stop()  # stopping a stopped daemon does nothing


def doc_at(d: SyncDaemon, rel: str):  # type: ignore[no-untyped-def]
    return d.lib.catalogue.by_path(rel)


def test_start_reconciles_then_new_file_is_visible_to_a_fresh_reader(
    share: Path, library_root: Path, make_daemon: Callable[..., SyncDaemon], clock: FakeClock
) -> None:
    write_doc(share, f"{PUBLIC}/关于档案开放的通知.txt", "关于档案开放的通知")
    d = make_daemon()
    assert doc_at(d, f"{PUBLIC}/关于档案开放的通知.txt") is not None  # the first pass took it
    assert d.watcher is not None and d.watcher.mode == "native"
    status = json.loads((share / ".kiosk-status" / "terminal-01.json").read_text(encoding="utf-8"))
    assert status["public_documents"] == 1 and status["last_sync_ok"] is True
    write_doc(share, f"{PUBLIC}/关于湿地保护的通知.txt", "关于湿地保护的通知", "湿地保护红线不得突破。")
    pump(d, clock, lambda: doc_at(d, f"{PUBLIC}/关于湿地保护的通知.txt") is not None)
    with Library.open(library_root, d.config) as reader:
        assert reader.search("湿地保护").total == 1


def test_slowly_growing_file_is_not_taken_early(
    share: Path, make_daemon: Callable[..., SyncDaemon], clock: FakeClock
) -> None:
    d = make_daemon()
    rel = f"{PUBLIC}/大文件.txt"
    path = share / rel
    path.parent.mkdir(exist_ok=True)
    full = _text("关于慢慢写入的文件的通知", ("正文内容。" * 20 + "\n") * 250).encode("utf-8")
    step = len(full) // 20
    for i in range(0, len(full), step):
        with path.open("ab") as fh:
            fh.write(full[i : i + step])
        for _ in range(3):  # 1.5 s of injected time per chunk: less than the delay
            d.step(0.02)
            clock.advance(0.5)
        assert doc_at(d, rel) is None, f"taken after {i + step} of {len(full)} bytes"
    pump(d, clock, lambda: doc_at(d, rel) is not None)
    rec = doc_at(d, rel)
    assert rec.size == len(full)
    assert d.extracted == 1  # taken once, complete


def test_debris_is_ignored_and_a_finished_download_is_taken(
    share: Path, make_daemon: Callable[..., SyncDaemon], clock: FakeClock
) -> None:
    d = make_daemon()
    folder = share / PUBLIC
    folder.mkdir()
    for name in ("Thumbs.db", "~$草稿.docx", ".DS_Store", "下载中.txt.part", "desktop.ini", "备份.tmp"):
        (folder / name).write_bytes(b"debris")
    (share / "@eaDir").mkdir()
    write_doc(share, "@eaDir/缩略图.txt", "不应收录")
    settle(d, clock)
    assert d.lib.catalogue.count() == 0 and d.lib.rejections() == []
    os.rename(folder / "下载中.txt.part", folder / "下载完成.txt")  # a browser finishing a download
    (folder / "下载完成.txt").write_text(_text("关于下载完成的通知"), encoding="utf-8")
    pump(d, clock, lambda: doc_at(d, f"{PUBLIC}/下载完成.txt") is not None)
    assert d.lib.catalogue.count() == 1


def test_rename_is_a_move_not_a_new_extraction(
    share: Path, make_daemon: Callable[..., SyncDaemon], clock: FakeClock
) -> None:
    write_doc(share, f"{PUBLIC}/旧名.txt", "关于改名的通知")
    d = make_daemon()
    before = doc_at(d, f"{PUBLIC}/旧名.txt")
    os.rename(share / PUBLIC / "旧名.txt", share / PUBLIC / "新名.txt")
    pump(d, clock, lambda: doc_at(d, f"{PUBLIC}/新名.txt") is not None and not d.removals)
    after = doc_at(d, f"{PUBLIC}/新名.txt")
    assert after.id == before.id and after.added_at == before.added_at  # same document, path changed
    assert doc_at(d, f"{PUBLIC}/旧名.txt") is None
    assert d.extracted == 0  # nothing extracted again
    assert d.lib.check_index() == []


def test_share_vanishing_removes_nothing(
    tmp_path: Path, library_root: Path, make_daemon: Callable[..., SyncDaemon], clock: FakeClock
) -> None:
    """The share is a FUSE mount (polling); it is unmounted while the daemon runs: the mount
    point is an empty folder without the marker, the polling pass sees every file gone."""
    backing = tmp_path / "server"
    backing.mkdir()
    (backing / ".kiosk-share").write_text("", encoding="utf-8")
    for i in range(3):
        write_doc(backing, f"{PUBLIC}/通知{i}.txt", f"关于第{i}项工作的通知")
    mnt = tmp_path / "mnt"
    with bindfs_mount(backing, mnt):
        d = make_daemon(mnt)
        assert d.watcher is not None and d.watcher.mode == "polling"
        assert d.lib.counts()["public"] == 3
        import subprocess

        subprocess.run(["fusermount", "-u", "-z", str(mnt)], check=True)  # lazy: as a dropped network mount
        pump(d, clock, lambda: len(d.removals) == 3, advance=0.2)
        settle(d, clock)
        assert d.lib.counts()["public"] == 3
        assert "sync.guard_no_marker" in d.state.notes
        d.rescan()  # the safety net finds nothing on the share either: still nothing removed
        settle(d, clock)
        assert d.lib.counts()["public"] == 3
        d.stop()


def test_mass_removal_holds_until_allowed(
    share: Path, library_root: Path, make_daemon: Callable[..., SyncDaemon], clock: FakeClock, config: Config
) -> None:
    for i in range(10):
        write_doc(share, f"{PUBLIC}/通知{i:02d}.txt", f"关于第{i}号事项的通知")
    d = make_daemon()
    assert d.lib.counts()["public"] == 10, (d.lib.counts(), d.lib.rejections(), [r.source_path for r in d.lib.pending()])
    for i in range(5):
        (share / PUBLIC / f"通知{i:02d}.txt").unlink()
    pump(d, clock, lambda: "sync.guard_mass_removal" in d.state.notes)
    settle(d, clock)
    assert d.lib.counts()["public"] == 10
    d.publish_status(force=True)
    status = json.loads((share / ".kiosk-status" / "terminal-01.json").read_text(encoding="utf-8"))
    assert t("sync.guard_mass_removal", count=5, total=10) in status["notes"]
    d.stop()
    allowed = make_daemon(**{"sync.allow_mass_removal": True})  # the first pass removes them
    assert allowed.lib.counts()["public"] == 5


def test_unreviewed_file_stays_out_of_visitor_results(
    share: Path, library_root: Path, make_daemon: Callable[..., SyncDaemon], clock: FakeClock
) -> None:
    d = make_daemon()
    write_doc(share, "待审文件/关于候鸟迁徙观测的通知.txt", "关于候鸟迁徙观测的通知", "候鸟迁徙观测站设在湖边。")
    write_doc(share, f"{PUBLIC}/关于道路养护的通知.txt", "关于道路养护的通知")
    pump(d, clock, lambda: d.lib.counts() == {"public": 1, "pending": 1, "rejected": 0})
    pending = d.lib.pending()
    assert [p.source_path for p in pending] == ["待审文件/关于候鸟迁徙观测的通知.txt"]
    with Library.open(library_root, d.config) as reader:
        assert reader.search("候鸟迁徙").total == 0
        assert all("候鸟" not in h.title for h in reader.search("").hits)
        assert all("候鸟" not in h.title for h in reader.newest(20))
        assert sum(reader.facets()["kind"].values()) == 1
        assert reader.document(pending[0].id) is None
        assert not reader.is_vocabulary_word("候鸟迁徙")


def test_hostile_files_are_handled_while_good_files_keep_arriving(
    share: Path, tmp_path: Path, make_daemon: Callable[..., SyncDaemon], clock: FakeClock
) -> None:
    d = make_daemon()
    folder = share / PUBLIC
    folder.mkdir()
    gbk_name = os.fsdecode("关于旧系统文件的通知.txt".encode("gbk"))
    (folder / gbk_name).write_text(_text("关于旧系统文件的通知"), encoding="utf-8")
    outside = tmp_path / "secret.txt"
    outside.write_text(_text("不应公开的外部文件"), encoding="utf-8")
    os.symlink(outside, folder / "外部链接.txt")
    with (folder / "超大文件.txt").open("wb") as fh:
        fh.truncate(5 * 1024**3)  # sparse 5 GB
    os.mkfifo(folder / "x.txt")  # opening it would hang any reader
    for i in range(5):
        write_doc(share, f"{PUBLIC}/好文件{i}.txt", f"关于第{i}批好文件的通知")
    started = time.monotonic()
    pump(d, clock, lambda: d.lib.counts()["public"] >= 6 and len(d.lib.rejections()) >= 2)
    assert time.monotonic() - started < 20  # the 5 GB file was not read
    settle(d, clock)
    readable = f"{PUBLIC}/关于旧系统文件的通知.txt"
    assert key(f"{PUBLIC}/{gbk_name}") == readable
    assert doc_at(d, readable) is not None
    reasons = {r.source_path: r.reason for r in d.lib.rejections()}
    assert reasons == {f"{PUBLIC}/外部链接.txt": "symlink_outside", f"{PUBLIC}/超大文件.txt": "too_large"}
    assert doc_at(d, f"{PUBLIC}/x.txt") is None
    with Library.open(d.library_root, d.config) as reader:
        assert all("外部" not in h.title for h in reader.search("不应公开的外部文件").hits)
        assert reader.search("旧系统").total == 1
    # More good files keep arriving after all that.
    write_doc(share, f"{PUBLIC}/最后一份.txt", "关于最后一份文件的通知")
    pump(d, clock, lambda: doc_at(d, f"{PUBLIC}/最后一份.txt") is not None)
    status = json.loads((share / ".kiosk-status" / "terminal-01.json").read_text(encoding="utf-8"))
    assert {r["source_path"] for r in status["rejected"]} == set(reasons)


def test_low_disk_pauses_ingestion_and_the_library_keeps_serving(
    share: Path, library_root: Path, make_daemon: Callable[..., SyncDaemon], clock: FakeClock
) -> None:
    write_doc(share, f"{PUBLIC}/关于节约用水的通知.txt", "关于节约用水的通知")
    d = make_daemon()
    d.ingestor.min_free_mb = 10**9  # more than any disk has
    write_doc(share, f"{PUBLIC}/关于节约用电的通知.txt", "关于节约用电的通知")
    pump(d, clock, lambda: d.state.ingest_paused)
    settle(d, clock, rounds=3)
    assert doc_at(d, f"{PUBLIC}/关于节约用电的通知.txt") is None
    assert f"{PUBLIC}/关于节约用电的通知.txt" in d.todo  # waiting, not rejected
    assert d.lib.rejections() == []
    d.publish_status(force=True)
    status = json.loads((share / ".kiosk-status" / "terminal-01.json").read_text(encoding="utf-8"))
    assert status["ingest_paused"] is True and any("磁盘空间不足" in n for n in status["notes"])
    with Library.open(library_root, d.config) as reader:
        assert reader.search("节约用水").total == 1
    d.ingestor.min_free_mb = 0  # space is back
    pump(d, clock, lambda: doc_at(d, f"{PUBLIC}/关于节约用电的通知.txt") is not None, advance=10)
    assert not d.state.ingest_paused


def test_disk_full_during_copy_pauses_without_rejecting(share: Path, tmp_path: Path, clock: FakeClock) -> None:
    """The library on a real 4 MiB tmpfs; a 6 MB file cannot be copied (ENOSPC)."""
    import subprocess

    lib = tmp_path / "small-disk"
    lib.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(lib)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)")
    try:
        from index.config import load_config

        cfg_file = tmp_path / "k.toml"
        cfg_file.write_text("", encoding="utf-8")
        cfg = load_config(cfg_file, {"sync.stability_delay_s": DELAY, "sync.min_free_mb": 0,
                                     "review.trusted_folders": [PUBLIC]})
        d = SyncDaemon(share, lib / "library", cfg, now=clock)
        d.start()
        try:
            write_doc(share, f"{PUBLIC}/大文件.txt", "关于大文件的通知", "正文" * 1_000_000)
            pump(d, clock, lambda: d.state.ingest_paused)
            assert "sync.disk_full" in d.state.notes
            assert d.lib.rejections() == []  # not the file's fault
            assert f"{PUBLIC}/大文件.txt" in d.todo
            assert not list((lib / "library" / "files").glob("**/.tmp-*"))  # no half copy left
        finally:
            d.stop()
    finally:
        subprocess.run(["umount", str(lib)], check=False)


def test_corrupt_index_is_rebuilt_in_background_while_reader_serves(
    share: Path, library_root: Path, make_daemon: Callable[..., SyncDaemon], clock: FakeClock
) -> None:
    for i in range(5):
        write_doc(share, f"{PUBLIC}/通知{i}.txt", f"关于第{i}项档案工作的通知")
    d = make_daemon()
    reader = Library.open(library_root, d.config)
    try:
        assert reader.search("档案工作").total == 5
        for toc in (library_root / "index").glob("*.toc"):  # damage the index on disk
            toc.write_bytes(b"not a whoosh table of contents")
        d.check_index()
        assert d._rebuild is not None
        assert reader.search("档案工作").total == 5  # the last good index keeps serving
        pump(d, clock, lambda: d._rebuild is None and "sync.index_rebuilding" not in d.state.notes)
        assert d.lib.check_index() == []
        assert reader.refresh() is True
        assert reader.search("档案工作").total == 5
    finally:
        reader.close()


def test_review_record_in_a_sidecar_publishes_the_document(
    share: Path, library_root: Path, make_daemon: Callable[..., SyncDaemon], clock: FakeClock
) -> None:
    """先审查、后公开: a pending document becomes public when staff add its review record."""
    d = make_daemon()
    rel = "待审文件/关于古树名木保护的通知.txt"
    write_doc(share, rel, "关于古树名木保护的通知", "古树名木一律挂牌保护。")
    pump(d, clock, lambda: d.lib.counts()["pending"] == 1)
    doc_id = doc_at(d, rel).id
    sidecar = share / (rel + ".json")
    sidecar.write_text(json.dumps({"审查人": "李四", "审查日期": "2024-06-01"}, ensure_ascii=False), encoding="utf-8")
    pump(d, clock, lambda: d.lib.counts()["public"] == 1)
    assert doc_at(d, rel).id == doc_id and doc_at(d, rel).meta.reviewer == "李四"
    assert d.extracted == 1  # extracted once; the sidecar only changed the metadata
    with Library.open(library_root, d.config) as reader:
        assert reader.search("古树名木").total == 1


def test_segments_are_merged_when_idle(
    share: Path, library_root: Path, make_daemon: Callable[..., SyncDaemon], clock: FakeClock
) -> None:
    d = make_daemon(**{"sync.batch_size": 1})
    for i in range(3):
        write_doc(share, f"{PUBLIC}/通知{i}.txt", f"关于第{i}次会议的通知")
    pump(d, clock, lambda: d.lib.counts()["public"] == 3, advance=0.3)
    with Library.open(library_root, d.config) as reader:
        assert len(reader._searcher.reader().leaf_readers()) >= 2  # one segment per commit
    pump(d, clock, lambda: d._commits_since_merge == 0 and d._rebuild is None, advance=10)
    with Library.open(library_root, d.config) as reader:
        assert len(reader._searcher.reader().leaf_readers()) == 1
        assert reader.search("会议").total == 3


def test_share_missing_at_start_is_taken_when_it_appears(
    tmp_path: Path, make_daemon: Callable[..., SyncDaemon], clock: FakeClock
) -> None:
    share = tmp_path / "mnt" / "archive"
    d = make_daemon(share)
    assert d.state.share_ok is False
    assert d.watcher is not None and d.watcher.mode == "polling"  # inotify cannot watch what is not there
    share.mkdir(parents=True)
    (share / ".kiosk-share").write_text("", encoding="utf-8")
    write_doc(share, f"{PUBLIC}/关于恢复开放的通知.txt", "关于恢复开放的通知")
    pump(d, clock, lambda: doc_at(d, f"{PUBLIC}/关于恢复开放的通知.txt") is not None)
    assert d.state.share_ok is True


def test_a_folder_catalogue_written_later_describes_its_folders_documents(
    share: Path, make_daemon: Callable[..., SyncDaemon], clock: FakeClock
) -> None:
    write_doc(share, f"{PUBLIC}/甲.txt", "关于甲事项的通知")
    write_doc(share, f"{PUBLIC}/乙.txt", "关于乙事项的通知")
    write_doc(share, f"{PUBLIC}/下级/丙.txt", "关于丙事项的通知")
    d = make_daemon()
    assert doc_at(d, f"{PUBLIC}/甲.txt").meta.doc_number == ""
    (share / PUBLIC / "目录.csv").write_text("文件名,文号\n甲.txt,威环政发〔2024〕3号\n乙.txt,威环政发〔2024〕4号\n",
                                            encoding="utf-8")
    pump(d, clock, lambda: doc_at(d, f"{PUBLIC}/乙.txt").meta.doc_number == "威环政发〔2024〕4号")
    assert doc_at(d, f"{PUBLIC}/甲.txt").meta.doc_number == "威环政发〔2024〕3号"
    assert doc_at(d, f"{PUBLIC}/下级/丙.txt").meta.doc_number == ""  # another folder: not its catalogue
    assert d.extracted == 0  # same content: only the metadata was derived again


def test_a_deleted_folder_takes_its_documents_and_only_them(
    share: Path, make_daemon: Callable[..., SyncDaemon], clock: FakeClock
) -> None:
    import shutil

    write_doc(share, f"{PUBLIC}/通知/一.txt", "关于第一事项的通知")
    write_doc(share, f"{PUBLIC}/通知/二/三.txt", "关于第三事项的通知")
    write_doc(share, f"{PUBLIC}/通知书.txt", "关于通知书格式的通知")  # a name that begins like the folder
    d = make_daemon(**{"sync.allow_mass_removal": True})  # two of three: the guard would hold them
    assert d.lib.catalogue.count() == 3
    shutil.rmtree(share / PUBLIC / "通知")
    pump(d, clock, lambda: d.lib.catalogue.count() == 1)
    assert doc_at(d, f"{PUBLIC}/通知书.txt") is not None


def test_the_rescan_finds_a_sidecar_change_the_watcher_missed(
    share: Path, make_daemon: Callable[..., SyncDaemon], clock: FakeClock
) -> None:
    rel = f"{PUBLIC}/停车.txt"
    write_doc(share, rel, "关于停车管理的通知")
    d = make_daemon()
    assert doc_at(d, rel).meta.doc_number == ""
    d.watcher.stop()  # deaf, as a watcher on a share that lost its events
    (share / (rel + ".json")).write_text(json.dumps({"文号": "威环政发〔2024〕9号"}, ensure_ascii=False),
                                         encoding="utf-8")
    settle(d, clock, rounds=3)
    assert doc_at(d, rel).meta.doc_number == "", "nothing heard: the watcher is stopped"
    d.rescan()  # same size and mtime of the document: only its metadata sources changed
    pump(d, clock, lambda: doc_at(d, rel).meta.doc_number == "威环政发〔2024〕9号")
    assert d.extracted == 0
