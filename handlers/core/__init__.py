"""The conversation core: what comes in and goes out (events), one turn of a person, the router, steps and their one dispatch, commands, keywords and text input."""
