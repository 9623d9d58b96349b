"""Typer front-end: thin commands over the services."""
