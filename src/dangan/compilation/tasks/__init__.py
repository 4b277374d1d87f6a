"""Background work of the compilation app (the exports): load by id, call the actions, report progress."""
