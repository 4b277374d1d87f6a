from .dictionary import DictionaryTerm
from .index import IndexState, UnitIndexEntry

__all__ = ["DictionaryTerm", "IndexState", "UnitIndexEntry"]
