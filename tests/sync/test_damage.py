"""Damaged index and catalogue files of a real library: found on open and during a search, repaired without a person."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.config import Config
from index.errors import IndexCorrupt
from index.library import Library
from index.recovery import verify_index
from tests.sync.conftest import add_document

REPO = Path(__file__).resolve().parents[2]
N_DOCS = 24
WORD = "开馆时间"


def _fill(lib: Library) -> None:
    for i in range(N_DOCS):
        add_document(lib, f"规范性文件/通知{i:02d}.txt", f"关于第{i}号事项的通知\n\n{WORD}调整，档案查阅服务{i}。" * 3,
                     title=f"关于第{i}号事项的通知")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two pristine libraries: segments as the batches leave them (one file per part) and merged (one .seg)."""
    from index.config import parse_config

    out = {}
    for merged in (False, True):
        root = tmp_path_factory.mktemp("pristine") / ("merged" if merged else "split")
        with Library.open(root, parse_config(""), writable=True) as lib:
            _fill(lib)
            if merged:
                lib.merge_segments()
        out["merged" if merged else "split"] = root
    return out


def _damage_cases(built: dict[str, Path]) -> list[tuple[str, str, str]]:
    cases = []
    for layout, root in built.items():
        names = sorted(n for n in os.listdir(root / "index") if not n.endswith("WRITELOCK"))
        one_segment = next(n for n in names if not n.startswith("_")).split(".", 1)[0]
        for name in names:  # the TOC and every file of one segment (each kind once)
            if not (name.startswith("_") or name.startswith(one_segment + ".")):
                continue
            for how in ("truncate", "zero", "delete"):
                cases.append((layout, name, how))
        cases.append((layout, "", "delete_folder"))
    return cases


def _damage(index: Path, name: str, how: str) -> None:
    path = index / name
    if how == "delete_folder":
        shutil.rmtree(index)
    elif how == "delete":
        path.unlink()
    elif how == "truncate":
        os.truncate(path, path.stat().st_size // 2)
    else:
        with path.open("r+b") as fh:
            fh.write(b"\0" * min(4096, path.stat().st_size))


def _whole(lib: Library) -> bool:
    return lib.search(WORD, limit=1).total == N_DOCS and lib.search("第17号事项", limit=1).total >= 1


def test_every_kind_of_index_file_damaged_is_found_and_rebuilt(
        built: dict[str, Path], tmp_path: Path, config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    cases = _damage_cases(built)
    kinds = {name.rsplit(".", 1)[-1] for _l, name, _h in cases if name}
    assert {"toc", "trm", "pst", "seg", "col"} <= kinds, kinds  # every kind of file Whoosh writes here
    report = []
    for n, (layout, name, how) in enumerate(cases):
        root = tmp_path / f"case{n}"
        shutil.copytree(built[layout], root)
        _damage(root / "index", name, how)
        # A reader meets the damage on open or during a search as IndexCorrupt (one line, what to do),
        # or Whoosh does without the part (a deleted length column): never another error.
        try:
            with Library.open(root, config) as reader:
                reader.search(WORD, limit=5)
                reader.search("", limit=5)
        except IndexCorrupt as exc:
            assert "kiosk index rebuild" in str(exc) and "\n" not in str(exc)
        # A writer (the sync, `kiosk index rebuild`) repairs it on open, from the catalogue and stored texts.
        t0 = time.monotonic()
        with Library.open(root, config, writable=True) as writer:
            took = time.monotonic() - t0
            assert _whole(writer), (layout, name, how)
        assert verify_index(root / "index") == []
        with Library.open(root, config) as reader:
            assert _whole(reader), (layout, name, how)
        report.append((layout, name.split(".", 1)[-1] if "." in name else name or "folder", how, took))
        shutil.rmtree(root)
    with capsys.disabled():
        worst = max(report, key=lambda r: r[3])
        print(f"\n{len(report)} index damages repaired; slowest {worst[3] * 1000:.0f} ms ({worst[:3]})")
        for layout, part, how, took in report:
            print(f"  repaired on open: {layout:6s} {part:22s} {how:13s} {took * 1000:6.0f} ms")


def test_damage_found_during_a_search_and_repaired_by_the_running_daemon(
        built: dict[str, Path], tmp_path: Path, config: Config, share: Path) -> None:
    """The daemon's check (each rescan) reads the index to its last term and rebuilds in the background."""
    from index.sync.daemon import SyncDaemon

    root = tmp_path / "library"
    shutil.copytree(built["split"], root)
    (share / "x.txt").write_text("x", encoding="utf-8")
    # The copied library records no share yet: this one is recorded as its share.
    daemon = SyncDaemon(share, root, config.with_overrides({"sync.stability_delay_s": 0.1}))
    daemon.start()
    try:
        reader = Library.open(root, config)
        for pst in (root / "index").glob("*.pst"):
            os.truncate(pst, pst.stat().st_size // 2)
        with pytest.raises(IndexCorrupt, match="kiosk index rebuild"):
            reader.search(WORD, limit=1)
            reader.search("第17号事项", limit=1)
        t0 = time.monotonic()
        daemon.check_index()
        while daemon._rebuilding():
            assert time.monotonic() - t0 < 60
            daemon.step(0.05)
        reader.refresh()
        assert _whole(reader)
        reader.close()
    finally:
        daemon.stop()


def _kiosk(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}
    return subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg), *args], env=env,
                          capture_output=True, text=True, timeout=180)


