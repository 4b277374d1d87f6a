"""The only code that changes the access app's state: check_* validates, do_* writes, logs and signals."""
