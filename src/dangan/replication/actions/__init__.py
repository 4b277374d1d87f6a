"""The replication app's actions, one module per part (docs/development/replication.md): check_* functions say
why something may not be done (ValidationError / PermissionDenied, in Chinese), do_* functions do it in one
transaction and write the audit log (core.audit), as in core/actions/accounts.py."""
