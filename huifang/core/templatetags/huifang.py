from datetime import date

from django import template
from django.utils import timezone
from django.utils.translation import ngettext

from huifang.core import masking

register = template.Library()


@register.filter
def mask_phone(value: str) -> str:
    return masking.mask_phone(value)


@register.filter
def mask_id(value: str) -> str:
    return masking.mask_id_number(value)


def age_text(birth: date | None, on: date | None = None) -> str:
    """Age as staff say it: 45岁, 3月 for infants, 12天 for newborns."""
    if birth is None:
        return ""
    on = on or timezone.localdate()
    days = (on - birth).days
    if days < 0:
        return ""
    if days < 31:
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    if years < 1:
        months = (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)
        return ngettext("%(n)d month", "%(n)d months", months) % {"n": months}
    return ngettext("%(n)d year", "%(n)d years", years) % {"n": years}


@register.filter
def age(birth: date | None) -> str:
    return age_text(birth)


@register.filter
def get_item(mapping, key):
    """``counts|get_item:group``: a dict's value by a key held in a variable."""
    return mapping.get(key) if hasattr(mapping, "get") else None
