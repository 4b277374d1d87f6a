"""BagIt (RFC 8493) for accession: validate a bag, make one from a folder or a .zip. Pure Python, no Django.

report = validate_bag("/inbox/sip-2024-001")       # BagReport: .valid, .errors, .warnings, totals, digests
bag = make_bag("/inbox/transfer.zip", "/work/sip")  # unpacked safely, bagged (or the bag inside, as it is)
"""

from .hashing import Progress
from .make import make_bag
from .problems import CODES, BagError, BagReport, FetchEntry, Problem, Severity
from .unzip import ZipLimits, unpack_zip
from .validate import validate_bag

__all__ = [
    "CODES",
    "BagError",
    "BagReport",
    "FetchEntry",
    "Problem",
    "Progress",
    "Severity",
    "ZipLimits",
    "make_bag",
    "unpack_zip",
    "validate_bag",
]
