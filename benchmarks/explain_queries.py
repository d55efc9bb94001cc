"""EXPLAIN ANALYZE the queries behind name search and the child profile, on the generated city.

    python -m benchmarks.explain_queries [--name "Smyth"] [--child 123] [--only search|profile] [--user caseworker]

Without --child it picks the visible child with the longest chronology. Prints each query's SQL and
its plan (ANALYZE, BUFFERS), so index changes can be compared before and after.
"""

from __future__ import annotations

import argparse
import sys

from benchmarks import env


def explain(label: str, queryset_or_sql, params=()) -> float:
    from django.db import connection

    if hasattr(queryset_or_sql, "query"):
        sql, params = queryset_or_sql.query.sql_with_params()
    else:
        sql = queryset_or_sql
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    total = next((float(line.split(":")[1].split()[0]) for line in plan if line.startswith("Execution Time")), 0.0)
    print(f"\n=== {label}: {total:.1f} ms")
    print(connection.ops.compose_sql(sql, params))
    print("\n".join(plan))
    return total


def search_querysets(user, name: str):
    from cases import queries
    from cases.names import normalise

    queryset = queries.Child.objects.visible_to(user)
    for token in normalise(name).split():
        queryset = queryset.filter(queries._name_token_matches(token))
    return queryset.order_by("family_name", "given_name", "id")[:50]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", action="append", help="a name to search for (repeatable)")
    parser.add_argument("--child", type=int, help="child id for the profile queries")
    parser.add_argument("--only", choices=("search", "profile"))
    parser.add_argument("--user", default="caseworker")
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    env.configure(args.database_url)

    from django.db.models import Count

    from accounts.models import User
    from cases import queries
    from cases.models import Child, ChronologyEvent

    user = User.objects.get(username=args.user)
    totals = {}
    if args.only in (None, "search"):
        for name in args.name or ["Thom", "Oliver Smith", "Smyth", "Jack Tomsen", "Ziggy"]:
            totals[f"search {name!r}"] = explain(f"search {name!r}", search_querysets(user, name))
    if args.only in (None, "profile"):
        pk = args.child
        if pk is None:
            heavy = (
                ChronologyEvent.objects.filter(child__in=Child.objects.visible_to(user).values("pk"))
                .values("child_id")
                .annotate(n=Count("id"))
                .order_by("-n")
                .first()
            )
            pk = heavy["child_id"]
        totals["visible_child"] = explain("visible_child", Child.objects.visible_to(user).filter(pk=pk)[:1])
        child = Child.objects.get(pk=pk)
        chronology = queries.child_chronology(child)
        totals["chronology count"] = explain("chronology count", chronology.order_by().values("pk"))
        totals["chronology page 1"] = explain("chronology page 1", chronology[:50])
        totals["involvements_of"] = explain("involvements_of", queries.involvements_of(child))
        totals["context_links_of"] = explain("context_links_of", queries.context_links_of(child))
        visible = queries.visible_children(user).values("pk")
        peers = queries.PeerLink.objects.filter(
            queries.Q(child_a=child, child_b__in=visible) | queries.Q(child_b=child, child_a__in=visible)
        ).select_related("child_a", "child_b", "source_agency")
        totals["peers_of"] = explain("peers_of", peers)
        totals["families_of"] = explain("families_of", queries.families_of(child))
        totals["referrals_about_child"] = explain("referrals_about_child", queries.referrals_about_child(child))
        totals["plans_for_child"] = explain("plans_for_child", queries.plans_for_child(user, child))
        totals["shared_links"] = explain("shared_links", queries.shared_links(user, child)[:100])
        totals["children_sharing_contexts"] = explain(
            "children_sharing_contexts", queries.children_sharing_contexts(user, child)[:100]
        )
    print("\n=== summary (execution time, ms)")
    for label, total in totals.items():
        print(f"{label:<30} {total:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
