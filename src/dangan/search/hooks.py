"""Registers search's audit action types and menu entries, and follows catalog changes."""
