"""The bare stack the HTTP benchmarks compare with: Litestar and SQLAlchemy, nothing else.

``POST /vote`` reads a form, inserts one row and commits (one transaction per request, as a
plain app would). ``GET /topics/{id}`` reads a topic's proposals with one query and renders
them with one Jinja template of about the size of Assembly's topic page. The engine comes
from ``assembly.db.engine.create_engine``, so the SQLite settings (WAL, ``synchronous=FULL``,
busy timeout, ``BEGIN IMMEDIATE`` for writes) are exactly those of the application.

Served by the same server as Assembly: ``uvicorn --app-dir bench bare_app:app``, with
``ASSEMBLY_DATABASE_URL`` naming the database.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment
from litestar import Litestar, MediaType, Request, get, post
from litestar.response import Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.engine import create_engine
from assembly.settings import Settings

settings = Settings.from_env()
engine = create_engine(settings)
write_engine = engine.execution_options(assembly_write=True)

TEMPLATE = Environment(autoescape=True).from_string(
    """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ topic.question }}</title><link rel="stylesheet" href="/static/css/app.css"></head>
<body><header class="site"><nav><a href="/">Home</a></nav></header><main>
<h1>{{ topic.question }}</h1><p class="lead">{{ topic.background }}</p>
<ol class="proposals">{% for p in proposals %}
<li class="proposal" id="proposal-{{ p.id }}"><article>
<h2><a href="/proposals/{{ p.id }}">{{ p.title }}</a></h2>
<p class="meta">by {{ p.author }} · {{ p.status }}</p>
{% for line in p.body.splitlines() %}<p>{{ line }}</p>{% endfor %}
<form method="post" action="/proposals/{{ p.id }}/react"><input type="hidden" name="_csrf_token"
 value="x"><button name="reaction" value="support">Support</button>
<button name="reaction" value="concern">Concern</button></form>
</article></li>{% endfor %}</ol>
{{ padding }}</main></body></html>"""
)

CREATE_VOTES = (
    "CREATE TABLE IF NOT EXISTS bench_votes ("
    "id INTEGER PRIMARY KEY, participant VARCHAR(64), choice VARCHAR(64))"
)
CREATE_VOTES_PG = (
    "CREATE TABLE IF NOT EXISTS bench_votes ("
    "id SERIAL PRIMARY KEY, participant VARCHAR(64), choice VARCHAR(64))"
)


async def create_table() -> None:
    async with write_engine.begin() as connection:
        await connection.execute(text(CREATE_VOTES if settings.is_sqlite else CREATE_VOTES_PG))


@post("/vote", media_type=MediaType.TEXT)
async def vote(request: Request[Any, Any, Any]) -> str:
    form = await request.form()
    async with AsyncSession(bind=write_engine) as session:
        await session.execute(
            text("INSERT INTO bench_votes (participant, choice) VALUES (:p, :c)"),
            {"p": form.get("participant", ""), "c": form.get("choice", "")},
        )
        await session.commit()
    return "stored"


@get("/topics/{topic_id:int}", media_type=MediaType.HTML)
async def topic_page(topic_id: int, pad: int = 0) -> Response[str]:
    async with AsyncSession(bind=engine) as session:
        topic = (
            await session.execute(
                text("SELECT question, background FROM topics WHERE id = :id"), {"id": topic_id}
            )
        ).one()
        rows = (
            await session.execute(
                text(
                    "SELECT p.id, p.title, p.body, p.status, pa.pseudonym FROM proposals p "
                    "LEFT JOIN participants pa ON pa.id = p.participant_id "
                    "WHERE p.topic_id = :id ORDER BY p.id"
                ),
                {"id": topic_id},
            )
        ).all()
    proposals = [
        {"id": r[0], "title": r[1], "body": r[2] or "", "status": r[3], "author": r[4] or ""}
        for r in rows
    ]
    html = TEMPLATE.render(
        topic={"question": topic[0], "background": topic[1]},
        proposals=proposals,
        padding="." * pad,
    )
    return Response(html, media_type=MediaType.HTML)


async def dispose() -> None:
    await engine.dispose()


app = Litestar(route_handlers=[vote, topic_page], on_startup=[create_table], on_shutdown=[dispose])
