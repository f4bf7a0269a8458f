"""Casting, changing and counting ballots, secret or open, with receipts."""
