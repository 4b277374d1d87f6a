"""The outreach app's models: shared ones (migration 0001) here, each part's in models/<part>.py imported below
(docs/development/outreach.md)."""

from .stories import Story, StoryStatus

# part themes
from .themes import PlaceCounty, Theme, ThemeMilestone, ThemeQuery, ThemeSection, ThemeStatus, ThemeUnit

__all__ = ["Story", "StoryStatus"]
__all__ += ["PlaceCounty", "Theme", "ThemeMilestone", "ThemeQuery", "ThemeSection", "ThemeStatus", "ThemeUnit"]
