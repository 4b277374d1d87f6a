from .authorities import Authority, UnitAuthority
from .disposals import UnitDisposal
from .fonds import Fonds, RecordCategory, ReferenceCodeRule
from .imports import ImportBatch
from .units import ArchivalUnit, Subject

__all__ = [
    "ArchivalUnit",
    "Authority",
    "Fonds",
    "ImportBatch",
    "RecordCategory",
    "ReferenceCodeRule",
    "Subject",
    "UnitAuthority",
    "UnitDisposal",
]
