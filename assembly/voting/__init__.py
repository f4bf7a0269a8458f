"""Assembly's voting engine: many counting methods, each result explaining itself.

>>> from assembly.voting import tally
>>> tally("irv", ["a", "b", "c"], [["a", "b"], ["b"], ["b"], ["c", "b"], ["c", "a"]]).winners
['b']

Pure Python and NumPy: no web framework, no database.  See docs/voting.md.
"""

from assembly.voting.errors import InvalidBallot, InvalidParameters
from assembly.voting.registry import (
    METHODS,
    MethodInfo,
    ballot_check,
    tally,
    validate_ballot,
    validate_params,
)
from assembly.voting.result import TallyResult

__all__ = [
    "METHODS",
    "InvalidBallot",
    "InvalidParameters",
    "MethodInfo",
    "TallyResult",
    "ballot_check",
    "tally",
    "validate_ballot",
    "validate_params",
]
