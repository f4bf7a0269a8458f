"""Domain errors: what services raise when a rule says no.

Services never import the web layer. They raise these, each carrying its messages as lazy
translations (the message key) keyed by the form field they concern ("" for the whole form).
The web edge (``assembly.web.errors``) maps them to statuses, and controllers that show a form
catch ``InvalidInput`` to show it again with what the person typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """A rule refused the request. ``errors`` maps a field (or "") to a translatable message."""

    status_code = 400

    def __init__(self, errors: Mapping[str, Any] | Any | None = None) -> None:
        if errors is None:
            errors = {}
        elif not isinstance(errors, Mapping):
            errors = {"": errors}
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors: dict[str, Any] = dict(errors)

    @property
    def message(self) -> Any:
        """The first message, for a page that shows one line."""
        return next(iter(self.errors.values()), "")


class InvalidInput(DomainError):
    """What was sent breaks a rule; the form is shown again with these messages."""


class Conflict(DomainError):
    """The request clashes with the current state (already voted, changed meanwhile)."""

    status_code = 409


class NotFound(DomainError):
    """Nothing the viewer may see is there (also used to hide what exists but is private)."""

    status_code = 404


class NotAllowed(DomainError):
    """The viewer is known but may not do this."""

    status_code = 403


class SignInRequired(DomainError):
    """Only a signed-in account may do this."""

    status_code = 401
