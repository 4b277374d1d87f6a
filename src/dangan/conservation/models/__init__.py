"""The conservation app's models: shared ones (migration 0001) here, each part's in models/<part>.py imported below
(docs/development/conservation.md)."""

from .condition import UnitCondition
from .custody import CheckOut
from .environment import ClimateLimits, Excursion, HourlySummary, MonthlySeries, Reading, Sensor
from .locations import Location, Placement
from .restoration import TreatmentStep, WorkOrder, WorkOrderEvent, WorkOrderPhotograph  # part restoration
from .stacks import Move  # part stacks
from .surveys import Campaign, CampaignStatus, CampaignUnit, SurveyOrigin, SurveyPhoto, SurveyRecord  # part surveys

__all__ = ["CheckOut", "Location", "Placement", "UnitCondition"]
__all__ += ["Move"]  # part stacks
__all__ += ["Campaign", "CampaignStatus", "CampaignUnit", "SurveyOrigin", "SurveyPhoto", "SurveyRecord"]  # surveys
__all__ += ["TreatmentStep", "WorkOrder", "WorkOrderEvent", "WorkOrderPhotograph"]  # part restoration
__all__ += ["ClimateLimits", "Excursion", "HourlySummary", "MonthlySeries", "Reading", "Sensor"]  # part environment
