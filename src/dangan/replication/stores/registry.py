"""Which store serves a target: each kind's module registers a factory (``register_store``) when the app is
ready (replication.hooks), and ``store_for`` builds the store of a target from its row."""

from __future__ import annotations

from collections.abc import Callable

from dangan.replication.models import Target

from .base import StoreError, TargetStore

__all__ = ["register_store", "store_for"]

StoreFactory = Callable[[Target], TargetStore]
_factories: dict[str, StoreFactory] = {}


def register_store(kind: str, factory: StoreFactory) -> None:
    """Serve targets of ``kind`` (replication.choices.TargetKind) with ``factory(target)``."""
    _factories[kind] = factory


def store_for(target: Target) -> TargetStore:
    factory = _factories.get(target.kind)
    if factory is None:
        raise StoreError(f"备份目标 {target.name} 的类型 {target.kind} 尚无存储实现")
    return factory(target)
