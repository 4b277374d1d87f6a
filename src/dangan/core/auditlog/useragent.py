"""A readable client from a User-Agent header: the browser and its major version, and the operating system
("Chrome 120 · Windows 10/11"). Enough for an auditor to tell machines apart; the raw header stays in the entry."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

# Order matters: browsers built on Chromium also say "Chrome/", and Chrome also says "Safari/".
_BROWSERS: list[tuple[str, str]] = [
    (r"MicroMessenger/(\d+)", "微信"),
    (r"QQBrowser/(\d+)", "QQ 浏览器"),
    (r"UCBrowser/(\d+)", "UC 浏览器"),
    (r"Edg(?:e|A|iOS)?/(\d+)", "Edge"),
    (r"OPR/(\d+)", "Opera"),
    (r"SE 2\.X MetaSr", "搜狗浏览器"),
    (r"360SE|360EE", "360 浏览器"),
    (r"HeadlessChrome/(\d+)", "Chrome（无界面）"),
    (r"(?:Chrome|CriOS)/(\d+)", "Chrome"),
    (r"(?:Firefox|FxiOS)/(\d+)", "Firefox"),
    (r"Version/(\d+)[\d.]* (?:Mobile/\S+ )?Safari/", "Safari"),
    (r"(?:MSIE |Trident/.*rv:)(\d+)", "Internet Explorer"),
    (r"curl/(\d+)", "curl"),
    (r"python-requests/(\d+)", "Python requests"),
]
_WINDOWS = {"10.0": "10/11", "6.3": "8.1", "6.2": "8", "6.1": "7", "6.0": "Vista", "5.1": "XP"}


def _system(agent: str) -> str:
    if match := re.search(r"Windows NT (\d+\.\d+)", agent):
        return f"Windows {_WINDOWS.get(match.group(1), match.group(1))}"
    if "HarmonyOS" in agent or "OpenHarmony" in agent:
        return "HarmonyOS"
    if match := re.search(r"Android (\d+)", agent):
        return f"Android {match.group(1)}"
    if match := re.search(r"(?:iPhone|CPU) OS (\d+)", agent):
        return f"iOS {match.group(1)}"
    if "iPad" in agent:
        return "iPadOS"
    if match := re.search(r"Mac OS X (\d+)[_.](\d+)", agent):
        return f"macOS {match.group(1)}.{match.group(2)}"
    for marker, name in (("UOS", "统信 UOS"), ("Kylin", "麒麟"), ("Deepin", "深度"), ("CrOS", "ChromeOS")):
        if marker in agent:
            return name
    if "Linux" in agent or "X11" in agent:
        return "Linux"
    return ""


def describe_user_agent(agent: str) -> str:
    """ "Chrome 120 · Windows 10/11"; the first 60 characters when nothing is recognised; "" for no header."""
    agent = (agent or "").strip()
    if not agent:
        return ""
    browser = ""
    for pattern, name in _BROWSERS:
        if match := re.search(pattern, agent):
            version = match.group(1) if match.groups() else ""
            browser = f"{name} {version}".strip()
            break
    system = _system(agent)
    parts = [p for p in (browser, system) if p]
    if not parts:
        return _("未知客户端（%(agent)s）") % {"agent": agent[:60]}
    return " · ".join(parts)
