"""The benchmarks: synthetic data sets and timings, apart from the product code.

The product apps (portal, environments, licensing) never import this package; it imports their
public services, selectors and models. Its commands (`bench_refresh`, `bench_analysis`) build their
own data in the configured database and refuse a database that holds other customers unless told to.
"""
