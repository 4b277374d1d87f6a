from .dictionary import DictionaryTerm
from .index import CachedTermMatch, FullTextEntry, IndexState, UnitIndexEntry

__all__ = ["CachedTermMatch", "DictionaryTerm", "FullTextEntry", "IndexState", "UnitIndexEntry"]
