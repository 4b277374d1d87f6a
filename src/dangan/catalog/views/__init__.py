"""The catalog pages of the staff workspace, one module per topic."""

from .authorities import authority_create, authority_detail, authority_edit, authority_list, authority_picker
from .disposals import disposal_decide, disposal_detail, disposal_list, unit_dispose
from .exports import fonds_export
from .fonds import fonds_detail, fonds_edit, fonds_list, renumber, tree_children
from .imports import import_checked, import_detail, import_list, import_new, import_progress
from .units import (
    unit_create,
    unit_delete,
    unit_detail,
    unit_edit,
    unit_link_authority,
    unit_move,
    unit_unlink_authority,
)

__all__ = [
    "authority_create",
    "authority_detail",
    "authority_edit",
    "authority_list",
    "authority_picker",
    "disposal_decide",
    "disposal_detail",
    "disposal_list",
    "fonds_detail",
    "fonds_edit",
    "fonds_export",
    "fonds_list",
    "import_checked",
    "import_detail",
    "import_list",
    "import_new",
    "import_progress",
    "renumber",
    "tree_children",
    "unit_create",
    "unit_delete",
    "unit_detail",
    "unit_dispose",
    "unit_edit",
    "unit_link_authority",
    "unit_move",
    "unit_unlink_authority",
]
