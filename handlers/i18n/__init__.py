"""Languages: gettext catalogs, the locale of the current update, and lazy strings."""
