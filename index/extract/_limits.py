"""Limits for extracting one file, read from the ``extract.*`` settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

MIB = 1024 * 1024
OCR_LANGUAGES = "chi_sim"  # Tesseract's Simplified Chinese data (its Latin letters and digits too)


@dataclass(frozen=True)
class ExtractLimits:
    """What one extraction may cost. Defaults equal the ``extract.*`` defaults in index/config.py."""

    timeout_s: float = 60.0  # wall clock for one file; the worker is killed after it
    memory_mb: int = 1024  # address-space limit (RLIMIT_AS) of the worker process
    max_file_mb: int = 300  # larger files are refused from stat(), never read
    max_unzipped_mb: int = 500  # cap on the decompressed size of DOCX/OFD members
    max_pages: int = 3000  # documents with more pages are rejected
    legacy_converter: str = "auto"  # .doc/.wps: "auto" (soffice if installed), "none", or a path
    ocr_timeout_s: float = 60.0  # wall clock for recognising one scanned page
    ocr_max_pages: int = 200  # pages of one document recognised at most (0: no OCR)
    ocr_parallel_pages: int = 2  # pages of one document recognised at once (a tesseract process each)
    ocr_min_confidence: float = 60.0  # a page below this mean confidence is reported (ocr_low_confidence)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ExtractLimits:
        """Build the limits from a loaded configuration (``index.config.load_config``)."""
        return cls(
            timeout_s=float(config["extract.timeout_s"]),
            memory_mb=int(config["extract.memory_mb"]),
            max_file_mb=int(config["extract.max_file_mb"]),
            max_unzipped_mb=int(config["extract.max_unzipped_mb"]),
            max_pages=int(config["extract.max_pages"]),
            legacy_converter=str(config["extract.legacy_converter"]),
            ocr_timeout_s=float(config["extract.ocr_timeout_s"]),
            ocr_max_pages=int(config["extract.ocr_max_pages"]),
            ocr_parallel_pages=int(config["extract.ocr_parallel_pages"]),
            ocr_min_confidence=float(config["extract.ocr_min_confidence"]),
        )

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * MIB

    @property
    def max_unzipped_bytes(self) -> int:
        return self.max_unzipped_mb * MIB

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExtractLimits:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})
