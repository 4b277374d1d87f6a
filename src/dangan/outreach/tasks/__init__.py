"""Background work of the outreach app: each part's tasks in tasks/<part>.py (load by id, call the actions)."""
