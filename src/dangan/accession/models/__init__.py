"""Accession records: the register of collected material and transfers, their check reports, uploads."""

from .reports import CheckItem, CheckReport
from .transfers import Acquisition, Transfer, TransferItem, TransferStep
from .uploads import Upload

__all__ = ["Acquisition", "CheckItem", "CheckReport", "Transfer", "TransferItem", "TransferStep", "Upload"]
