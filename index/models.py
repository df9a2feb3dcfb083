"""Plain data passed between the parts: the core returns these, the UI maps them to widgets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

KINDS = ("规范性文件", "政府公报", "法律法规", "其他")
VALIDITIES = ("有效", "废止", "失效", "已修订")
CURRENT_VALIDITY = "有效"

# Document states in the catalogue.
STATE_PUBLIC = "public"  # extracted, reviewed: visible to visitors
STATE_PENDING = "pending"  # extracted, waiting for review: never shown to visitors


@dataclass
class GazetteItem:
    """One entry of a gazette issue's contents (目录)."""

    title: str
    page: int  # 1-based page of the issue's file where the item starts
    doc_number: str = ""


@dataclass
class DocumentMeta:
    """Everything known about a document besides its text. Dates are ISO ``YYYY-MM-DD`` or ""."""

    kind: str = "其他"
    title: str = ""
    doc_number: str = ""  # 文号
    order_number: str = ""  # decree number (令), canonical: 国务院令第735号
    issuer: str = ""  # 发布机构
    written_date: str = ""  # 成文日期
    publish_date: str = ""  # 发布日期
    effective_date: str = ""  # 施行日期
    validity: str = CURRENT_VALIDITY  # 有效性
    replaced_by: str = ""  # title or doc_number of the replacing document (已修订/废止)
    topic: str = ""  # 主题分类
    index_number: str = ""  # 索引号
    keywords: list[str] = field(default_factory=list)  # 主题词
    url: str = ""
    gazette_year: int | None = None
    gazette_issue: int | None = None  # 期号 within the year
    contents: list[GazetteItem] = field(default_factory=list)
    reviewer: str = ""  # 审查人
    review_date: str = ""  # 审查日期
    # Which source gave each field: "sidecar", "spreadsheet", "text", "path", "family", "default".
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def date(self) -> str:
        """The date shown and sorted on: publication, else written, else effective."""
        return self.publish_date or self.written_date or self.effective_date

    @property
    def year(self) -> int | None:
        if self.gazette_year:
            return self.gazette_year
        d = self.date
        return int(d[:4]) if d[:4].isdigit() else None

    @property
    def reviewed(self) -> bool:
        return bool(self.reviewer and self.review_date)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentMeta:
        data = dict(data)
        data["contents"] = [GazetteItem(**c) for c in data.get("contents", [])]
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Extracted:
    """What the extraction worker returns for one file."""

    pages: list[str]  # text per page (one element for formats without pages)
    page_count: int
    has_text: bool  # False for a scan without a text layer
    format: str  # "pdf", "docx", "txt", "html", "md", "ofd", "doc"
    encoding: str = ""  # for TXT: the detected encoding
    title_hint: str = ""  # e.g. HTML <title>, DOCX core title
    # Scans only (index.extract._scan): per-page geometry, word boxes, confidence (``_ocr.ocr_info``).
    ocr: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.pages)


@dataclass
class Hit:
    id: str  # document id; for a gazette item "<doc id>#<page>"
    title: str
    kind: str
    doc_number: str
    issuer: str
    date: str
    validity: str
    source_path: str  # relative to the share root, forward slashes
    score: float
    snippet: str  # matched words wrapped in <mark>…</mark>
    doc_id: str = ""  # the document (equals id except for gazette items)
    page: int = 1  # page to open at (gazette item hits)
    replaced_by: str = ""
    topic: str = ""

    def to_json(self) -> dict[str, Any]:
        keys = ("id", "title", "kind", "doc_number", "issuer", "date", "validity", "source_path", "score", "snippet")
        return {k: getattr(self, k) for k in keys}


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]  # facet name ("kind", "year", "issuer", "topic", "validity") -> value -> count
    suggestions: list[str]
    corrected_query: str = ""  # set when the results are for a corrected query (typo fallback)
    query_cut: bool = False  # the query was longer than the bounds (index.bounds) and was cut
    terms: list[str] = field(default_factory=list)  # the query's words the hits matched (for marking them)
    restoring: bool = False  # the index is being rebuilt: title matches from the catalogue only

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "hits": [h.to_json() for h in self.hits],
            "facets": self.facets,
            "suggestions": self.suggestions,
        }


@dataclass
class Filters:
    kind: str | None = None
    year: int | None = None
    issuer: str | None = None
    topic: str | None = None
    validity: str | None = None
    valid_only: bool = False


@dataclass
class DocumentRecord:
    """A document as the catalogue holds it."""

    id: str
    source_path: str  # relative to the share root, forward slashes
    checksum: str  # sha256 hex of the content
    size: int
    mtime: float
    state: str  # STATE_PUBLIC or STATE_PENDING
    format: str
    page_count: int
    has_text: bool
    meta: DocumentMeta
    copy_path: str  # relative to the library root
    added_at: float = 0.0
    updated_at: float = 0.0
    sync_sig: str = ""  # the sync's signature of the metadata sources (sidecar, folder catalogue)


class FileState(NamedTuple):
    """What the sync compares with a file on the share (``Catalogue.file_states``)."""

    size: int
    mtime: float
    checksum: str
    sync_sig: str


@dataclass
class Rejection:
    source_path: str
    reason: str  # message key under "reject." in index/messages.toml
    detail: str  # English detail for logs and technicians
    size: int
    mtime: float
    checksum: str = ""
    at: float = 0.0

    @property
    def reason_text(self) -> str:
        from index.messages import t

        return t(f"reject.{self.reason}")
