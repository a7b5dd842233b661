"""One router per resource; each handler parses, calls ``ApiService`` and returns JSON."""
