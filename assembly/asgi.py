"""ASGI entry point for uvicorn workers: the app built from the environment."""

from assembly.app import create_app

app = create_app()
