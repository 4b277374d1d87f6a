"""Automatic image quality control of DA/T 31-2017 (no Django here): each page image is decoded once and measured on
a downsampled copy (resolution, colour mode, skew, blank page, black borders, perceptual hash); a unit's pages are
then checked together (page count, names and order, duplicates). See docs/development/digitization-qc.md."""

from .page import check_page
from .results import CHECKS, CheckResult, PageCheck, ScanSpec
from .unit import check_unit, page_number

__all__ = ["CHECKS", "CheckResult", "PageCheck", "ScanSpec", "check_page", "check_unit", "page_number"]
