"""Pages of a list for the API: ``page`` from 1, ``page_size`` up to ``MAX_PAGE_SIZE``."""

from django.core.paginator import Paginator
from ninja import Schema

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class PageQuery(Schema):
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def api_page(items, *, page: int, page_size: int, render) -> dict:
    """``{"count", "page", "pages", "results"}`` with ``render(item)`` for each item of the page.

    A page beyond the last gives the last; a page size beyond the limit the limit.
    """
    size = min(max(page_size, 1), MAX_PAGE_SIZE)
    paginator = Paginator(items, size)
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "results": [render(item) for item in current.object_list],
    }
