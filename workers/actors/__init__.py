"""dramatiq actors (Redis broker): background jobs run by ``observatory jobs`` workers."""
