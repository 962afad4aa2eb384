"""Every event as one row of a wide ClickHouse table, for analytics and search.

``projection.py`` turns events into rows; ``clickhouse.py`` stores them (a ClickHouse server
or chDB in-process, through ``connections.py``); ``queries.py`` answers per tenant;
``dump.py`` reads everything back for the privacy walk.
"""
