"""Every write to case records: check the policy, write, audit, in one transaction."""

from cases.services.children import (
    EDITABLE_CHILD_FIELDS,
    add_alias,
    add_peer_link,
    break_glass,
    create_child,
    rebuild_search_names,
    remove_alias,
    update_child,
)
from safeguarding.services import StaleVersion

__all__ = [
    "EDITABLE_CHILD_FIELDS",
    "StaleVersion",
    "add_alias",
    "add_peer_link",
    "break_glass",
    "create_child",
    "rebuild_search_names",
    "remove_alias",
    "update_child",
]
