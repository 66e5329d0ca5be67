from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "huifang.followups"
    label = "followups"
    verbose_name = _("Follow-ups")

    def ready(self) -> None:
        from huifang.followups import receivers  # noqa: F401  (connects to patients' signals)
        from huifang.followups.selectors import timeline
        from huifang.patients import timeline as patient_timeline

        patient_timeline.register("task", timeline.task_timeline_for_patient)
        patient_timeline.register("call", timeline.call_timeline_for_patient)
