"""Roles, as groups whose permissions are written here.

The group names are stable identifiers (English); the labels are what staff
see. ``roles_sync`` makes the database match this table.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

AGENT = "agent"
CLINICIAN = "clinician"
DEPARTMENT_HEAD = "department_head"
SERVICE_MANAGER = "service_manager"
QUALITY_OFFICE = "quality_office"
ADMINISTRATOR = "administrator"


@dataclass(frozen=True)
class Role:
    name: str
    label: str
    permissions: tuple[str, ...]
    staff: bool = False


_PATIENT_READ = ("patients.view_patient", "patients.view_encounter")
_PLAN_MANAGE = (
    "followups.view_plan",
    "followups.add_plan",
    "followups.change_plan",
    "followups.add_touchpoint",
    "followups.change_touchpoint",
    "followups.delete_touchpoint",
    "followups.view_outcome",
    "followups.change_outcome",
    "followups.view_followuptask",
)
# Questionnaires: agents ask them and record answers; managers build them;
# the quality office reads scores and voids answers that must not count.
_SURVEY_ASK = (
    "surveys.view_questionnaire",
    "surveys.view_dispatch",
    "surveys.add_dispatch",
    "surveys.view_response",
    "surveys.add_response",
)
_SURVEY_MANAGE = (
    *_SURVEY_ASK,
    "surveys.add_questionnaire",
    "surveys.change_questionnaire",
    "surveys.view_scores",
)
_SURVEY_OVERSEE = (
    "surveys.view_questionnaire",
    "surveys.view_dispatch",
    "surveys.view_response",
    "surveys.view_scores",
    "surveys.void_response",
)
# Complaints and suggestions: which role may move a case along which step
# (the transitions themselves are in ``feedback.workflow``).
_FEEDBACK_ANSWER = (
    "feedback.view_case",
    "feedback.answer_case",
    "feedback.dispose_case",
    "feedback.add_caseattachment",
    "feedback.view_notice",
)
_FEEDBACK_MANAGE = (
    "feedback.view_case",
    "feedback.add_case",
    "feedback.add_caseattachment",
    "feedback.triage_case",
    "feedback.verify_case",
    "feedback.close_case",
    "feedback.reopen_case",
    "feedback.escalate_case",
    "feedback.withdraw_case",
    "feedback.merge_case",
    "feedback.view_notice",
    "feedback.oversee_cases",
    "feedback.view_deadlinerule",
    "feedback.change_deadlinerule",
)
_FEEDBACK_OVERSEE = (
    "feedback.view_case",
    "feedback.reopen_case",
    "feedback.escalate_case",
    "feedback.view_notice",
    "feedback.oversee_cases",
)
# Messaging: managers and administrators write templates and run campaigns;
# agents record an opt-out a patient asks for on the phone.
_MESSAGING_MANAGE = (
    "messaging.view_messagetemplate",
    "messaging.add_messagetemplate",
    "messaging.change_messagetemplate",
    "messaging.view_campaign",
    "messaging.add_campaign",
    "messaging.change_campaign",
    "messaging.add_optout",
)
ROLES: dict[str, Role] = {
    role.name: role
    for role in [
        Role(
            AGENT,
            _("Follow-up agent"),
            (
                *_PATIENT_READ,
                "patients.reveal_phone",
                "followups.view_followuptask",
                "followups.work_task",
                "feedback.view_case",
                "feedback.add_case",
                "feedback.add_caseattachment",
                *_SURVEY_ASK,
                "messaging.add_optout",
                "reports.view_own_figures",
            ),
        ),
        Role(
            CLINICIAN,
            _("Clinician"),
            (
                *_PATIENT_READ,
                "patients.reveal_phone",
                "followups.view_followuptask",
                "followups.work_callback_task",
                "feedback.view_case",
                "feedback.dispose_case",
            ),
        ),
        Role(
            DEPARTMENT_HEAD,
            _("Department head"),
            (
                *_PATIENT_READ,
                "patients.reveal_phone",
                "followups.view_followuptask",
                *_FEEDBACK_ANSWER,
                "surveys.view_questionnaire",
                "surveys.view_response",
                "surveys.view_scores",
                "reports.view_reports",
            ),
        ),
        Role(
            SERVICE_MANAGER,
            _("Service manager"),
            (
                *_PATIENT_READ,
                "patients.reveal_phone",
                "patients.reveal_id_number",
                # Numbers and contact preferences at any time; agents only during
                # their claimed call (the workbench checks the claim).
                "patients.edit_contact",
                "patients.import_encounters",
                "patients.view_importrun",
                "accounts.view_all_departments",
                "core.view_auditentry",
                "core.view_calendarday",
                *_PLAN_MANAGE,
                "followups.work_task",
                "followups.reassign_task",
                "followups.view_contactattempt",
                *_FEEDBACK_MANAGE,
                *_SURVEY_MANAGE,
                *_MESSAGING_MANAGE,
                "reports.view_reports",
            ),
        ),
        Role(
            QUALITY_OFFICE,
            _("Quality office"),
            (
                *_PATIENT_READ,
                "accounts.view_all_departments",
                "core.view_auditentry",
                "followups.view_plan",
                "followups.view_followuptask",
                "followups.view_contactattempt",
                *_FEEDBACK_OVERSEE,
                *_SURVEY_OVERSEE,
                "reports.view_reports",
            ),
        ),
        Role(
            ADMINISTRATOR,
            _("Administrator"),
            (
                *_PATIENT_READ,
                "patients.reveal_phone",
                "patients.reveal_id_number",
                "patients.add_patient",
                "patients.change_patient",
                "patients.add_phonenumber",
                "patients.change_phonenumber",
                "patients.add_encounter",
                "patients.change_encounter",
                "patients.import_encounters",
                "patients.view_importrun",
                "accounts.view_all_departments",
                "accounts.view_department",
                "accounts.add_department",
                "accounts.change_department",
                "accounts.view_user",
                "accounts.add_user",
                "accounts.change_user",
                "accounts.view_apitoken",
                "accounts.change_apitoken",
                "auth.view_group",
                # The sign-in lock-out (django-axes): see it, and unlock a
                # user by deleting the attempt.
                "axes.view_accessattempt",
                "axes.delete_accessattempt",
                "axes.view_accesslog",
                "axes.view_accessfailurelog",
                "core.view_auditentry",
                "core.view_jobrun",
                "core.add_calendarday",
                "core.change_calendarday",
                "core.delete_calendarday",
                "core.view_calendarday",
                *_PLAN_MANAGE,
                "followups.reassign_task",
                "followups.view_contactattempt",
                "feedback.view_case",
                "feedback.view_deadlinerule",
                "feedback.add_deadlinerule",
                "feedback.change_deadlinerule",
                *_SURVEY_MANAGE,
                "surveys.void_response",
                *_MESSAGING_MANAGE,
                "reports.view_reports",
                # The department groups the reports break figures down by (科室分组).
                "reports.view_departmentgroup",
                "reports.add_departmentgroup",
                "reports.change_departmentgroup",
                "reports.delete_departmentgroup",
                "reports.view_departmentgroupmember",
                "reports.add_departmentgroupmember",
                "reports.change_departmentgroupmember",
                "reports.delete_departmentgroupmember",
            ),
            staff=True,
        ),
    ]
}
