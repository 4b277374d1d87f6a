"""编研: compilations of selected documents (选编/汇编) — units and their transcriptions with editorial notes, a
preface, editorial notes, a table of contents, images and an index — exported as print-ready PDF, EPUB 3 and DOCX.
See docs/development/compilation.md."""
