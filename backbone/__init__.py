"""Backbone's top layer: the command line (backbone.cli) and the web app (backbone.app)."""
