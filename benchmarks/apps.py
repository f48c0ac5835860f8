from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """No models: an app only so that Django finds the bench management commands."""

    name = "benchmarks"
    verbose_name = "Benchmarks"
