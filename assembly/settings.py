"""Settings read from the environment.

Every setting is an ``ASSEMBLY_*`` variable; ``tests/test_settings.py`` fails when one is missing
from the README, so the documentation cannot fall behind the code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_ROOT = Path(__file__).resolve().parent

# Development-only secret: `assembly serve` refuses it unless --dev is given.
DEVELOPMENT_SECRET = "development-secret-do-not-use-in-production"  # noqa: S105


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """All runtime configuration. Field metadata holds the variable name and its documentation."""

    database_url: str = field(
        default=f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'assembly.db'}",
        metadata={"env": "ASSEMBLY_DATABASE_URL", "doc": "SQLAlchemy URL of the database."},
    )
    secret_key: str = field(
        default=DEVELOPMENT_SECRET,
        metadata={"env": "ASSEMBLY_SECRET_KEY", "doc": "Secret for CSRF tokens and keyed hashes."},
    )
    redis_url: str | None = field(
        default=None,
        metadata={"env": "ASSEMBLY_REDIS_URL", "doc": "Share sessions and rate limits in Redis."},
    )
    secure_cookies: bool = field(
        default=False,
        metadata={"env": "ASSEMBLY_SECURE_COOKIES", "doc": "Mark cookies Secure (behind HTTPS)."},
    )
    debug: bool = field(
        default=False,
        metadata={"env": "ASSEMBLY_DEBUG", "doc": "Show tracebacks in error pages."},
    )
    default_locale: str = field(
        default="en",
        metadata={"env": "ASSEMBLY_DEFAULT_LOCALE", "doc": "Language when nothing else decides."},
    )
    session_max_age: int = field(
        default=60 * 60 * 24 * 14,
        metadata={"env": "ASSEMBLY_SESSION_MAX_AGE", "doc": "Session lifetime in seconds."},
    )
    participant_session_max_age: int = field(
        default=60 * 60 * 24 * 180,
        metadata={
            "env": "ASSEMBLY_PARTICIPANT_SESSION_MAX_AGE",
            "doc": "A citizen's session without a visit, in seconds; it ends with the assembly.",
        },
    )
    rate_limit_per_minute: int = field(
        default=10,
        metadata={
            "env": "ASSEMBLY_RATE_LIMIT_PER_MINUTE",
            "doc": "Attempts per browser and minute at each limited form, unless set below.",
        },
    )
    # Each kind of attempt has its own bucket; 0 follows ASSEMBLY_RATE_LIMIT_PER_MINUTE.
    rate_limit_signin_per_minute: int = field(
        default=0,
        metadata={
            "env": "ASSEMBLY_RATE_LIMIT_SIGNIN_PER_MINUTE",
            "doc": "Sign-in attempts per browser and minute (0: the general limit).",
        },
    )
    rate_limit_join_per_minute: int = field(
        default=0,
        metadata={
            "env": "ASSEMBLY_RATE_LIMIT_JOIN_PER_MINUTE",
            "doc": "Joining attempts with an invitation code per browser and minute (0: general).",
        },
    )
    rate_limit_return_per_minute: int = field(
        default=0,
        metadata={
            "env": "ASSEMBLY_RATE_LIMIT_RETURN_PER_MINUTE",
            "doc": "Coming-back attempts with a return code per browser and minute (0: general).",
        },
    )
    rate_limit_reset_per_minute: int = field(
        default=0,
        metadata={
            "env": "ASSEMBLY_RATE_LIMIT_RESET_PER_MINUTE",
            "doc": "Password-link attempts per browser and minute (0: the general limit).",
        },
    )
    rate_limit_address_factor: int = field(
        default=10,
        metadata={
            "env": "ASSEMBLY_RATE_LIMIT_ADDRESS_FACTOR",
            "doc": "An address's ceiling over all its browsers, as a multiple of a browser's.",
        },
    )
    trusted_proxies: str = field(
        default="",
        metadata={
            "env": "ASSEMBLY_TRUSTED_PROXIES",
            "doc": "Comma-separated proxy IPs/CIDRs whose X-Forwarded-For/Forwarded is believed.",
        },
    )
    forwarded_header: str = field(
        default="x-forwarded-for",
        metadata={
            "env": "ASSEMBLY_FORWARDED_HEADER",
            "doc": "The header trusted proxies set: x-forwarded-for or forwarded (RFC 7239).",
        },
    )
    base_url: str = field(
        default="http://127.0.0.1:8000",
        metadata={
            "env": "ASSEMBLY_BASE_URL",
            "doc": "Public address printed on invitation letters.",
        },
    )
    vote_batch_window_ms: float = field(
        default=2.0,
        metadata={
            "env": "ASSEMBLY_VOTE_BATCH_WINDOW_MS",
            "doc": "How long the vote writer waits to gather a batch (SQLite).",
        },
    )
    body_timeout: float = field(
        default=30.0,
        metadata={
            "env": "ASSEMBLY_BODY_TIMEOUT",
            "doc": "Seconds a client has to send a request's whole body (then 408).",
        },
    )
    header_timeout: float = field(
        default=10.0,
        metadata={
            "env": "ASSEMBLY_HEADER_TIMEOUT",
            "doc": "Seconds a connection has to send a request's headers (then it is closed).",
        },
    )
    max_connections: int = field(
        # A live meeting holds an event stream open per projector, table host and phone: room
        # for a thousand of them and the requests of the same people besides.
        default=4000,
        metadata={
            "env": "ASSEMBLY_MAX_CONNECTIONS",
            "doc": "Open connections per server process; more get 503.",
        },
    )
    db_pool_size: int = field(
        default=32,
        metadata={
            "env": "ASSEMBLY_DB_POOL_SIZE",
            "doc": "Database connections each process keeps open.",
        },
    )
    db_max_overflow: int = field(
        default=16,
        metadata={
            "env": "ASSEMBLY_DB_MAX_OVERFLOW",
            "doc": "Extra connections a process may open at peaks, beyond the pool.",
        },
    )
    db_pool_timeout: float = field(
        default=30.0,
        metadata={
            "env": "ASSEMBLY_DB_POOL_TIMEOUT",
            "doc": "Seconds a request waits for a free database connection.",
        },
    )
    session_cache_seconds: float = field(
        default=2.0,
        metadata={
            "env": "ASSEMBLY_SESSION_CACHE_SECONDS",
            "doc": "How long a process reuses a session it has read (0: read every time).",
        },
    )
    session_renew_seconds: int = field(
        default=60 * 60,
        metadata={
            "env": "ASSEMBLY_SESSION_RENEW_SECONDS",
            "doc": "An unchanged session's expiry is renewed at most this often.",
        },
    )
    session_sweep_seconds: int = field(
        default=10 * 60,
        metadata={
            "env": "ASSEMBLY_SESSION_SWEEP_SECONDS",
            "doc": "Interval of the sweep that deletes expired sessions and rate-limit counts.",
        },
    )
    jobs_enabled: bool = field(
        default=True,
        metadata={
            "env": "ASSEMBLY_JOBS_ENABLED",
            "doc": "Run background jobs (panel draws) and planned phase starts in this process.",
        },
    )

    # The legal pages (privacy notice, accessibility statement, about) name the body that runs
    # the deployment. Empty values show a plain "still to be filled in" on those pages.
    controller_name: str = field(
        default="",
        metadata={
            "env": "ASSEMBLY_CONTROLLER_NAME",
            "doc": "Data controller named in the privacy notice (e.g. the municipality).",
        },
    )
    controller_address: str = field(
        default="",
        metadata={"env": "ASSEMBLY_CONTROLLER_ADDRESS", "doc": "The controller's postal address."},
    )
    contact_email: str = field(
        default="",
        metadata={
            "env": "ASSEMBLY_CONTACT_EMAIL",
            "doc": "Contact for privacy requests, accessibility feedback and questions.",
        },
    )
    dpo_contact: str = field(
        default="",
        metadata={
            "env": "ASSEMBLY_DPO_CONTACT",
            "doc": "The data protection officer's name and e-mail address.",
        },
    )
    accessibility_reviewed: str = field(
        default="",
        metadata={
            "env": "ASSEMBLY_ACCESSIBILITY_REVIEWED",
            "doc": "Date (YYYY-MM-DD) the accessibility statement was last reviewed.",
        },
    )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            if f.type in ("bool", bool):
                values[f.name] = _flag(raw)
            elif f.type in ("int", int):
                values[f.name] = int(raw)
            elif f.type in ("float", float):
                values[f.name] = float(raw)
            else:
                values[f.name] = raw
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def rate_limit_overrides(self) -> dict[str, int]:
        """Per-kind limits that were set (see ``assembly.ratelimits.rules.KINDS``)."""
        return {
            "signin": self.rate_limit_signin_per_minute,
            "join": self.rate_limit_join_per_minute,
            "return": self.rate_limit_return_per_minute,
            "reset": self.rate_limit_reset_per_minute,
        }

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def uses_development_secret(self) -> bool:
        return self.secret_key == DEVELOPMENT_SECRET


def documented_variables() -> dict[str, str]:
    """Variable name to its one-line documentation, for the README and `assembly --help`."""
    return {f.metadata["env"]: f.metadata["doc"] for f in fields(Settings)}
