"""What the patients app tells later apps, without knowing them.

``encounters_written`` is sent after the transaction that created or
changed encounters has committed, with their ids; follow-up scheduling
listens to plan the encounters' tasks.
"""

from django.dispatch import Signal

encounters_written = Signal()  # kwargs: encounter_ids: list[int]
