"""Human approval: the people on duty answer an ``approve`` ruling while its hook waits."""
