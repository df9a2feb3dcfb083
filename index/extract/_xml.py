"""One safe XML parser for the zip-based formats: no entities, no network, no huge trees."""

from __future__ import annotations

from lxml import etree

from index.errors import ExtractionError


def parse_xml(data: bytes, what: str) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True, recover=False
    )
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        if "memory" in str(exc).lower():
            raise ExtractionError("out_of_memory", f"{what}: {exc}") from exc
        raise ExtractionError("corrupt", f"{what}: not well-formed XML: {exc}") from exc


def local(tag: object) -> str:
    """The local name of an element tag ('{ns}Page' -> 'Page'); '' for comments and PIs."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
