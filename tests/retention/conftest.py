"""The retention tests start from a copy of the seeded export assembly: demographics, a drawn
panel, invitations, ballots and published results, so an erase has everything to remove."""

from exports.export_seed import cheap_passwords, database_url, seeded, seeded_templates

__all__ = ["cheap_passwords", "database_url", "seeded", "seeded_templates"]
