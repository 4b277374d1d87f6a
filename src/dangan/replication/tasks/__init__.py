"""The replication app's background tasks, one module per part: load by id, call the same actions as the CLI."""
