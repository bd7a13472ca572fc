"""People: the custom User, roles and the permission helpers other apps use."""
