"""The compilation app's models, each part's in models/<part>.py imported below (docs/development/compilation.md)."""

# part volumes
from .volumes import (
    Compilation,
    CompilationStatus,
    Entry,
    EntryImage,
    ExportFormat,
    ExportJob,
    ExportState,
    Note,
    Section,
    TextSource,
)

__all__: list[str] = []
__all__ += [  # part volumes
    "Compilation",
    "CompilationStatus",
    "Entry",
    "EntryImage",
    "ExportFormat",
    "ExportJob",
    "ExportState",
    "Note",
    "Section",
    "TextSource",
]
