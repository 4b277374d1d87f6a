"""Outreach and publication (宣传与开发利用): thematic databases, online exhibitions, stories and their push to WeChat,
and the interchange of descriptions (OAI-PMH, EAD3, EAC-CPF). See docs/development/outreach.md."""
