"""The conversation core: what comes in and goes out (events), one turn of a person, the router, steps, commands, keywords and text input."""
