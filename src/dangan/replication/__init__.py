"""Paired, heterogeneous, off-site backup (结对异质异地备份) — see docs/development/replication.md"""
