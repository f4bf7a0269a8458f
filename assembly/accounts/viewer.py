"""Who is asking, as the services see it: an account, and the assemblies a citizen has joined.

The web edge (``assembly.web.auth``) works a viewer out from the session; services take it as a
plain value and refuse with domain errors, so they never depend on the web layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assembly.db.models import Account
from assembly.errors import NotAllowed, SignInRequired
from assembly.i18n import _l


@dataclass(frozen=True)
class TakingPart:
    """Who a citizen takes part as, for the line every page shows them."""

    assembly_slug: str
    assembly_title: str
    pseudonym: str


@dataclass
class Viewer:
    """The person behind a request, as far as authorization cares."""

    account: Account | None = None
    participants: dict[int, int] = field(default_factory=dict)  # assembly id -> participant id
    taking_part: list[TakingPart] = field(default_factory=list)

    @property
    def is_signed_in(self) -> bool:
        return self.account is not None

    @property
    def role(self) -> str | None:
        return self.account.role if self.account else None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_facilitator(self) -> bool:
        return self.role in {"facilitator", "admin"}

    @property
    def is_researcher(self) -> bool:
        return self.role in {"researcher", "admin"}

    def participant_in(self, assembly_id: int) -> int | None:
        return self.participants.get(assembly_id)

    def require_account(self) -> Account:
        if self.account is None:
            raise SignInRequired(_l("Sign in to continue."))
        return self.account

    def require_facilitator(self) -> Account:
        account = self.require_account()
        if not self.is_facilitator:
            raise NotAllowed(_l("Facilitators only."))
        return account
