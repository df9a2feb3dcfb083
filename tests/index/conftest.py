"""Build real libraries (catalogue + Whoosh index on disk) from documents described in tests."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from index.config import parse_config
from index.library import Library
from index.models import DocumentMeta, Extracted, GazetteItem

# Short documents in the style of a district government's output (texts written for
# these tests after real notices: title, 文号, body, signature block).
DOCS: list[dict[str, Any]] = [
    dict(path="规范性文件/停车.txt", title="威海市停车管理办法", doc_number="威政发〔2013〕8号", issuer="威海市人民政府",
         publish_date="2013-02-19", topic="交通", keywords=["停车", "机动车"],
         body="第一条 为了加强本市机动车停车管理，规范停车秩序，制定本办法。第二条 公共停车场应当公示收费标准。"),
    dict(path="规范性文件/停车2008.txt", title="威海市停车管理办法", doc_number="威政发〔2008〕21号", issuer="威海市人民政府",
         publish_date="2008-05-04", topic="交通", validity="已修订", replaced_by="威政发〔2013〕8号",
         body="第一条 为了加强机动车停车管理，制定本办法。第二条 停车场经营者应当明码标价。"),
    dict(path="规范性文件/信息公开.txt", title="环翠区人民政府关于做好政府信息公开工作的通知", doc_number="威环政发〔2012〕15号",
         issuer="威海市环翠区人民政府", publish_date="2012-03-05", topic="综合政务", keywords=["信息公开"],
         body="各镇人民政府、街道办事处：为深入推进政府信息公开工作，保障公民依法获取政府信息，现将有关事项通知如下。"),
    dict(path="规范性文件/民政.txt", title="环翠区民政局关于城乡低保救助标准的通知", doc_number="威环民发〔2014〕3号",
         issuer="威海市环翠区民政局", publish_date="2014-06-30", topic="民政、扶贫、救灾",
         body="为保障困难群众基本生活，提高城乡居民最低生活保障标准。请各镇人民政府抓好落实。"),
    dict(path="规范性文件/环保.txt", title="威海市大气污染防治实施方案", doc_number="威政办发〔2014〕11号",
         issuer="威海市人民政府办公室", publish_date="2014-09-01", topic="城乡建设、环境保护", validity="废止",
         body="为改善空气质量，减少机动车尾气排放，加强扬尘治理，制定本方案。"),
    dict(path="规范性文件/体育.txt", title="環翠區全民健身實施計劃", doc_number="威环政办发〔2016〕9号",
         issuer="威海市环翠区人民政府办公室", publish_date="2016-07-01", topic="卫生、体育",
         body="推进全民健身设施建设，到2020年人均体育场地面积达到二平方米。"),
    dict(path="法律法规/护士条例.md", title="护士条例", doc_number="国务院令第517号", issuer="国务院", kind="法律法规",
         publish_date="2008-01-31", topic="卫生、体育",
         body="第一条 为了维护护士的合法权益，规范护理行为，促进护理事业发展，保障医疗安全和人体健康，制定本条例。"),
    dict(path="规范性文件/停车收费.txt", title="关于调整城区公共停车场收费标准的通知", doc_number="威价发〔2015〕2号",
         issuer="威海市物价局", publish_date="2015-03-10", topic="交通",
         body="经研究，决定调整城区公共停车场收费标准。威海市停车管理办法另有规定的，从其规定。"),
]


def add_docs(lib: Library, docs: Iterable[dict[str, Any]], *, defer_index: bool = False) -> None:
    with lib.writer(defer_index=defer_index) as w:
        for d in docs:
            text = d.get("pages") or [d.get("body", "")]
            data = "\n".join(text).encode("utf-8") + d["path"].encode()
            checksum = hashlib.sha256(data).hexdigest()
            copy = lib.copy_path_for(checksum, Path(d["path"]).suffix)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(data)
            meta = DocumentMeta(
                kind=d.get("kind", "规范性文件"), title=d["title"], doc_number=d.get("doc_number", ""),
                order_number=d.get("order_number", ""),
                issuer=d.get("issuer", ""), publish_date=d.get("publish_date", ""), topic=d.get("topic", ""),
                validity=d.get("validity", "有效"), replaced_by=d.get("replaced_by", ""),
                keywords=list(d.get("keywords", [])), reviewer=d.get("reviewer", "王审"),
                review_date=d.get("review_date", "2024-01-01"),
                gazette_year=d.get("gazette_year"), gazette_issue=d.get("gazette_issue"),
                contents=[GazetteItem(**c) for c in d.get("contents", [])],
                # A validity the document states is the staff's word (as from a sidecar): the
                # families of versions leave it alone.
                sources={"validity": "sidecar"} if "validity" in d else {},
            )
            w.add_or_update(d["path"], copy, checksum, len(data), 0.0,
                            Extracted(pages=list(text), page_count=len(text), has_text=True, format="txt"), meta)


@pytest.fixture
def make_library(tmp_path: Path) -> Callable[..., Library]:
    opened: list[Library] = []

    def make(docs: Iterable[dict[str, Any]] = DOCS, **settings: Any) -> Library:
        config = parse_config("").with_overrides(settings)
        lib = Library.open(tmp_path / f"lib{len(opened)}", config, writable=True)
        opened.append(lib)
        add_docs(lib, docs)
        return lib

    yield make
    for lib in opened:
        lib.close()
