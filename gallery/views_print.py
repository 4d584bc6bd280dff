"""The printable プロンプト集 (reads in gallery.printing)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from gallery import selectors
from gallery.printing import MAX_PROMPTS, prompt_book
from gallery.views import gallery_readable


@require_GET
@gallery_readable
def gallery_print(request: HttpRequest) -> HttpResponse:
    """`?contest=<title>` and/or `?category=<name>`; without either, the choice of both."""
    book = prompt_book(
        contest=request.GET.get("contest", ""), category=request.GET.get("category", "")
    )
    if not (book.contest or book.category):
        facets = selectors.gallery_facets()
        return render(
            request,
            "gallery/print_choose.html",
            {"contests": facets["contest"], "categories": facets["category"]},
        )
    return render(request, "gallery/print.html", {"book": book, "limit": MAX_PROMPTS})
