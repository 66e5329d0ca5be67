"""Writes of questionnaires, dispatches and responses.

``questionnaires``: versions and their questions; ``responses``: the
dispatch ledger, the patient's link, recording and voiding answers. Import
from here: ``from huifang.surveys import services``.
"""

from huifang.surveys.services.questionnaires import (
    ITEM_FIELDS,
    _validate_item_data,
    item_delete,
    item_move,
    item_save,
    questionnaire_create,
    questionnaire_draft,
    questionnaire_publish,
    questionnaire_retire,
    questionnaire_update,
)
from huifang.surveys.services.responses import (
    LinkSubmission,
    dispatch_create,
    dispatch_expire_due,
    dispatch_open,
    dispatch_refuse,
    dispatch_withdraw,
    link_token_hash,
    response_record,
    response_submit_link,
    response_void,
)

__all__ = [
    "ITEM_FIELDS",
    "LinkSubmission",
    "_validate_item_data",
    "dispatch_create",
    "dispatch_expire_due",
    "dispatch_open",
    "dispatch_refuse",
    "dispatch_withdraw",
    "item_delete",
    "item_move",
    "item_save",
    "link_token_hash",
    "questionnaire_create",
    "questionnaire_draft",
    "questionnaire_publish",
    "questionnaire_retire",
    "questionnaire_update",
    "response_record",
    "response_submit_link",
    "response_void",
]
