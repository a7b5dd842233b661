"""The central (fleet) store on PostgreSQL: what kiosks push, the push itself, and its verification.

* ``store.CentralStore``: the connection, ``init_schema`` (``kiosk central init``);
* ``schema``: the ``fleet_`` tables;
* ``chain``: the public hash chain over events and the row digests;
* ``kiosks``: registered kiosks and their head-signing keys (``kiosk central register|revoke``), under
  records the back office signs (``key_records``); ``roles``: what a kiosk's own database login may do;
  ``migrate``: schema 1 to 2;
* ``push``: ``kiosk sync`` (``Syncer``, ``sync_store``; ``kiosk/sync_worker.py`` runs it in the background of
  ``kiosk run``);
* ``acks``: what the centre acknowledged, for retention (nothing unacknowledged is purged);
* ``verify``: ``kiosk audit verify --central``; ``central_audit``: the centre's own audit chain.
See the README section "Fleet".
"""
