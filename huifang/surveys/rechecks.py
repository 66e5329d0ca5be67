"""Which answers of the health-check re-check questionnaire say the re-check was done.

An answer here is passed to ``followups.services.rechecks``, which ends the
check's repeated calls and counts it in the re-check rate; this module only
reads the answer. Keyed by questionnaire code and item code, so every
version of the questionnaire that keeps the item keeps the meaning.
"""

QUESTIONNAIRE = "health-check-recheck"
ITEM = "rechecked"
# Stored answer → ReportedRecheck.Where.
DONE = {"done": "here", "elsewhere": "elsewhere", "specialist": "specialist"}


def recheck_place(questionnaire_code: str, answers: dict) -> str | None:
    """``here`` / ``elsewhere`` / ``specialist`` when the answers report a re-check, else None."""
    if questionnaire_code != QUESTIONNAIRE:
        return None
    value = answers.get(ITEM)
    return DONE.get(value) if isinstance(value, str) else None
