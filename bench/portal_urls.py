"""The portal benchmark's URLconf (bench/portal_bench.py): the whole site (``dangan.urls``) plus ``/bench/bare/``,
a view that renders a template without touching the database — the yardstick the portal's pages are measured
against in the same server and the same run. Only the benchmark's server loads it (bench/portal_settings.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import Context, Engine
from django.urls import include, path

# A page of about the size of a portal page's HTML: a header, a list of twenty results, a footer. Rendered with a
# plain Context (no request context processors: they may read the database).
_ENGINE = Engine(autoescape=True)
_TEMPLATE = _ENGINE.from_string(
    """<!DOCTYPE html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>{{ title }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><header><h1>{{ title }}</h1><form role="search" action="/search/"><label for="q">检索</label>
<input id="q" name="q" value="{{ q }}"><button>检索</button></form></header>
<main><ol>{% for item in items %}<li><a href="/units/{{ item.id }}/">{{ item.title }}</a>
<p>{{ item.code }} · {{ item.year }} · {{ item.snippet }}</p></li>{% endfor %}</ol></main>
<footer><p>{{ title }} · 地址、开放时间、查档须知</p></footer></body></html>"""
)
_ITEMS = [
    {
        "id": f"00000000-0000-0000-0000-{n:012d}",
        "title": f"遵义县人民政府关于赤水产业扶贫的实施意见（{n}）",
        "code": f"Z109-WS·2011-Y-BGS-{n:04d}",
        "year": 2011,
        "snippet": "内容涉及易地扶贫搬迁、教育扶贫，附工作方案。" * 2,
    }
    for n in range(1, 21)
]


def bare(request: HttpRequest) -> HttpResponse:
    """A template rendered with no database access: the server's and Django's own cost per request."""
    html = _TEMPLATE.render(Context({"title": "基准测试档案馆", "q": request.GET.get("q", ""), "items": _ITEMS}))
    return HttpResponse(html)


urlpatterns = [path("bench/bare/", bare), path("", include("dangan.urls"))]
