"""The web server: the app factory (``app.server.app.create_app``), settings and assets."""
