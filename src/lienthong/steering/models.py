"""Tables of the steering app (rollups, Plan 02 tasks, alerts): next."""
