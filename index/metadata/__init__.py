"""What is known about a document besides its text: title, 文号, issuer, dates, validity…

:func:`derive_metadata` merges four sources, strongest first, field by field:

1. ``sidecar``: ``NAME.EXT.json`` next to the document, written by staff (Chinese keys
   such as 标题/文号/发布机构, or the English field names of :class:`DocumentMeta`);
2. ``spreadsheet``: the folder catalogue (``目录.xlsx``, ``catalog.xlsx``, ``目录.csv`` or
   ``catalog.csv``) in the document's folder, one row per file (column 文件名);
3. ``text``: what the document says: labelled header fields (索引号/发布机构/成文日期… on
   pages saved from government sites), the title lines under the red head, the 文号 line,
   the signature block (issuer and date), 施行 dates; Markdown laws (``# title``,
   ``2013年2月19日 … 通过``) get their own reading;
4. ``path``: kind from the top folder (setting ``metadata.kind_folders``), gazette year
   and issue from ``2012年第3期`` in a file or folder name, a date or 文号 in the file name,
   and as a last resort the title from the file name.

One exception to the order: the *kind* from the folder beats a kind guessed from the
text (a 法律法规 folder is a statement by staff, the text's Markdown shape is a guess).
``DocumentMeta.sources`` names the source of every field that was set, plus
``sidecar_error`` / ``spreadsheet_error`` when such a file could not be used (the
document is never lost over a bad sidecar).

The package's rooms: ``fields`` (field names and value normalisers), ``sources``
(sidecars, folder spreadsheets, the change signature), ``from_text``, ``from_path``,
``gazette`` (contents pages), ``families`` (versions of one document), ``review``
(trusted folders) and ``derive`` (the merge). Import from the package.
"""

from __future__ import annotations

from index.metadata.derive import derive_metadata
from index.metadata.families import assign_families, family_key
from index.metadata.fields import normalize_validity, parse_date
from index.metadata.gazette import parse_gazette_contents
from index.metadata.review import is_trusted_folder, review_state
from index.metadata.sources import (
    CATALOGUE_NAMES,
    FOLDER_CATALOGUE_NAMES,
    FolderSignatures,
    clear_catalogue_cache,
    metadata_inputs,
    metadata_signature,
    read_sidecar,
    sidecar_path,
)

__all__ = [
    "CATALOGUE_NAMES",
    "FOLDER_CATALOGUE_NAMES",
    "FolderSignatures",
    "assign_families",
    "clear_catalogue_cache",
    "derive_metadata",
    "family_key",
    "is_trusted_folder",
    "metadata_inputs",
    "metadata_signature",
    "normalize_validity",
    "parse_date",
    "parse_gazette_contents",
    "read_sidecar",
    "review_state",
    "sidecar_path",
]
