"""Small-group suppression, scrubbing of personal data from text, and audience sizes as staff may see them."""
