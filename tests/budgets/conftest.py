"""Fixtures shared by the budget tests."""

from assemblies.manage_seed import fast_passwords

__all__ = ["fast_passwords"]
