"""Digitization's models, one module per aggregate."""

from .batches import Batch, BatchUnit, BatchUpload, Inspection, InspectionItem, PageScan, QcResult

__all__ = ["Batch", "BatchUnit", "BatchUpload", "Inspection", "InspectionItem", "PageScan", "QcResult"]
