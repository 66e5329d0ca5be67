"""``huifang demo --call-windows``: a demo that can be tried at any hour."""

import pytest
from django.core.management import CommandError, call_command

from huifang.followups import slots


def test_a_malformed_window_stops_the_demo_before_it_builds_anything():
    with pytest.raises(CommandError, match="HH:MM-HH:MM"):
        call_command("demo", "--no-serve", "--call-windows", "10-25")


def test_the_setting_replaces_the_default_windows(settings):
    settings.HUIFANG_CALL_WINDOWS = "00:00-23:59"

    assert slots.default_windows() == slots.windows_from_text("00:00-23:59")
    assert slots.parse_windows([]) == slots.default_windows()
    assert slots.windows_from_text("10:00-12:00, 15:00-17:00") == slots.DEFAULT_WINDOWS
