"""The web server: the app factory (``dialboard.server.app.create_app``), settings and assets."""
