"""Every test here starts from a copy of one database holding the seeded export assembly."""

from exports.export_seed import cheap_passwords, database_url, seeded, seeded_templates

__all__ = ["cheap_passwords", "database_url", "seeded", "seeded_templates"]
