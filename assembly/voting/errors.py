"""Errors raised by the voting engine."""

from __future__ import annotations


class InvalidBallot(ValueError):
    """A ballot that cannot be counted.

    ``reason`` says in plain words what is wrong ("ranks option 'b' twice"); ``index`` is the
    0-based position of the ballot in the input when known.  The message numbers ballots
    from 1, as people count them.
    """

    def __init__(self, reason: str, index: int | None = None) -> None:
        self.reason = reason
        self.index = index
        message = reason if index is None else f"ballot {index + 1}: {reason}"
        super().__init__(message)

    def at(self, index: int) -> InvalidBallot:
        """The same error, located at ballot ``index``."""
        return InvalidBallot(self.reason, index)


class InvalidParameters(ValueError):
    """Method, options, seats or parameters that do not make a valid count.

    ``param`` names the parameter at fault when one is (``"seats"`` included), so a form can
    show the message by that field; ``code`` and ``values`` let it word the message in the
    reader's language.
    """

    def __init__(
        self, message: str, param: str | None = None, code: str | None = None, **values: object
    ) -> None:
        super().__init__(message)
        self.param = param
        self.code = code
        self.values = values
