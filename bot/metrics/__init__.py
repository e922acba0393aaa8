"""Figures for Prometheus (``GET /metrics``), behind a bearer token: what the operator watches.

No label ever carries a person, an address or a text: only channels, statuses, outcomes and
the names of routes.
"""
