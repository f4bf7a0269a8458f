"""Proposals on a topic, the pro and con arguments on them, and reactions."""
