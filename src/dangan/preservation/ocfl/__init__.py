"""OCFL 1.1 storage for preserved packages: the storage root, writing versions crash-safely, reading, fixity checks
and a validator. Pure Python, no Django: the preservation app's actions call it."""
