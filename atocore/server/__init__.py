"""The HTTP front-end: a FastAPI app over the same services as the CLI.

Imported only by ``atocore serve`` (and tests): FastAPI never loads at
CLI start-up. Build the app with :func:`atocore.server.app.create_app`.
"""
