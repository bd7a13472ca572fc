"""Course APIs: the public catalogue and the providers' course and cohort management."""
