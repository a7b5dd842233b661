"""One file per screen of the customer's session; each is driven only by the workflow's events."""
