"""What the patients app tells later apps, without knowing them.

``encounters_written`` is sent after the transaction that created or
changed encounters has committed, with their ids; follow-up scheduling
listens to plan the encounters' tasks.

``patients_deceased`` is sent inside the transaction that records a date
of death for patients who had none (a patient edit, an HIS file's 死亡日期),
with their ids; follow-ups listens to cancel every open task of theirs in
that same transaction, so no call to a dead patient stays queued.
"""

from django.dispatch import Signal

encounters_written = Signal()  # kwargs: encounter_ids: list[int]
patients_deceased = Signal()  # kwargs: patient_ids: list[int]
