"""The application factory: all wiring happens here and nowhere else."""

from __future__ import annotations

import logging
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.redis import RedisStore
from litestar.stores.registry import StoreRegistry
from litestar.template.config import TemplateConfig
from sqlalchemy.ext.asyncio import AsyncEngine

from assembly.ballots import binding as ballot_binding
from assembly.ballots.writer import stop_vote_writer
from assembly.db.engine import create_engine, create_sqlalchemy_config
from assembly.db.models import StoreItem
from assembly.db.store import DatabaseStore
from assembly.jobs.runner import lifespan_hooks
from assembly.jobs.sweep import sweep_hooks
from assembly.ratelimits import rules as rate_rules
from assembly.ratelimits.counters import create_counter
from assembly.ratelimits.windows import RoomCheck
from assembly.routes import API_HANDLERS, WEB_HANDLERS
from assembly.session_data import SESSION_STORE
from assembly.settings import Settings
from assembly.web import live
from assembly.web.auth import provide_viewer
from assembly.web.commit import CommitMiddleware
from assembly.web.csrf import CsrfBindingMiddleware
from assembly.web.errors import EXCEPTION_HANDLERS
from assembly.web.guards import refuse_oversized_ids
from assembly.web.intake import RequestIntakeMiddleware
from assembly.web.loaders import APP_DEPENDENCIES
from assembly.web.middleware import RequestContextMiddleware, add_security_headers
from assembly.web.ratelimit import RateLimitMiddleware
from assembly.web.sessions import RotatingSessionConfig
from assembly.web.templating import STATIC_DIR, create_template_engine

MAX_BODY_BYTES = 5 * 1024 * 1024
STATIC_PATHS = ["^/static/"]


def _stores(settings: Settings, sqlalchemy_config: Any, engine: AsyncEngine) -> dict[str, Store]:
    names = (SESSION_STORE,)  # rate limits count in assembly.ratelimits.counters
    if settings.redis_url:
        root = RedisStore.with_client(url=settings.redis_url, namespace="assembly")
        return {name: root.with_namespace(name) for name in names}
    return {
        name: DatabaseStore(sqlalchemy_config, StoreItem, namespace=name, engine=engine)
        for name in names
    }


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    logging.basicConfig(level=logging.INFO if not settings.debug else logging.DEBUG)
    ballot_binding.configure(settings.secret_key)
    engine = create_engine(settings)
    sqlalchemy_config = create_sqlalchemy_config(settings, engine)
    stores = _stores(settings, sqlalchemy_config, engine)

    # Behind HTTPS the cookies take the __Host- prefix: the browser then refuses them unless
    # they are Secure, for this host only and for every path, so no subdomain can plant one.
    prefix = "__Host-" if settings.secure_cookies else ""
    session_config = RotatingSessionConfig(
        store=SESSION_STORE,
        key=f"{prefix}assembly_session",
        # The cookie lasts as long as a citizen's session may; staff sessions end in the store.
        max_age=max(settings.session_max_age, settings.participant_session_max_age),
        account_max_age=settings.session_max_age,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        exclude=STATIC_PATHS,  # static files never load or store a session (no database)
        cache_seconds=settings.session_cache_seconds,
        renew_after=settings.session_renew_seconds,
    )
    csrf_config = CSRFConfig(
        secret=settings.secret_key,
        cookie_name=f"{prefix}assembly_csrf",
        cookie_secure=settings.secure_cookies,
        cookie_httponly=True,
        cookie_samesite="lax",
        exclude=["/api/", "/schema"],
    )
    # Sign-in, join, return-code and reset attempts: per kind, per browser and per address.
    counter = create_counter(settings.redis_url, engine)
    rate_limits = RateLimitMiddleware(
        counter=counter,
        limits=rate_rules.Limits.build(
            settings.rate_limit_per_minute,
            settings.rate_limit_overrides,
            settings.rate_limit_address_factor,
        ),
        trusted=rate_rules.parse_networks(settings.trusted_proxies),
        forwarded_header=settings.forwarded_header,
        secret=settings.secret_key,
        session_cookie=session_config.key,
        csrf_cookie=csrf_config.cookie_name,
        room_open=RoomCheck(engine),
    )

    channels = live.channels_plugin(settings)

    async def start_live() -> None:
        live.start_ticker(app.state, engine)

    async def dispose_engine() -> None:
        await live.stop_ticker(app.state)
        await stop_vote_writer(app.state)
        await counter.close()
        await engine.dispose()

    # Background jobs (panel draws) run in each process; stopped before the engine goes.
    start_jobs, stop_jobs = lifespan_hooks(settings, engine)
    start_sweep, stop_sweep = sweep_hooks(settings, [*stores.values(), counter])

    app = Litestar(
        on_startup=[start_jobs, start_sweep, start_live],
        on_shutdown=[stop_sweep, stop_jobs, dispose_engine],
        before_send=[add_security_headers],
        before_request=refuse_oversized_ids,
        route_handlers=[
            *WEB_HANDLERS,
            *API_HANDLERS,
            create_static_files_router(path="/static", directories=[STATIC_DIR], name="static"),
        ],
        plugins=[SQLAlchemyPlugin(config=sqlalchemy_config), channels],
        dependencies={"viewer": Provide(provide_viewer), **APP_DEPENDENCIES},
        middleware=[
            # First: the body is complete before anything below opens a transaction.
            RequestIntakeMiddleware(
                max_body_bytes=MAX_BODY_BYTES,
                body_timeout=settings.body_timeout,
                queue_writes=settings.is_sqlite,
            ),
            RequestContextMiddleware(settings.default_locale),
            session_config.middleware,
            rate_limits,
            CsrfBindingMiddleware(
                secret=settings.secret_key,
                cookie=Cookie(
                    key=csrf_config.cookie_name,
                    value="",
                    path="/",
                    secure=settings.secure_cookies,
                    httponly=True,
                    samesite="lax",
                ),
                base_url=settings.base_url,
            ),
            CommitMiddleware(sqlalchemy_config.session_scope_key),
        ],
        csrf_config=csrf_config,
        template_config=TemplateConfig(engine=create_template_engine()),
        stores=StoreRegistry(stores=stores),
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(
            title="Assembly research API",
            version="1",
            description="Read-only data about assemblies, topics, proposals and results.",
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
        ),
        request_max_body_size=MAX_BODY_BYTES,
        debug=settings.debug,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.rate_limit_counter = counter
    app.state.channels_plugin = channels
    # Guards work out the viewer before the handler's dependencies, with the same session.
    app.state.sqlalchemy_config = sqlalchemy_config
    return app
