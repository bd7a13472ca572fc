"""Training providers: profile, approval, staff memberships."""
