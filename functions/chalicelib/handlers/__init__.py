"""One blueprint module per operation; :data:`BLUEPRINTS` lists them for ``app.py``."""
