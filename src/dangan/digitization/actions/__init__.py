"""Digitization's actions: the only code that changes its state (check_* then do_*)."""
