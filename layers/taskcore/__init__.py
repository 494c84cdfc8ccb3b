"""Core of the task-management backend: domain, storage, auth and services.

Nothing here imports Chalice; the HTTP layer in ``functions/`` is a thin shell over
:mod:`taskcore.services`, wired by :mod:`taskcore.bootstrap`.
"""