@pytest.mark.parametrize("how", ["truncate", "zero_start", "overwrite_middle"])
def test_damaged_catalogue_is_rebuilt_from_the_share_without_duplicates(tmp_path: Path, share: Path, how: str) -> None:
    pytest.importorskip("index.extract", reason="index.extract (extraction helper) not merged on this branch yet")
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[review]\nrequired = false\n', encoding="utf-8")
    for i in range(N_DOCS):
        (share / f"通知{i:02d}.txt").write_text(f"关于第{i}号事项的通知\n\n{WORD}调整，服务{i}。\n" * 40, encoding="utf-8")
    lib = tmp_path / "library"
    assert _kiosk(cfg, "sync", "--once", "--share", str(share), "--library", str(lib)).returncode == 0
    cat = lib / "catalogue.sqlite"
    assert not Path(str(cat) + "-wal").exists() or Path(str(cat) + "-wal").stat().st_size == 0
    size = cat.stat().st_size
    with cat.open("r+b") as fh:
        if how == "truncate":
            fh.truncate(size // 2)
        elif how == "zero_start":
            fh.write(b"\0" * 4096)
        else:
            fh.seek(size // 2 // 4096 * 4096)
            fh.write(os.urandom(4096 * 2))
    searched = _kiosk(cfg, "search", "--json", "--library", str(lib), WORD)
    if searched.returncode != 0:  # damage the reader meets: one line saying what to do
        assert "Traceback" not in searched.stderr and len(searched.stderr.strip().splitlines()) == 1, searched.stderr
        assert "kiosk sync --once" in searched.stderr or "kiosk index rebuild" in searched.stderr
    # The writer sets the catalogue aside and takes the share again; ids kept from the index: no duplicates.
    from index.config import load_config

    with Library.open(lib, load_config(cfg), writable=True) as w:
        assert list(lib.glob("catalogue.sqlite.damaged-*"))
        assert w.catalogue.count() == 0
        # Meanwhile the old index still answers, each document once.
        assert w.search(WORD, limit=1).total <= N_DOCS
        from index.sync.reconcile import Ingestor, SyncSummary, scan_share

        files = scan_share(share)
        Ingestor(share, w, w.config).ingest(files[: N_DOCS // 2], SyncSummary(), {})
        assert w.search(WORD, limit=1).total <= N_DOCS  # half re-taken: never old and new both
    done = _kiosk(cfg, "sync", "--once", "--share", str(share), "--library", str(lib))
    assert done.returncode == 0, done.stderr
    res = _kiosk(cfg, "search", "--json", "--library", str(lib), WORD)
    assert res.returncode == 0, res.stderr
    assert f'"total": {N_DOCS},' in res.stdout
    check = _kiosk(cfg, "index", "check", "--library", str(lib))
    assert check.returncode == 0, check.stdout


def test_a_reader_on_a_damaged_index_searches_titles_until_it_is_rebuilt(built: dict[str, Path], tmp_path: Path) -> None:
    """The app's reader (``while_rebuilt``) stays open on a damaged index: titles from the
    catalogue, marked ``restoring``, then the whole index again once a writer rebuilt it."""
    from index.config import parse_config
    from index.models import Filters

    root = tmp_path / "lib"
    shutil.copytree(built["split"], root)
    trm = next(n for n in os.listdir(root / "index") if n.endswith(".trm"))
    _damage(root / "index", trm, "truncate")
    with pytest.raises(IndexCorrupt):  # the CLI's reader: one clear error
        Library.open(root, parse_config(""))
    reader = Library.open(root, parse_config(""), while_rebuilt=True)
    try:
        assert reader.index_damaged
        titles = reader.search("第17号事项", limit=5)
        assert titles.restoring and [h.title for h in titles.hits] == ["关于第17号事项的通知"]
        assert reader.search(WORD, limit=5).total == 0, "body words are not searched while restoring"
        assert reader.search("", Filters(kind="规范性文件"), limit=100).total == N_DOCS
        assert reader.search_facets("通知")["kind"] == {"规范性文件": N_DOCS}
        assert reader.refresh() is False, "still damaged: nothing changed"
        with Library.open(root, parse_config(""), writable=True):  # the sync's writer rebuilds it
            pass
        assert reader.refresh() is True
        assert not reader.index_damaged
        whole = reader.search(WORD, limit=1)
        assert not whole.restoring and whole.total == N_DOCS
        # A card reads the same from the catalogue as from the index (文号 or decree number, issuer, date …).
        indexed = reader.search("第17号事项", limit=5).hits[0]
        card = ("title", "kind", "doc_number", "issuer", "date", "validity", "source_path", "topic")
        assert [getattr(titles.hits[0], k) for k in card] == [getattr(indexed, k) for k in card]
    finally:
        reader.close()
