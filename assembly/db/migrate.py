"""Schema migrations through advanced-alchemy's Alembic commands, plus the catalogue sync."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advanced_alchemy.alembic.commands import AlembicCommands
from advanced_alchemy.extensions.litestar import AlembicAsyncConfig, SQLAlchemyAsyncConfig
from advanced_alchemy.types import GUID

from assembly.db.engine import create_engine
from assembly.db.models import metadata
from assembly.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def compare_type(
    context: Any,
    inspected_column: Any,
    metadata_column: Any,
    inspected_type: Any,
    metadata_type: Any,
) -> bool | None:
    """Alembic's type comparison, minus one false alarm.

    SQLite reflects the 16-byte UUID column as NUMERIC, so the comparison would report a change
    that is not there. Returning None keeps Alembic's own rule for every other column.
    """
    if isinstance(metadata_type, GUID) and context.dialect.name == "sqlite":
        return False
    return None


def alembic_commands(settings: Settings) -> AlembicCommands:
    config = SQLAlchemyAsyncConfig(
        engine_instance=create_engine(settings, migrating=True),
        metadata=metadata,
        alembic_config=AlembicAsyncConfig(
            script_location=str(MIGRATIONS_DIR),
            version_table_name="alembic_version",
            compare_type=True,
            render_as_batch=True,
            template_path=str(MIGRATIONS_DIR),
        ),
    )
    return AlembicCommands(sqlalchemy_config=config)


def upgrade(settings: Settings, revision: str = "head") -> None:
    alembic_commands(settings).upgrade(revision)


def downgrade(settings: Settings, revision: str) -> None:
    alembic_commands(settings).downgrade(revision)


def make_revision(settings: Settings, message: str) -> None:
    alembic_commands(settings).revision(message=message, autogenerate=True)
