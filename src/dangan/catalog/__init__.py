"""The archival catalog: fonds, archival units, reference codes (档号), authority records, visibility policy."""
