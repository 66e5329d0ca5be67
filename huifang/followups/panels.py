"""Extra panels of the workbench's pre-call preparation, contributed by later apps.

Follow-ups cannot import the apps built on it (dependencies point one way),
so an app such as feedback registers a function here from its ``ready()``.
A panel function takes ``user`` and ``patient`` and returns a dict with
``title``, ``template`` and ``context`` (or None to show nothing); it reads
through its own app's selectors, scoped by ``user``.
"""

from collections.abc import Callable

Panel = Callable[..., dict | None]

_panels: list[Panel] = []


def register(panel: Panel) -> Panel:
    if panel not in _panels:
        _panels.append(panel)
    return panel


def collect(*, user, patient) -> list[dict]:
    """The registered panels' content for this patient, in registration order."""
    return [
        content
        for content in (panel(user=user, patient=patient) for panel in _panels)
        if content is not None
    ]
