"""The schedulers of `reslog worker`: polls opened, reminded and closed on time, digests sent for each period due; their state lives on the rows."""
