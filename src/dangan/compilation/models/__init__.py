"""The compilation app's models, each part's in models/<part>.py imported below (docs/development/compilation.md)."""

__all__: list[str] = []
