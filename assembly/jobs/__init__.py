"""Background jobs: work too long for a request (a large panel draw), kept in the database.

`services` holds the queue's operations on the ``background_jobs`` table (enqueue, atomic
claim, heartbeat, done or failed, re-queueing stale jobs), `runner` runs registered job
functions in the server's event loop, and `commands` is ``assembly jobs``.
"""
