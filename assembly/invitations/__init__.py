"""Invite codes: single use, stored hashed, with expiry and revocation, printed as letters."""
