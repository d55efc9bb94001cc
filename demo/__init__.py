"""Synthetic demo data (Faker en_GB, fixed seeds, made-up people and places) for `make run`.

The top layer: it uses every domain app and nothing imports it. `manage.py seed_demo` loads it all."""
