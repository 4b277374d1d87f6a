"""Preservation: the OCFL storage root, fixity, METS and PREMIS."""
