"""Benchmarks: speed, cost and scale of the API, side by side (DESIGN.md sections 4 and 6).

Run ``python -m bench``; see bench/__main__.py.
"""
