from .dictionary import DictionaryTerm

__all__ = ["DictionaryTerm"]
