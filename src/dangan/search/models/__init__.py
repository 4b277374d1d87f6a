from .dictionary import DictionaryTerm
from .index import CachedTermMatch, IndexState, UnitIndexEntry

__all__ = ["CachedTermMatch", "DictionaryTerm", "IndexState", "UnitIndexEntry"]
