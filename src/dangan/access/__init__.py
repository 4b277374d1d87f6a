"""利用 (use and openness): the public portal, readers and their access requests, the reading room and copies, the
utilization register, and the Archives Law's openness review (开放审核). See docs/development/access.md."""
