from django import template

register = template.Library()


@register.filter
def pct(value, digits=1) -> str:
    """A fraction as a percentage (0.70212 → 70.2%); "—" when there is no rate."""
    if value is None or value == "":
        return "—"
    return f"{100 * float(value):.{int(digits)}f}%"


@register.filter
def interval(line) -> str:
    """A rate line's Wilson 95 % interval, e.g. "66.9%–73.4%"."""
    if line is None or line.low is None:
        return ""
    return f"{100 * line.low:.1f}%–{100 * line.high:.1f}%"


@register.filter
def label(mapping, key) -> str:
    """The words ``mapping`` (``reports.labels``) holds for a code, else the code itself."""
    if not mapping:
        return key
    return mapping.get(key if key is not None else "", key)


@register.filter
def option_cells(row, options) -> list:
    """(count, share) per option of an answer table's row, in the options' order."""
    return row.cells(options)
