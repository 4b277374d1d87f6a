"""dangan (档案): an open-source digital archives system for Chinese archives."""

__version__ = "0.1.0"
