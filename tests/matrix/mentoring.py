"""Community mentoring pages. The coordinator (of the mentoring network) runs vetting, the
waiting list and matches; a worker who can see a child refers them (the caseworker, for the
council child); the mentor persona sees only their own match with the mentee (backed by the
partnership's access grant). Everyone else gets 404, and nobody learns a record exists."""

from conftest import PERSONAS
from tests.matrix import ANONYMOUS, Expect, expect
from tests.matrix.api import api
from tests.mentoring_helpers import partnership_match

COORDINATOR = ("coordinator",)
MENTOR = ("mentor",)


def mentor_pk(p):
    return {"pk": partnership_match(p).mentor_id}


def referral_pk(p):
    return {"pk": partnership_match(p).referral_id}


def match_pk(p):
    return {"pk": partnership_match(p).pk}


def mentee_reference(p):
    return p.mentee.reference


def council_child(p):
    return {"child_pk": p.council_child.pk}


def council_child_reference(p):
    return p.council_child.reference


def coordinator_page(kwargs=None) -> Expect:
    return expect(COORDINATOR, kwargs=kwargs, must_not_leak=mentee_reference if kwargs else None)


def mentor_page(kwargs=None) -> Expect:
    return expect(MENTOR, kwargs=kwargs, must_not_leak=mentee_reference if kwargs else None)


ROUTES: dict[str, Expect] = {
    "mentoring:coordinator_home": coordinator_page(),
    "mentoring:mentor_list": coordinator_page(),
    "mentoring:mentor_create": coordinator_page(),
    "mentoring:mentor_detail": coordinator_page(mentor_pk),
    "mentoring:mentor_step": coordinator_page(mentor_pk),
    "mentoring:mentor_dbs": coordinator_page(mentor_pk),
    "mentoring:mentor_reference": coordinator_page(mentor_pk),
    "mentoring:mentor_interview": coordinator_page(mentor_pk),
    "mentoring:mentor_training": coordinator_page(mentor_pk),
    "mentoring:mentor_supervision": coordinator_page(mentor_pk),
    "mentoring:mentor_profile": coordinator_page(mentor_pk),
    "mentoring:mentor_sign_in": coordinator_page(mentor_pk),
    "mentoring:waiting_list": coordinator_page(),
    "mentoring:referral_detail": coordinator_page(referral_pk),
    "mentoring:referral_preparation": coordinator_page(referral_pk),
    "mentoring:referral_sharing": coordinator_page(referral_pk),
    "mentoring:match_propose": coordinator_page(referral_pk),
    "mentoring:match_detail": coordinator_page(match_pk),
    "mentoring:match_end": coordinator_page(match_pk),
    "mentoring:match_renew": coordinator_page(match_pk),
    "mentoring:report": coordinator_page(),
    "mentoring:report_csv": coordinator_page(),
    "mentoring:refer": expect(("caseworker",), kwargs=council_child, must_not_leak=council_child_reference),
    "mentoring:mentor_home": mentor_page(),
    "mentoring:mentee": mentor_page(match_pk),
    "mentoring:session_create": mentor_page(match_pk),
    "mentoring:concern_create": mentor_page(match_pk),
    # The API. Lists answer everyone signed in with what they may see (often nothing); the
    # mentors and the report are for coordinators; the mentor may see their match but not end it.
    "api:mentoring-mentor-list": api(COORDINATOR),
    "api:mentoring-mentor-detail": api(COORDINATOR, kwargs=mentor_pk),
    "api:mentoring-referral-list": api(PERSONAS),
    "api:mentoring-referral-detail": api(COORDINATOR, kwargs=referral_pk, must_not_leak=mentee_reference),
    "api:mentoring-match-list": api(PERSONAS),
    "api:mentoring-match-detail": api(("coordinator", "mentor"), kwargs=match_pk),
    "api:mentoring-match-end": Expect(
        {"coordinator": 400, "mentor": 403, ANONYMOUS: 403}, 404, kwargs=match_pk, method="post"
    ),
    "api:mentoring-session-list": api(PERSONAS),
    "api:mentoring-report-list": api(COORDINATOR, data={"start": "2026-01-01", "end": "2026-12-31"}),
}
