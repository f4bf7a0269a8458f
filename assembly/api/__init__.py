"""The read-only research API (/api/v1) and researchers' API tokens."""
