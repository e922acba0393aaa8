"""Digests for municipal teams and unions: content, members, feedback, notices, periods, the published (fixed) periods, and the report's text."""
