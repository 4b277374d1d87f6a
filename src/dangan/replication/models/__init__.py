"""The replication app's models, one module per part (docs/development/replication.md). The shared core —
partners, targets, replicas and the envelopes at each target, and what this node keeps for its partners — is in
migration 0001; each part adds its own models in a migration of its own."""

from .audits import AuditOutcome, AuditRun  # part audits
from .discs import Disc, DiscSet
from .drills import DrillRun  # part drills
from .keeping import KeptEnvelope
from .partners import Partner
from .policy import BackupRecord, RegisterKind, ReplicationRule  # part transfers
from .protocol import SeenNonce  # part protocol
from .replicas import Replica, StoredEnvelope
from .targets import Target

__all__ = [
    "AuditOutcome",
    "AuditRun",
    "BackupRecord",
    "Disc",
    "DiscSet",
    "DrillRun",
    "KeptEnvelope",
    "Partner",
    "RegisterKind",
    "Replica",
    "ReplicationRule",
    "SeenNonce",
    "StoredEnvelope",
    "Target",
]
