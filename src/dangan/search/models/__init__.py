from .dictionary import DictionaryTerm
from .index import UnitIndexEntry

__all__ = ["DictionaryTerm", "UnitIndexEntry"]
