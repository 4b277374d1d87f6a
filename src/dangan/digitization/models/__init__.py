"""Digitization's models, one module per aggregate."""

from .batches import Batch, BatchUnit, BatchUpload, Inspection, InspectionItem, PageScan, QcResult
from .ocr import OcrRun, OcrRunStatus, PageText, PageTextRevision, TextSource

__all__ = [
    "Batch",
    "BatchUnit",
    "BatchUpload",
    "Inspection",
    "InspectionItem",
    "OcrRun",
    "OcrRunStatus",
    "PageScan",
    "PageText",
    "PageTextRevision",
    "QcResult",
    "TextSource",
]
