"""Digitization's models, one module per aggregate."""

from .ocr import OcrRun, OcrRunStatus, PageText, PageTextRevision, TextSource

__all__ = ["OcrRun", "OcrRunStatus", "PageText", "PageTextRevision", "TextSource"]
