"""Children's and families' pages (issue 3): profile parts, links, chronology, families.

The child basics (detail, edit, exports, search, emergency access) stay in platform.py.
Fixture facts used here: council_child is seen only by the caseworker; the family holds
council_child and voluntary_child, so the caseworker and the voluntary worker both see it.
"""

from cases.models import ChildAlias, ContextLink
from tests.matrix import Expect, council_child_pk, council_child_reference, expect

EDITORS = ("caseworker", "police", "voluntary", "manager")
FAMILY_VIEWERS = ("caseworker", "voluntary")


def alias_kwargs(p):
    alias = ChildAlias.objects.create(child=p.council_child, name="Testalias")
    return {"pk": p.council_child.pk, "alias_pk": alias.pk}


def hotspot_link_kwargs(p):
    link = ContextLink.objects.get(child=p.council_child, context=p.hotspot)
    return {"pk": p.council_child.pk, "link_pk": link.pk}


def family_pk(p):
    return {"pk": p.family.pk}


def family_reference(p):
    return p.family.reference


def caseworker_only(**kwargs) -> Expect:
    return expect(
        ("caseworker",), kwargs=kwargs.pop("kwargs", council_child_pk), must_not_leak=council_child_reference, **kwargs
    )


def family_page(**kwargs) -> Expect:
    return expect(FAMILY_VIEWERS, kwargs=family_pk, must_not_leak=family_reference, **kwargs)


ROUTES: dict[str, Expect] = {
    "cases:child_create": expect(EDITORS),
    "cases:child_connections": caseworker_only(),
    # Without htmx a GET redirects to the profile; an empty POST is the quick-add form's errors.
    "cases:child_chronology": caseworker_only(method="post"),
    "cases:child_alias_add": caseworker_only(),
    "cases:child_alias_delete": caseworker_only(status=302, method="post", kwargs=alias_kwargs),
    "cases:child_context_link": caseworker_only(),
    "cases:child_context_link_end": caseworker_only(status=302, method="post", kwargs=hotspot_link_kwargs),
    "cases:child_peer_add": caseworker_only(),
    "cases:family_create": expect(EDITORS),
    "cases:family_detail": family_page(),
    "cases:family_edit": family_page(),
    "cases:family_chronology": family_page(method="post"),
    "cases:family_member_add": family_page(),
    "cases:family_adult_add": family_page(),
    "cases:family_fact_add": family_page(),
}
