from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from demo import accounts as accounts_demo
from demo import areas as areas_demo
from demo import cases as cases_demo
from demo import cohorts as cohorts_demo
from demo import decisions as demo_decisions
from demo import interventions as demo_work
from demo import mentoring as demo_mentoring
from demo import outreach as demo_outreach
from demo import panels as demo_panels
from demo import police as demo_police
from demo import story as demo_story


class Command(BaseCommand):
    help = "Load synthetic demo data (made-up people only). Safe to run again: it adds only what is missing."

    def handle(self, *args, **options):
        if not settings.DEMO:
            raise CommandError("Demo data can only be loaded in demo mode. Set DEMO=1 (never on a live system).")
        with transaction.atomic():
            agencies = accounts_demo.seed_agencies()
            users = accounts_demo.seed_personas(agencies)
            population = areas_demo.seed_base_population(areas_demo.seed_areas())
            created = cases_demo.seed_children(agencies, users, timezone.localdate())
            today = timezone.localdate()
            story = demo_story.seed_story(agencies, users, today)
            interventions = demo_work.seed(agencies, users, today)
            meetings = demo_panels.seed(agencies, users, today)
            police = demo_police.seed(agencies, users, today)
            mentors = demo_mentoring.seed(agencies, users, today)
            outreach = demo_outreach.seed(agencies, users, today)
        # After the case data commits: the recalculation publishes in its own transaction.
        cohort = cohorts_demo.load_demo_cohort()
        decisions = demo_decisions.load_demo_decisions()
        added = [
            f"{created} new children",
            *([f"base population ({population} rows)"] if population else []),
            *(["contexts, families, chronologies and referrals"] if story else []),
            *([f"{interventions} interventions"] if interventions else []),
            *([f"{meetings} panel meetings"] if meetings else []),
            *(["police records"] if police else []),
            *([f"a mentoring network of {mentors} mentors"] if mentors else []),
            *(["outreach events, establishments, door-to-door and group work"] if outreach else []),
            *(["cohort observations and a published recalculation"] if cohort else []),
            *([f"{decisions} cohort nominations and decisions"] if decisions else []),
        ]
        self.stdout.write(
            f"Demo data ready: {len(agencies)} agencies, {len(users)} logins; added " + ", ".join(added) + "."
        )
