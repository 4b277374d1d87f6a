"""The outreach app's models: shared ones (migration 0001) here, each part's in models/<part>.py imported below
(docs/development/outreach.md)."""

from .exhibitions import (  # part exhibitions
    BlockKind,
    Exhibition,
    ExhibitionBlock,
    ExhibitionPage,
    ExhibitionSection,
    ExhibitionStatus,
)
from .oai import OaiRecord  # part oai
from .stories import Story, StoryStatus
from .themes import PlaceCounty, Theme, ThemeMilestone, ThemeQuery, ThemeSection, ThemeStatus, ThemeUnit  # part themes
from .wechat import PushState, WechatPush, WechatToken  # part wechat

__all__ = ["Story", "StoryStatus"]
__all__ += ["PushState", "WechatPush", "WechatToken"]  # part wechat
__all__ += ["BlockKind", "Exhibition", "ExhibitionBlock", "ExhibitionPage", "ExhibitionSection", "ExhibitionStatus"]
__all__ += ["PlaceCounty", "Theme", "ThemeMilestone", "ThemeQuery", "ThemeSection", "ThemeStatus", "ThemeUnit"]
__all__ += ["OaiRecord"]  # part oai
