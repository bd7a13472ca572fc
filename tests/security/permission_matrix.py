# ruff: noqa: E501 (a table: one operation a line, its roles in aligned columns)
"""Who may call what: every operation of the OpenAPI schema × every role, as data.

One line per operation: `(METHOD, path template): "anonymous learner other_learner
provider_staff provider_admin other_provider_admin funder_officer other_funder_officer auditor
platform_staff"`, each one of

- `ok`  allowed: the permission layer and the tenant scoping let the call through. The answer
        is 2xx, or the documented 4xx of a valid but refused request (400 bad input, 409 or
        422 a state or rule refusal such as "already enrolled"), never 401, 403 or 404;
- `401` not signed in;
- `403` signed in, of the organisation concerned, without the role the operation needs
        (an auditor moving money, a provider's staff managing its team);
- `404` the object belongs to someone else: another learner, another provider or funder, or
        a role with no business there. Another tenant's objects are 404, never 403.

Path parameters are filled with the *owner's* objects (tests/security/world.py: the learner's
enrolment and certificate, the provider's course and cohort, the funder's programme), so the
"other" roles show what an attacker guessing ids gets. A new operation needs its row here
(`tests/security/test_permission_matrix.py` fails without it and prints the row it observed,
to be checked and pasted); an operation with a body the permission check depends on also
needs its entry in `BODIES`.
"""

from __future__ import annotations

from typing import Any

Operation = tuple[str, str]

