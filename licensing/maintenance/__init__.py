"""Onderhoud gebruikers: the users and employees across a customer's environments, blocking and
unblocking a user (recorded as UserBlockChange), and the cleanup advice."""
