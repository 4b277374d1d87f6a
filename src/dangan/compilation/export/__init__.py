"""The exports of a compilation (part export): ``book.Book`` is what every writer reads — the volume already
assembled, limited to what the exporting person may see — so the writers know no model: ``pdf.write_pdf``,
``epub.write_epub``, ``docx.write_docx``. A writer that cannot finish raises ``ExportError`` with a message fit to
show (in Chinese); nothing is left half-written at ``out`` when it is a path."""


class ExportError(RuntimeError):
    """An export that cannot be made (a missing image, a missing font, an unwritable destination); the message says
    why, in Chinese."""
