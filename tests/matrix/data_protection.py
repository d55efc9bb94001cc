"""Data protection operations under /audit/: retention rules (the DPO and the system administrator),
the disposal review and subject access exports (the DPO alone)."""

from oversight.models import ExportItem, RetentionRule, SubjectAccessExport
from tests.matrix import council_child_reference, expect


def rule_pk(p):
    return {"pk": RetentionRule.objects.get(record_type="mentor").pk}


def export_of_council_child(p) -> SubjectAccessExport:
    export = SubjectAccessExport.objects.create(
        child=p.council_child, request_note="Test request", prepared_by=p.users["dpo"]
    )
    ExportItem.objects.create(
        export=export, source="cases.family", object_id=p.family.pk, title="Family FA-T0001", flag="third_party"
    )
    return export


def export_pk(p):
    return {"pk": export_of_council_child(p).pk}


def item_pks(p):
    export = export_of_council_child(p)
    return {"pk": export.pk, "item_pk": export.items.get().pk}


ROUTES = {
    "oversight:retention_rules": expect(("dpo", "admin")),
    # An empty form is refused with its errors; nobody else learns the page exists.
    "oversight:retention_rule_edit": expect(("dpo", "admin"), kwargs=rule_pk),
    "oversight:disposal_review": expect(("dpo",)),
    "oversight:subject_access": expect(("dpo",)),
    "oversight:subject_access_detail": expect(("dpo",), kwargs=export_pk, must_not_leak=council_child_reference),
    # An empty decision is refused with the form's errors (the DPO's refusal names the young person,
    # so there is no leak check here: everyone else's 404 is the generic page).
    "oversight:subject_access_decide": expect(("dpo",), status=400, kwargs=item_pks, method="post"),
    # The export's family item is undecided, so the DPO is told to decide first (400); nothing is released.
    "oversight:subject_access_pdf": expect(("dpo",), status=400, kwargs=export_pk),
    "oversight:subject_access_json": expect(("dpo",), status=400, kwargs=export_pk),
}
