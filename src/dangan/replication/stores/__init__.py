"""Replication targets' stores (stores.base.TargetStore): one module per kind of target, and ``store_for(target)``
which picks it (stores.registry)."""
