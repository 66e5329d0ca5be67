"""Buttons other apps add to a patient's page (patients never imports them).

An app registers a function from its ``ready()``; it takes ``user`` and
``patient`` and returns a list of ``{"label", "url", "icon"}`` (empty when
the user may not act), checking permissions through its own services.
"""

from collections.abc import Callable

Action = Callable[..., list[dict]]

_actions: list[Action] = []


def register(action: Action) -> Action:
    if action not in _actions:
        _actions.append(action)
    return action


def collect(*, user, patient) -> list[dict]:
    return [item for action in _actions for item in action(user=user, patient=patient)]
