"""The workbench asks a touchpoint's questionnaire inline, and the call's answers become a response.

Follow-ups cannot import surveys, so this module plugs into it: a question
provider (``followups.questions``) that renders the questionnaire a
touchpoint names, and ``response_record_from_call``, which the call-recording
workflow (``huifang.workflows.call_record``) calls to store the answers as a
phone ``Response`` in the same transaction as the call.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from huifang.core.errors import ApplicationError
from huifang.followups import questions
from huifang.surveys import answers as answer_rules
from huifang.surveys.forms import answers_from_post, values_for_display
from huifang.surveys.models import ItemKind, Questionnaire, Response, SurveyChannel
from huifang.surveys.selectors import questionnaire_active
from huifang.surveys.services import response_record

_SATISFACTION_KINDS = {ItemKind.SATISFACTION5, ItemKind.SATISFACTION3}


class QuestionnaireQuestions:
    """A questionnaire version's questions inside the workbench form."""

    def __init__(self, *, task, questionnaire: Questionnaire, data=None):
        self.task = task
        self.questionnaire = questionnaire
        self.data = data
        self.errors: dict[str, str] = {}

    def _items(self):
        return list(self.questionnaire.items.all())

    def render(self) -> str:
        values = None
        if self.data is not None:
            values = values_for_display(
                self.questionnaire, answers_from_post(self.questionnaire, self.data)
            )
        # The script is loaded once, also when htmx swaps this in for the next task.
        loader = format_html(
            "<script>if(!window.HuifangQuestionnaire){{var s=document.createElement('script');"
            "s.src='{}';document.head.appendChild(s);}}</script>",
            static("surveys/questionnaire.js"),
        )
        return loader + render_to_string(
            "surveys/partials/agent_form.html",
            {
                "questionnaire": self.questionnaire,
                "survey_values": values,
                "survey_errors": self.errors,
                "survey_storage_key": f"huifang-call-{self.task.uuid}",
            },
        )

    def answers(self) -> dict:
        """The answers to keep on the call, checked as the response will be."""
        raw = answers_from_post(self.questionnaire, self.data or {})
        items = self._items()
        clean, errors = answer_rules.clean_answers(items, raw)
        if errors:
            self.errors = errors
            by_code = {item.code: item for item in items}
            listed = "；".join(
                f"{by_code[code].text}：{message}" for code, message in errors.items()
            )
            raise ApplicationError(
                _("Some answers need attention: %(list)s") % {"list": listed},
                code="invalid_answers",
                details={"items": errors},
            )
        kept = {
            "questionnaire": self.questionnaire.code,
            "version": self.questionnaire.version,
            "answers": {code: raw[code] for code in clean},
        }
        overall = next(
            (
                item
                for item in items
                if item.dimension == "overall"
                and item.kind in _SATISFACTION_KINDS
                and item.code in clean
            ),
            None,
        )
        if overall is not None:
            # Kept in the hospital's language, like the questionnaire's own wording.
            with translation.override(settings.LANGUAGE_CODE):
                label = answer_rules.answer_label(overall, clean[overall.code])
            kept["satisfaction_label"] = label
        return kept


@questions.register
def questionnaire_questions(*, task, data=None):
    """The touchpoint's questionnaire, when it names one that is active."""
    code = task.touchpoint.questionnaire_code
    if not code:
        return None
    questionnaire = questionnaire_active(code)
    if questionnaire is None:
        return None
    return QuestionnaireQuestions(task=task, questionnaire=questionnaire, data=data)


def response_record_from_call(*, attempt, task, agent) -> Response | None:
    """Store the questionnaire asked on a recorded call as a phone response; ``None`` if none.

    Called inside the call's transaction. The flagged answers are not
    announced: the call-recording workflow opens their cases together with
    what the agent captured (one case per call and topic).
    """
    asked = attempt.answers or {}
    if "questionnaire" not in asked or not asked.get("answers"):
        return None
    questionnaire = Questionnaire.objects.get(code=asked["questionnaire"], version=asked["version"])
    return response_record(
        actor=agent,
        questionnaire=questionnaire,
        answers=asked["answers"],
        channel=SurveyChannel.PHONE,
        patient=task.patient,
        encounter=task.encounter,
        task=task,
        announce=False,
    )
