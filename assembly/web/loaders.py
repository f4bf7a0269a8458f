"""What a handler works on, loaded and authorized before it runs, as Litestar dependencies.

A controller declares the loaders it needs (``dependencies = MANAGED_TOPIC``) and its handlers
take ``assembly`` and ``topic`` as parameters, already checked: the handler does only its job.
The loaders read the path parameters ``slug`` and ``topic_slug`` themselves.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies.services import get_managed_assembly, get_visible_assembly
from assembly.db.models import Assembly, Topic
from assembly.proposals import services as topic_pages
from assembly.settings import Settings
from assembly.topics.services import get_topic
from assembly.web.auth import Viewer


async def provide_managed_assembly(slug: str, viewer: Viewer, db_session: AsyncSession) -> Assembly:
    """An assembly the viewer facilitates (404 for a draft of others, 403 otherwise)."""
    return await get_managed_assembly(db_session, slug, viewer)


async def provide_managed_topic(
    topic_slug: str, assembly: Assembly, db_session: AsyncSession
) -> Topic:
    """A topic of the managed assembly, read after the assembly was authorized."""
    return await get_topic(db_session, assembly, topic_slug)


async def provide_visible_assembly(slug: str, viewer: Viewer, db_session: AsyncSession) -> Assembly:
    """An assembly the viewer may read (a draft is missing to outsiders, so it does not leak)."""
    return await get_visible_assembly(db_session, slug, viewer)


async def provide_topic_assembly(slug: str, viewer: Viewer, db_session: AsyncSession) -> Assembly:
    """As :func:`provide_visible_assembly`, for a page about one topic: the assembly's other
    topics are not loaded."""
    return await get_visible_assembly(db_session, slug, viewer, topics=False)


async def provide_visible_topic(
    topic_slug: str, assembly: Assembly, viewer: Viewer, db_session: AsyncSession
) -> Topic:
    """A topic of a readable assembly; one still in preparation for its facilitators only."""
    return await topic_pages.get_topic(db_session, assembly, topic_slug, viewer)


async def provide_voting_topic(
    topic_slug: str, assembly: Assembly, viewer: Viewer, db_session: AsyncSession
) -> Topic:
    """As :func:`provide_visible_topic`, without the practices, which voting pages never show."""
    return await topic_pages.get_topic(
        db_session, assembly, topic_slug, viewer, with_practices=False
    )


def provide_settings(state: State) -> Settings:
    """The application's settings, as a parameter rather than a lookup in the app's state."""
    settings: Settings = state.settings
    return settings


# Per controller: `dependencies = MANAGED_TOPIC`, and so on. Each names what it provides.
MANAGED_ASSEMBLY: dict[str, Any] = {"assembly": Provide(provide_managed_assembly)}
MANAGED_TOPIC: dict[str, Any] = {
    **MANAGED_ASSEMBLY,
    "topic": Provide(provide_managed_topic),
}
VISIBLE_ASSEMBLY: dict[str, Any] = {"assembly": Provide(provide_visible_assembly)}
VISIBLE_TOPIC: dict[str, Any] = {
    "assembly": Provide(provide_topic_assembly),
    "topic": Provide(provide_visible_topic),
}
VOTING_TOPIC: dict[str, Any] = {
    "assembly": Provide(provide_topic_assembly),
    "topic": Provide(provide_voting_topic),
}
# App-wide: every handler may take `settings: Settings`.
APP_DEPENDENCIES: dict[str, Any] = {"settings": Provide(provide_settings, sync_to_thread=False)}
