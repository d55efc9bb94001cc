"""Case record pages, one module per area; all under the 'cases' namespace."""

from cases.urls import assessments, children, contexts, families, grants, referrals

app_name = "cases"
urlpatterns = [
    *children.urlpatterns,
    *families.urlpatterns,
    *contexts.urlpatterns,
    *referrals.urlpatterns,
    *assessments.urlpatterns,
    *grants.urlpatterns,
]