#                                           anon learn o_lrn p_stf p_adm o_pad f_off o_fof audit staff
MATRIX: dict[Operation, str] = {
    # Open to anyone.
    ("GET", "/api/v1/courses"):                                          "ok   ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/courses/{course_id}"):                              "ok   ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/skills"):                                           "ok   ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/repayments/plans"):                                 "ok   ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("POST", "/api/v1/repayments/calculate"):                            "ok   ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/certificates/{verification_id}/status"):            "ok   ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/certificates/verify/{verification_id}"):            "ok   ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("POST", "/api/v1/certificates/verify/{verification_id}/check"):     "ok   ok   ok   ok   ok   ok   ok   ok   ok   ok",
    # Anyone signed in, acting for themselves (their own wallet, lists, profile).
    ("GET", "/api/v1/me"):                                               "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("PATCH", "/api/v1/me"):                                             "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/me/notifications"):                                 "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("PATCH", "/api/v1/me/notifications"):                               "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/wallet"):                                           "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/wallet/pots"):                                      "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/wallet/statement"):                                 "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/programmes"):                                       "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("POST", "/api/v1/programmes/{programme_id}/eligibility"):           "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("POST", "/api/v1/programmes/{programme_id}/applications"):          "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/applications/mine"):                                "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/enrolments/mine"):                                  "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("POST", "/api/v1/cohorts/{cohort_id}/enrolments"):                  "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/certificates/mine"):                                "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/repayments/agreements"):                            "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("POST", "/api/v1/providers"):                                       "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/providers/mine"):                                   "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/funders/mine"):                                     "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("POST", "/api/v1/provider-invitations/accept"):                     "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    # Lists scoped to the caller's memberships: empty for everyone else, never refused.
    ("GET", "/api/v1/provider/certificates"):                            "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/funder/enrolments"):                                "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    ("GET", "/api/v1/funder/programmes"):                                "401  ok   ok   ok   ok   ok   ok   ok   ok   ok",
    # The learner's own objects.
    ("GET", "/api/v1/enrolments/{enrolment_id}"):                        "401  ok   404  404  404  404  404  404  404  404",
    ("GET", "/api/v1/enrolments/{enrolment_id}/events"):                 "401  ok   404  404  404  404  404  404  404  404",
    ("POST", "/api/v1/enrolments/{enrolment_id}/accept"):                "401  ok   404  404  404  404  404  404  404  404",
    ("POST", "/api/v1/enrolments/{enrolment_id}/decline"):               "401  ok   404  404  404  404  404  404  404  404",
    ("POST", "/api/v1/enrolments/{enrolment_id}/withdraw"):              "401  ok   404  404  404  404  404  404  404  404",
    ("POST", "/api/v1/enrolments/{enrolment_id}/confirm-start"):         "401  ok   404  404  404  404  404  404  404  404",
    ("POST", "/api/v1/enrolments/{enrolment_id}/dispute-start"):         "401  ok   404  404  404  404  404  404  404  404",
    ("POST", "/api/v1/enrolments/{enrolment_id}/problems"):              "401  ok   404  404  404  404  404  404  404  404",
    ("GET", "/api/v1/certificates/mine/{verification_id}/credential"):   "401  ok   404  404  404  404  404  404  404  404",
    ("GET", "/api/v1/certificates/mine/{verification_id}/pdf"):          "401  ok   404  404  404  404  404  404  404  404",
    ("GET", "/api/v1/repayments/enrolments/{enrolment_id}/deferral-offer"): "401  ok   404  404  404  404  404  404  404  404",
    ("POST", "/api/v1/repayments/agreements"):                           "401  ok   404  404  404  404  404  404  404  404",
    ("GET", "/api/v1/repayments/agreements/{agreement_id}"):             "401  ok   404  404  404  404  404  404  404  404",
    ("GET", "/api/v1/repayments/agreements/{agreement_id}/disclosure"):  "401  ok   404  404  404  404  404  404  404  404",
    ("GET", "/api/v1/repayments/agreements/{agreement_id}/disclosure.pdf"): "401  ok   404  404  404  404  404  404  404  404",
    ("POST", "/api/v1/repayments/agreements/{agreement_id}/sign"):       "401  ok   404  404  404  404  404  404  404  404",
    ("GET", "/api/v1/repayments/agreements/{agreement_id}/declarations"): "401  ok   404  404  404  404  404  404  404  404",
    ("POST", "/api/v1/repayments/agreements/{agreement_id}/declarations"): "401  ok   404  404  404  404  404  404  404  404",
    # The provider's people (admin-only operations: 403 to its staff).
    ("GET", "/api/v1/providers/{provider_id}"):                          "401  404  404  ok   ok   404  404  404  404  404",
    ("PATCH", "/api/v1/providers/{provider_id}"):                        "401  404  404  403  ok   404  404  404  404  404",
    ("GET", "/api/v1/providers/{provider_id}/team"):                     "401  404  404  ok   ok   404  404  404  404  404",
    ("DELETE", "/api/v1/providers/{provider_id}/team/{membership_id}"):  "401  404  404  403  ok   404  404  404  404  404",
    ("GET", "/api/v1/providers/{provider_id}/invitations"):              "401  404  404  403  ok   404  404  404  404  404",
    ("POST", "/api/v1/providers/{provider_id}/invitations"):             "401  404  404  403  ok   404  404  404  404  404",
    ("GET", "/api/v1/providers/{provider_id}/courses"):                  "401  404  404  ok   ok   404  404  404  404  404",
    ("POST", "/api/v1/providers/{provider_id}/courses"):                 "401  404  404  ok   ok   404  404  404  404  404",
    ("GET", "/api/v1/providers/{provider_id}/earnings"):                 "401  404  404  ok   ok   404  404  404  404  404",
    ("GET", "/api/v1/provider/courses/{course_id}"):                     "401  404  404  ok   ok   404  404  404  404  404",
    ("PATCH", "/api/v1/provider/courses/{course_id}"):                   "401  404  404  ok   ok   404  404  404  404  404",
    ("GET", "/api/v1/provider/courses/{course_id}/cohorts"):             "401  404  404  ok   ok   404  404  404  404  404",
    ("POST", "/api/v1/provider/courses/{course_id}/cohorts"):            "401  404  404  ok   ok   404  404  404  404  404",
    ("GET", "/api/v1/provider/cohorts/{cohort_id}"):                     "401  404  404  ok   ok   404  404  404  404  404",
    ("PATCH", "/api/v1/provider/cohorts/{cohort_id}"):                   "401  404  404  ok   ok   404  404  404  404  404",
    ("POST", "/api/v1/provider/cohorts/{cohort_id}/cancel"):             "401  404  404  ok   ok   404  404  404  404  404",
    ("GET", "/api/v1/provider/cohorts/{cohort_id}/timetable"):           "401  404  404  ok   ok   404  404  404  404  404",
    ("PUT", "/api/v1/provider/cohorts/{cohort_id}/timetable"):           "401  404  404  ok   ok   404  404  404  404  404",
    ("GET", "/api/v1/provider/cohorts/{cohort_id}/enrolments"):          "401  404  404  ok   ok   404  404  404  404  404",
    ("GET", "/api/v1/provider/cohorts/{cohort_id}/earnings"):            "401  404  404  ok   ok   404  404  404  404  404",
    ("POST", "/api/v1/provider/cohorts/{cohort_id}/certificates"):       "401  404  404  ok   ok   404  404  404  404  404",
    ("GET", "/api/v1/provider/enrolments/{enrolment_id}"):               "401  404  404  ok   ok   404  404  404  404  404",
    ("GET", "/api/v1/provider/enrolments/{enrolment_id}/events"):        "401  404  404  ok   ok   404  404  404  404  404",
    ("POST", "/api/v1/provider/enrolments/{enrolment_id}/offer"):        "401  404  404  ok   ok   404  404  404  404  404",
    ("POST", "/api/v1/provider/enrolments/{enrolment_id}/decline"):      "401  404  404  ok   ok   404  404  404  404  404",
    ("POST", "/api/v1/provider/enrolments/{enrolment_id}/start"):        "401  404  404  ok   ok   404  404  404  404  404",
    ("POST", "/api/v1/provider/enrolments/{enrolment_id}/attendance"):   "401  404  404  ok   ok   404  404  404  404  404",
    ("POST", "/api/v1/provider/enrolments/{enrolment_id}/complete"):     "401  404  404  ok   ok   404  404  404  404  404",
    ("POST", "/api/v1/provider/enrolments/{enrolment_id}/outcome"):      "401  404  404  ok   ok   404  404  404  404  404",
    ("POST", "/api/v1/provider/enrolments/{enrolment_id}/certificate"):  "401  404  404  ok   ok   404  404  404  404  404",
    ("GET", "/api/v1/provider/certificates/{verification_id}"):          "401  404  404  ok   ok   404  404  404  404  404",
    ("GET", "/api/v1/provider/certificates/{verification_id}/pdf"):      "401  404  404  ok   ok   404  404  404  404  404",
    ("POST", "/api/v1/provider/certificates/{verification_id}/revoke"):  "401  404  404  ok   ok   404  404  404  404  404",
    ("POST", "/api/v1/provider/certificates/{verification_id}/reissue"): "401  404  404  ok   ok   404  404  404  404  404",
    # The funder's people: officers act, auditors read (403 on writes).
    ("POST", "/api/v1/funder/programmes"):                               "401  404  404  404  404  404  ok   404  403  404",
    ("GET", "/api/v1/funders/{funder_id}"):                              "401  404  404  404  404  404  ok   404  ok   404",
    ("GET", "/api/v1/funder/programmes/{programme_id}"):                 "401  404  404  404  404  404  ok   404  ok   404",
    ("PATCH", "/api/v1/funder/programmes/{programme_id}"):               "401  404  404  404  404  404  ok   404  403  404",
    ("DELETE", "/api/v1/funder/programmes/{programme_id}"):              "401  404  404  404  404  404  ok   404  403  404",
    ("POST", "/api/v1/funder/programmes/{programme_id}/activate"):       "401  404  404  404  404  404  ok   404  403  404",
    ("POST", "/api/v1/funder/programmes/{programme_id}/close"):          "401  404  404  404  404  404  ok   404  403  404",
    ("POST", "/api/v1/funder/programmes/{programme_id}/fund"):           "401  404  404  404  404  404  ok   404  403  404",
    ("GET", "/api/v1/funder/programmes/{programme_id}/balance"):         "401  404  404  404  404  404  ok   404  ok   404",
    ("GET", "/api/v1/funder/programmes/{programme_id}/applications"):    "401  404  404  404  404  404  ok   404  ok   404",
    ("GET", "/api/v1/funder/programmes/{programme_id}/grants"):          "401  404  404  404  404  404  ok   404  ok   404",
    ("POST", "/api/v1/funder/programmes/{programme_id}/grants"):         "401  404  404  404  404  404  ok   404  403  404",
    ("POST", "/api/v1/funder/programmes/{programme_id}/grants/bulk"):    "401  404  404  404  404  404  ok   404  403  404",
    ("POST", "/api/v1/funder/programmes/{programme_id}/grant-imports"):  "401  404  404  404  404  404  ok   404  403  404",
    ("GET", "/api/v1/funder/grant-imports/{import_id}"):                 "401  404  404  404  404  404  ok   404  ok   404",
    ("POST", "/api/v1/funder/grant-imports/{import_id}/cancel"):         "401  404  404  404  404  404  ok   404  403  404",
    ("POST", "/api/v1/funder/grant-imports/{import_id}/resume"):         "401  404  404  404  404  404  ok   404  403  404",
    ("GET", "/api/v1/funder/programmes/{programme_id}/providers"):       "401  404  404  404  404  404  ok   404  ok   404",
    ("POST", "/api/v1/funder/programmes/{programme_id}/providers"):      "401  404  404  404  404  404  ok   404  403  404",
    ("GET", "/api/v1/funder/programmes/{programme_id}/deferral"):        "401  404  404  404  404  404  ok   404  ok   404",
    ("POST", "/api/v1/funder/programmes/{programme_id}/deferral"):       "401  404  404  404  404  404  ok   404  403  404",
    ("POST", "/api/v1/funder/programmes/{programme_id}/deferral/fund"):  "401  404  404  404  404  404  ok   404  403  404",
    ("GET", "/api/v1/funder/programmes/{programme_id}/repayment-agreements"): "401  404  404  404  404  404  ok   404  ok   404",
    ("GET", "/api/v1/funder/repayment-agreements/{agreement_id}"):       "401  404  404  404  404  404  ok   404  ok   404",
    ("POST", "/api/v1/funder/applications/{application_id}/approve"):    "401  404  404  404  404  404  ok   404  403  404",
    ("POST", "/api/v1/funder/applications/{application_id}/refuse"):     "401  404  404  404  404  404  ok   404  403  404",
    ("GET", "/api/v1/funder/enrolments/{enrolment_id}"):                 "401  404  404  404  404  404  ok   404  ok   404",
    ("POST", "/api/v1/funder/enrolments/{enrolment_id}/cancel"):         "401  404  404  404  404  404  ok   404  403  404",
    ("POST", "/api/v1/funder/enrolments/{enrolment_id}/confirm-start"):  "401  404  404  404  404  404  ok   404  403  404",
    ("POST", "/api/v1/funder/enrolments/{enrolment_id}/decide-start-dispute"): "401  404  404  404  404  404  ok   404  403  404",
    ("POST", "/api/v1/funder/enrolments/{enrolment_id}/verify-outcome"): "401  404  404  404  404  404  ok   404  403  404",
    # Audit: a funder's officers and auditors (the ledger's verification: anyone of a funder;
    # the sampling seed: auditors only, officers 403).
    ("GET", "/api/v1/audit/ledger-verification"):                        "401  404  404  404  404  404  ok   ok   ok   404",
    ("GET", "/api/v1/audit/programmes/{programme_id}/flags"):            "401  404  404  404  404  404  ok   404  ok   404",
    ("GET", "/api/v1/audit/programmes/{programme_id}/sampling"):         "401  404  404  404  404  404  403  404  ok   404",
    ("GET", "/api/v1/audit/programmes/{programme_id}/trail"):            "401  404  404  404  404  404  ok   404  ok   404",
    ("POST", "/api/v1/audit/flags/{flag_id}/clear"):                     "401  404  404  404  404  404  ok   404  ok   404",
    # Payments and payouts (Stripe).
    ("POST", "/api/v1/payments/stripe/webhook"):                         "ok   ok   ok   ok   ok   ok   ok   ok   ok   ok",
    # The learner's card payment; the world has none pending (no Stripe here), so the learner
    # too gets 404: the row proves no one else reaches it.
    ("GET", "/api/v1/enrolments/{enrolment_id}/checkout"):               "401  404  404  404  404  404  404  404  404  404",
    ("GET", "/api/v1/funder/programmes/{programme_id}/payouts"):         "401  404  404  404  404  404  ok   404  ok   404",
    ("GET", "/api/v1/providers/{provider_id}/payouts"):                  "401  404  404  ok   ok   404  404  404  404  404",
    ("POST", "/api/v1/providers/{provider_id}/payouts/onboarding"):      "401  404  404  403  ok   404  404  404  404  404",
    # Funder reports (JSON and CSV): the funder's officers and auditors; people with no funder
    # role get 403 whatever the id (audit/apis/reports.py), another funder's officers 404.
    ("GET", "/api/v1/funder/programmes/{programme_id}/reports/learners-by-stage"):"401  403  403  403  403  403  ok   404  ok   403",
    ("GET", "/api/v1/funder/programmes/{programme_id}/reports/learners-by-stage.csv"):"401  403  403  403  403  403  ok   404  ok   403",
    ("GET", "/api/v1/funder/programmes/{programme_id}/reports/provider-outcomes"):"401  403  403  403  403  403  ok   404  ok   403",
    ("GET", "/api/v1/funder/programmes/{programme_id}/reports/provider-outcomes.csv"):"401  403  403  403  403  403  ok   404  ok   403",
    ("GET", "/api/v1/funder/programmes/{programme_id}/reports/spend-by-course"):"401  403  403  403  403  403  ok   404  ok   403",
    ("GET", "/api/v1/funder/programmes/{programme_id}/reports/spend-by-course.csv"):"401  403  403  403  403  403  ok   404  ok   403",
    ("GET", "/api/v1/funder/programmes/{programme_id}/reports/spend-by-month"):"401  403  403  403  403  403  ok   404  ok   403",
    ("GET", "/api/v1/funder/programmes/{programme_id}/reports/spend-by-month.csv"):"401  403  403  403  403  403  ok   404  ok   403",
    ("GET", "/api/v1/funder/programmes/{programme_id}/reports/spend-by-provider"):"401  403  403  403  403  403  ok   404  ok   403",
    ("GET", "/api/v1/funder/programmes/{programme_id}/reports/spend-by-provider.csv"):"401  403  403  403  403  403  ok   404  ok   403",
    ("GET", "/api/v1/funder/programmes/{programme_id}/reports/spend-by-region"):"401  403  403  403  403  403  ok   404  ok   403",
    ("GET", "/api/v1/funder/programmes/{programme_id}/reports/spend-by-region.csv"):"401  403  403  403  403  403  ok   404  ok   403",
    ("GET", "/api/v1/funder/programmes/{programme_id}/reports/spend-by-skill"):"401  403  403  403  403  403  ok   404  ok   403",
    ("GET", "/api/v1/funder/programmes/{programme_id}/reports/spend-by-skill.csv"):"401  403  403  403  403  403  ok   404  ok   403",
    ("GET", "/api/v1/funder/programmes/{programme_id}/reports/totals"):  "401  403  403  403  403  403  ok   404  ok   403",
    ("GET", "/api/v1/funder/programmes/{programme_id}/reports/totals.csv"):"401  403  403  403  403  403  ok   404  ok   403",
}  # fmt: skip

