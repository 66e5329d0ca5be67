"""What the core tells later apps, without knowing them.

``calendar_changed`` is sent once the transaction that changed the holiday
table (a row added, its kind changed, or removed) has committed, with the
days changed; follow-up scheduling listens to re-plan the open tasks whose
dates may move with it.
"""

from django.dispatch import Signal

calendar_changed = Signal()  # kwargs: days: list[datetime.date]
