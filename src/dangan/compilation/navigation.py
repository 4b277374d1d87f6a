"""The start page of 档案编研 (/manage/compilation/): each part registers its links in hooks.py."""

from __future__ import annotations

from dangan.core.roles import Capability, has_capability
from dangan.utilities.start_page import Link, StartPage

__all__ = ["Link", "register_link", "start_page"]

start_page = StartPage(Capability.COMPILATION_EDIT, has_capability)
register_link = start_page.register
