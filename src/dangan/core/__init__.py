"""Institution, users and roles (三员分立), and the tamper-evident audit log."""
