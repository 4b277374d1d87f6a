"""Shared building blocks: base models, registries, helpers. Depends on nothing else in dangan."""
