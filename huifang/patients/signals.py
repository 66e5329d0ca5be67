"""What the patients app tells later apps, without knowing them.

``encounters_written`` is sent after the transaction that created or
changed encounters has committed, with their ids; follow-up scheduling
listens to plan the encounters' tasks.

``patients_deceased`` is sent inside the transaction that records a date
of death for patients who had none (a patient edit, an HIS file's 死亡日期),
with their ids; follow-ups listens to cancel every open task of theirs in
that same transaction, so no call to a dead patient stays queued.

``patients_contact_changed`` is sent after the transaction that changed
how patients may be contacted (their preferred call time, the channels
they refused, or a phone number staff added, corrected or retired) has
committed, with their ids; follow-ups listens to plan their open tasks
again (first slot, next attempt, the number to dial — a task waiting for
a number gets it; refused channels closed).
"""

from django.dispatch import Signal

encounters_written = Signal()  # kwargs: encounter_ids: list[int]
patients_deceased = Signal()  # kwargs: patient_ids: list[int]
patients_contact_changed = Signal()  # kwargs: patient_ids: list[int]
