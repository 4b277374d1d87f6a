"""The conservation app's models: shared ones (migration 0001) here, each part's in models/<part>.py imported below
(docs/development/conservation.md)."""

from .condition import UnitCondition
from .custody import CheckOut
from .environment import ClimateLimits, Excursion, HourlySummary, Reading, Sensor
from .locations import Location, Placement

__all__ = ["CheckOut", "Location", "Placement", "UnitCondition"]
__all__ += ["ClimateLimits", "Excursion", "HourlySummary", "Reading", "Sensor"]  # part environment
