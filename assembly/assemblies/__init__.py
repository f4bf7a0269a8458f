"""Assemblies: set-up by facilitators, public pages, and who may see what."""
