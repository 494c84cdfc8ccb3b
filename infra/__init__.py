"""AWS deployment: the template merged into `chalice package` output and its build scripts.

Run the scripts as modules from the repository root, e.g. ``python -m infra.package dev``.
"""
