"""Accounts for facilitators, researchers and administrators: sign-in and management."""
