"""``kiosk serve``: load the engines, open the storage, serve the API with uvicorn until interrupted."""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from kiosk.api.config import ApiConfig

log = logging.getLogger(__name__)


def model_info(policy: Any = None, liveness: Any = None) -> dict[str, Any]:
    """``/v1/info``: every model (id, task, source package and version, sha256 of the file and the converted
    ONNX), the policy version and the thresholds in force, the passive-liveness model, the package versions."""
    from models.manifest import load_manifest

    from kiosk.policy import PolicyConfig
    from kiosk.recording import POLICY_VERSION, model_versions

    models = [{"id": m.id, "task": m.task, "file": m.file, "sha256": m.sha256,
               "onnx_sha256": m.onnx.sha256 if m.onnx else None,
               "source": {"kind": m.source.kind, "package": m.source.package, "version": m.source.version},
               "licence": m.licence} for m in load_manifest().models]
    p = policy if policy is not None else PolicyConfig()
    fusion = getattr(liveness, "model_path", None)
    return {"models": models, "policy": {"version": POLICY_VERSION, "match_accept": p.match_accept,
                                         "match_review": p.match_review},
            "liveness": {"fusion_model": Path(fusion).name if fusion else None,
                         "aggregate": getattr(liveness, "aggregate", "median")},
            "versions": {k: v for k, v in model_versions().items() if not any(k == m["id"] for m in models)}}


def thresholds_info(policy: Any, one_to_n: float) -> dict[str, Any]:
    """``/v1/info``'s thresholds: 1:1 (compare, identity verify, the policy) and 1:N (identify, duplicate refusal)
    side by side, with why 1:N is stricter. Each answer names the kind it used (``threshold_kind``)."""
    return {
        "1:1": {"match_accept": policy.match_accept, "match_review": policy.match_review,
                "used_by": ["/v1/compare", "/v1/identities/{id}/verify", "/v1/verify"]},
        "1:N": {"threshold": one_to_n, "used_by": ["/v1/identify", "/v1/identities (duplicate refusal)"],
                "setting": "[storage] duplicate_threshold"},
        "why_1n_is_stricter": "a search of N identities is N comparisons: the chance that some other person "
                              "passes is FMR_N = 1 - (1 - FMR_1(t))^N, about N x FMR_1(t), so 1:N needs a "
                              "threshold with a far lower FMR_1 than one 1:1 comparison (see the README)"}


def build_service(data_dir: Path, config: ApiConfig, provider: str = "openvino", storage_config: Any = None,
                  kiosk_config: Any = None) -> Any:
    """Open the storage and load one face engine per worker (raises ``ModelError`` if models are missing).

    ``kiosk_config`` (a ``KioskConfig``, default: the defaults) gives the decision policy and the passive-liveness
    model, resolved exactly as ``kiosk run`` resolves them (``kiosk.pad.site.liveness_config``: a missing or
    damaged site model stops the start, with its reason).
    """
    from inference.challenge import ChallengeConfig
    from inference.config import RuntimeConfig
    from storage import open_storage

    from kiosk.api.challenges import ChallengeRegistry
    from kiosk.api.pool import EnginePool
    from kiosk.api.service import ApiService
    from kiosk.face_session import FaceEngine
    from kiosk.pad.site import liveness_config
    from kiosk.recording import config_hash
    from kiosk.workflow.config import KioskConfig

    kiosk_config = kiosk_config if kiosk_config is not None else KioskConfig()
    policy = kiosk_config.policy
    # Before the storage opens: a bad [liveness] model is refused with nothing written.
    liveness = liveness_config(kiosk_config.liveness.model, Path(data_dir), kiosk_config.liveness.aggregate)
    storage = open_storage(Path(data_dir), storage_config)
    try:
        storage.startup(config_hash(policy, {"api": config.model_dump(mode="json"),
                                             "liveness": kiosk_config.liveness.model_dump(mode="json")}),
                        actor="system:api")
        challenge = ChallengeConfig(length=config.challenge_length)
        engines = [FaceEngine.load(RuntimeConfig(provider=provider), liveness=liveness, challenge=challenge)
                   for _ in range(config.workers)]
        pool = EnginePool(engines, config.queue, config.timeout_s)
        info = {**model_info(policy, liveness), "thresholds": thresholds_info(policy, storage.config.duplicate_threshold)}
        return ApiService(config, storage, pool, ChallengeRegistry(challenge, config.challenge_ttl_s), policy, info)
    except BaseException:
        storage.close()
        raise


def serve(data_dir: Path, config: ApiConfig, provider: str = "openvino", ready: Any = None,
          storage_config: Any = None, kiosk_config: Any = None) -> None:
    """Serve until interrupted. ``ready(port)`` is called once the socket listens (tests, ``--port 0``)."""
    import socket

    import uvicorn

    from kiosk.api.app import create_app
    from kiosk.api.transport import uvicorn_settings

    config.check_bind()
    service = build_service(data_dir, config, provider, storage_config, kiosk_config)
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Answers go out as two writes (head, body): without TCP_NODELAY (inherited by accepted sockets on
    # Linux) Nagle holds the body until the client's delayed ACK, 40 ms on every keep-alive request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((config.host, config.port))
    # Listen before announcing the port: uvicorn starts accepting only after loading its protocols, and a client
    # told "listening" must be queued in the backlog, not refused.
    sock.listen(2048)
    port = sock.getsockname()[1]
    try:
        uv = uvicorn.Config(create_app(service), **uvicorn_settings(config))
        server = uvicorn.Server(uv)
        log.warning("integration API listening on %s://%s:%d", "https" if config.tls_cert else "http",
                    config.host, port)
        print(json.dumps({"listening": f"{'https' if config.tls_cert else 'http'}://{config.host}:{port}"}),
              flush=True)
        if ready is not None:
            ready(port)
        server.run(sockets=[sock])
    finally:
        sock.close()
        service.pool.close()
        service.storage.close()


def write_openapi(path: Path) -> None:
    """Render the OpenAPI document (no models or storage needed) to ``path``."""
    from kiosk.api.app import create_app

    doc = create_app(None).openapi()
    Path(path).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
