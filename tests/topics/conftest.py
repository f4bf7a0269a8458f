"""Fixtures shared by the facilitator-side tests."""

from assemblies.manage_seed import fast_passwords

__all__ = ["fast_passwords"]
