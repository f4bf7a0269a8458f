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


def test_rate_limit_settings_from_environment() -> None:
    settings = Settings.from_env(
        {
            "ASSEMBLY_RATE_LIMIT_PER_MINUTE": "12",
            "ASSEMBLY_RATE_LIMIT_JOIN_PER_MINUTE": "30",
            "ASSEMBLY_RATE_LIMIT_ADDRESS_FACTOR": "20",
            "ASSEMBLY_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1",
            "ASSEMBLY_FORWARDED_HEADER": "forwarded",
        }
    )
    assert settings.rate_limit_overrides == {"signin": 0, "join": 30, "return": 0, "reset": 0}
    assert settings.rate_limit_address_factor == 20
    assert settings.trusted_proxies == "10.0.0.0/8, 192.0.2.1"
    assert settings.forwarded_header == "forwarded"
