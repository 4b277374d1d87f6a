"""The outreach app's models: shared ones (migration 0001) here, each part's in models/<part>.py imported below
(docs/development/outreach.md)."""

# part oai
from .oai import OaiRecord
from .stories import Story, StoryStatus

__all__ = ["OaiRecord", "Story", "StoryStatus"]
