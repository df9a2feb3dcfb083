"""Families of versions: the same title by the same issuer; older versions are marked 已修订."""

from __future__ import annotations

import logging
import re

from index.metadata.fields import _nfkc
from index.models import CURRENT_VALIDITY, DocumentMeta

logger = logging.getLogger(__name__)


_VERSION_MARK = re.compile(
    r"[(（\[【]\s*(?:\d{4}\s*年?\s*(?:修订|修正|版|本)?|\d{4}-\d{2}-\d{2}|试行|暂行|修订|修正|修订版|"
    r"已废止|已失效|已修订|废止|失效|有效)\s*[)）\]】]"
)


def family_key(meta: DocumentMeta) -> tuple[str, str]:
    """(normalised title, normalised issuer): versions of one document share it."""
    title = _VERSION_MARK.sub("", _nfkc(meta.title))
    title = re.sub(r"[\s《》〈〉<>\"“”'‘’·]", "", title)
    issuer = re.sub(r"\s", "", _nfkc(meta.issuer))
    return title, issuer


def _states_validity(meta: DocumentMeta) -> bool:
    return meta.sources.get("validity") in ("sidecar", "spreadsheet", "text")


def assign_families(docs: list[tuple[str, DocumentMeta]]) -> dict[str, tuple[str, str]]:
    """Versions of one document (same normalised title and issuer, different dates).

    Returns doc key -> (validity, replaced_by) for every member of a family whose
    validity is not stated explicitly (sidecar, spreadsheet or a marker in the text):
    the newest is current (有效, ""), older ones are 已修订 and point to the newest as
    ``title（doc_number）``. Documents without a date, or families whose newest date is
    shared by two documents with different 文号, are left alone. A document whose validity
    an earlier pass set (``sources["validity"] == "family"``) but that no longer belongs to
    a family (the newer version left the share) is given back (有效, "").
    """
    groups: dict[tuple[str, str], list[tuple[str, DocumentMeta]]] = {}
    for key, meta in docs:
        fk = family_key(meta)
        if fk[0] and meta.date:
            groups.setdefault(fk, []).append((key, meta))
    result: dict[str, tuple[str, str]] = {}
    for members in groups.values():
        dates = {m.date for _, m in members}
        if len(dates) < 2:
            continue
        newest_date = max(dates)
        newest = [(k, m) for k, m in members if m.date == newest_date]
        if len({m.doc_number for _, m in newest}) > 1:
            logger.info("family %r: several versions dated %s; left alone", newest[0][1].title, newest_date)
            continue
        head = newest[0][1]
        pointer = f"{head.title}（{head.doc_number}）" if head.doc_number else head.title
        for key, meta in members:
            if _states_validity(meta):
                continue
            if meta.date == newest_date:
                result[key] = (CURRENT_VALIDITY, "")
            else:
                result[key] = ("已修订", pointer)
    for key, meta in docs:
        if key not in result and meta.sources.get("validity") == "family":
            result[key] = (CURRENT_VALIDITY, "")
    return result
