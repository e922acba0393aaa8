"""Channel adapters: each parses what its channel delivers and renders what the core answers."""
