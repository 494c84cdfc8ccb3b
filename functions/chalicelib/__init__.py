"""The HTTP shell of the service: Chalice blueprints over :mod:`taskcore`."""