# Bodies for operations whose permission check reads the body (an object named in it) or
# whose body must be valid to reach that check. A string "{name}" is replaced by the owner's
# object of that kind, as in paths. Other operations are sent `{}`.
BODIES: dict[Operation, dict[str, Any]] = {
    ("POST", "/api/v1/funder/programmes"): {
        "funder_id": "{funder_id}",
        "name": "Green Skills",
        "opens_on": "2026-01-01",
        "closes_on": "2027-12-31",
        "allowance": 100_000,
    },
    ("POST", "/api/v1/repayments/agreements"): {"enrolment_id": "{enrolment_id}", "amount": 1000},
    # Valid bodies, so that a role check made after validation shows (a 400 would hide it).
    ("POST", "/api/v1/funder/programmes/{programme_id}/fund"): {"amount": 1000},
    ("POST", "/api/v1/funder/programmes/{programme_id}/deferral/fund"): {"amount": 1000},
    ("POST", "/api/v1/funder/programmes/{programme_id}/deferral"): {
        "plan": "plan_2",
        "max_per_learner": 100_000,
    },
    ("POST", "/api/v1/funder/programmes/{programme_id}/close"): {"reason": "A matrix test."},
    ("POST", "/api/v1/funder/programmes/{programme_id}/grants"): {
        "learner_email": "new.learner@example.org"
    },
    ("POST", "/api/v1/funder/programmes/{programme_id}/providers"): {
        "provider_id": "{provider_id}"
    },
    ("POST", "/api/v1/funder/applications/{application_id}/refuse"): {"reason": "A matrix test."},
    ("POST", "/api/v1/provider/certificates/{verification_id}/revoke"): {"reason": "A test."},
    ("POST", "/api/v1/provider/certificates/{verification_id}/reissue"): {"reason": "A test."},
    ("POST", "/api/v1/provider/cohorts/{cohort_id}/cancel"): {"reason": "A matrix test."},
    ("POST", "/api/v1/providers/{provider_id}/invitations"): {
        "email": "new.staff@example.org",
        "role": "staff",
    },
    ("POST", "/api/v1/enrolments/{enrolment_id}/dispute-start"): {"reason": "It did not start."},
    ("POST", "/api/v1/enrolments/{enrolment_id}/problems"): {"description": "A matrix test."},
}

