"""The exports of a compilation (part export): ``book.Book`` is what every writer reads — the volume already
assembled, limited to what the exporting person may see — so the writers know no model: ``pdf.write_pdf``,
``epub.write_epub``, ``docx.write_docx``."""
