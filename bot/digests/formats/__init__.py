"""A digest written out: Telegram HTML messages, charts, the e-mail and the workbook, all from one suppressed report."""
