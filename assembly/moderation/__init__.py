"""Moderation of a topic: hiding proposals and arguments with a reason, and merging duplicates."""
