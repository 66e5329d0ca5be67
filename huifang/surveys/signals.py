"""Signals other apps listen to; surveys never imports them.

``response_recorded`` is sent inside the transaction that stores a response,
with ``response`` (the ``Response``) and ``flagged`` (its ``Answer`` rows
whose answer opens a feedback case or is a clinical red flag). A receiver
that raises rolls the response back, so receivers that only need committed
rows should defer their work with ``transaction.on_commit``.
"""

from django.dispatch import Signal

response_recorded = Signal()
