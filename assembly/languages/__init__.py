"""Multilingual assemblies: offered languages and translations of their texts."""
