"""Every setting is documented in the README, and the environment is read correctly."""

from __future__ import annotations

from assembly.settings import PROJECT_ROOT, Settings, documented_variables


def test_every_setting_is_in_the_readme() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in documented_variables() if f"`{name}`" not in readme]
    assert missing == []


def test_settings_from_environment() -> None:
    settings = Settings.from_env(
        {
            "ASSEMBLY_DATABASE_URL": "postgresql+asyncpg://u@h/db",
            "ASSEMBLY_SECURE_COOKIES": "true",
            "ASSEMBLY_RATE_LIMIT_PER_MINUTE": "3",
        }
    )
    assert settings.database_url == "postgresql+asyncpg://u@h/db"
    assert settings.secure_cookies is True
    assert settings.rate_limit_per_minute == 3
    assert not settings.is_sqlite
    assert Settings.from_env({}).uses_development_secret