# Lists that answer everyone signed in (`ok` above) must show the owner's objects to the
# roles named here and to no one else: the marker (tests/security/world.py `markers`) is
# text only the owner's object puts in the answer.
SEEN_IN_LISTS: dict[Operation, tuple[str, str]] = {
    ("GET", "/api/v1/enrolments/mine"): ("course_title", "learner"),
    ("GET", "/api/v1/applications/mine"): ("programme_name", "learner"),
    ("GET", "/api/v1/certificates/mine"): ("verification_id", "learner"),
    ("GET", "/api/v1/repayments/agreements"): ("course_title", "learner"),
    ("GET", "/api/v1/wallet/statement"): ("programme_name", "learner"),
    ("GET", "/api/v1/wallet/pots"): ("programme_name", "learner"),
    ("GET", "/api/v1/providers/mine"): ("provider_name", "provider_staff provider_admin"),
    ("GET", "/api/v1/provider/certificates"): ("verification_id", "provider_staff provider_admin"),
    ("GET", "/api/v1/funders/mine"): ("funder_name", "funder_officer auditor"),
    ("GET", "/api/v1/funder/programmes"): ("programme_name", "funder_officer auditor"),
    ("GET", "/api/v1/funder/enrolments"): ("learner_email", "funder_officer auditor"),
}
