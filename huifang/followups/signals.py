"""Signals other apps listen to, so follow-ups never import them (dependencies point one way).

``attempt_recorded`` is sent inside the transaction that records a contact
attempt: a receiver that fails (a complaint that does not validate) rolls
the whole call back, so nothing the agent typed is half-saved.

- ``attempt``: the saved ``ContactAttempt``;
- ``task``: its ``FollowUpTask``, as saved;
- ``agent``: who recorded it;
- ``feedback``: complaints, suggestions or praise captured on the call, a
  list of dicts (``kind``, ``category``, ``description``, ``department_id``);
- ``red_flag``: the worrying condition the patient reported, or "".
"""

from django.dispatch import Signal

attempt_recorded = Signal()
