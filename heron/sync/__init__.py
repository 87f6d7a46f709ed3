"""Sync: pushing what a local store holds to a heron server, and the server's side of it.

A store logged offline, and the spool of an SDK in remote mode, are ordinary local stores; the
pusher (:mod:`heron.sync.pusher`) sends what is new in them to a server's ``/api/sync`` routes,
which apply each request in one transaction (:mod:`heron.sync.receive`). Every request is
idempotent, so a push cut off anywhere is simply run again.
"""
