"""Monitoring of a license (app label "monitoring"): the nightly job, its runs and e-mail outbox,
warnings and signals, usage history with charts and forecast."""
