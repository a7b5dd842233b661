"""The local integration API (``kiosk serve``): the verification service a bank's software calls.

``create_app`` (``kiosk.api.app``) builds a FastAPI application from an :class:`~kiosk.api.service.ApiService`
(the loaded engines, the open storage, the challenge registry). Routers translate HTTP to service calls;
the service runs the same engine, policy, storage and audit trail as ``kiosk verify`` and the window.
"""
