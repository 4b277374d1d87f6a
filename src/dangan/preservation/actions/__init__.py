"""The only code that changes preservation state: preserving (preserving.py), files uploaded to a unit
(attaching.py), the index of the storage root (indexing.py), fixity audits (auditing.py) and reading files
(access.py)."""
