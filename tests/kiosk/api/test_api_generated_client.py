"""Issue 22 target: a client generated from the OpenAPI document by a standard generator (openapi-python-client)
calls compare, verify, the face bank and liveness, in JSON and in multipart, with no hand edits.

openapi-python-client 0.29 writes ``body: A | B | Unset = UNSET`` for every body with two media types and imports
``Unset`` only when the body is declared optional (its open issue #1451): the contract therefore declares those
bodies ``required: false`` (the server answers 400 ``invalid_json`` without one; kiosk.api.contract.request_body),
and the generated package is imported exactly as the generator wrote it."""
from __future__ import annotations

import base64
import importlib
import pkgutil
import shutil
import subprocess
import sys

import pytest

from tests.kiosk.api.conftest import ROOT, jpeg

pytest.importorskip("openapi_python_client")


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The generated package ``idk_gen`` (post hooks off: no formatter needed), importable."""
    out = tmp_path_factory.mktemp("generated")
    (out / "cfg.yml").write_text("post_hooks: []\nproject_name_override: idk_gen\npackage_name_override: idk_gen\n")
    exe = shutil.which("openapi-python-client") or str(ROOT / ".venv" / "bin" / "openapi-python-client")
    proc = subprocess.run([exe, "generate", "--path", str(ROOT / "docs" / "openapi.json"), "--config", "cfg.yml",
                           "--meta", "none"], cwd=out, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "Warning" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("idk_gen")
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == "idk_gen" or m.startswith("idk_gen.")]:
            del sys.modules[name]


def test_every_generated_module_imports_unedited(gen) -> None:  # type: ignore[no-untyped-def]
    """Every endpoint module as the generator wrote it (before the contract change, the ones with a required
    two-media-type body failed with ``NameError: name 'Unset' is not defined``)."""
    api = importlib.import_module("idk_gen.api")
    modules = [m.name for m in pkgutil.walk_packages(api.__path__, "idk_gen.api.") if not m.ispkg]
    for name in modules:
        importlib.import_module(name)
    assert len(modules) >= 16


def test_generated_client_calls_compare_facebank_and_liveness(gen, server, photo, other_face) -> None:  # type: ignore[no-untyped-def]
    from idk_gen import AuthenticatedClient
    from idk_gen.api.compare import compare_v1_compare_post as compare
    from idk_gen.api.facebank import enrol_v1_identities_post as enrol
    from idk_gen.api.facebank import identify_v1_identify_post as identify
    from idk_gen.api.facebank import list_identities_v1_identities_get as list_identities
    from idk_gen.api.facebank import verify_identity_v1_identities_identity_id_verify_post as verify_identity
    from idk_gen.api.liveness import liveness_v1_liveness_post as liveness
    from idk_gen.models import (
        CompareRequest, CompareV1ComparePostFilesBody, Comparison, EnrolV1IdentitiesPostFilesBody, ErrorEnvelope,
        IdentifyRequest, LivenessRequest, VerifyIdentityV1IdentitiesIdentityIdVerifyPostFilesBody,
    )
    from idk_gen.types import File

    api = AuthenticatedClient(base_url=server.url, token=server.key("all"), prefix="", auth_header_name="X-API-Key",
                              timeout=120)
    b64 = lambda img: base64.b64encode(jpeg(img)).decode()  # noqa: E731
    part = lambda img: File(payload=__import__("io").BytesIO(jpeg(img)), file_name="f.jpg", mime_type="image/jpeg")  # noqa: E731

    by_json = compare.sync(client=api, body=CompareRequest(image2=b64(photo), image1=b64(photo)))
    assert isinstance(by_json, Comparison) and by_json.band.value == "match"
    by_parts = compare.sync(client=api, body=CompareV1ComparePostFilesBody(image2=part(photo), image1=part(other_face)))
    assert isinstance(by_parts, Comparison) and by_parts.band.value == "mismatch"

    ident = enrol.sync(client=api, body=EnrolV1IdentitiesPostFilesBody(list_="gen", image=part(photo), label="G-1"))
    assert ident is not None and not isinstance(ident, ErrorEnvelope), ident
    page = list_identities.sync(client=api, list_="gen")
    assert page.total == 1 and page.identities[0].label == "G-1"
    one = verify_identity.sync(ident.identity_id, client=api,
                               body=VerifyIdentityV1IdentitiesIdentityIdVerifyPostFilesBody(image=part(photo)))
    assert one.band.value == "match"
    found = identify.sync(client=api, body=IdentifyRequest(list_="gen", image=b64(photo)))
    assert found.candidates[0].label == "G-1" and found.candidates[0].is_match
    missing = identify.sync(client=api, body=IdentifyRequest(list_="nolist", image=b64(photo)))
    assert isinstance(missing, ErrorEnvelope) and missing.error.code == "list_not_found"
    live = liveness.sync(client=api, body=LivenessRequest(images=[b64(photo)]))
    assert live.decision_grade is False and live.passive.threshold > 0


def test_generated_client_calls_verify(gen, server, photo) -> None:  # type: ignore[no-untyped-def]
    """``/v1/verify`` through the generated client: a challenge, then a portrait and frames in multipart; a still
    photo cannot pass an active challenge, so the typed answer is a recorded REJECT or REVIEW."""
    import io

    from idk_gen import AuthenticatedClient
    from idk_gen.api.liveness import new_challenge_v1_challenges_post as new_challenge
    from idk_gen.api.verify import verify_v1_verify_post as verify
    from idk_gen.models import ChallengeRequest, NewChallenge, Verification, VerifyV1VerifyPostFilesBody
    from idk_gen.types import File

    api = AuthenticatedClient(base_url=server.url, token=server.key("all"), prefix="", auth_header_name="X-API-Key",
                              timeout=120)
    ch = new_challenge.sync(client=api, body=ChallengeRequest(ttl_s=60))
    assert isinstance(ch, NewChallenge), ch
    part = lambda: File(payload=io.BytesIO(jpeg(photo)), file_name="f.jpg", mime_type="image/jpeg")  # noqa: E731
    out = verify.sync(client=api, body=VerifyV1VerifyPostFilesBody(
        challenge_id=ch.challenge_id, nonce=ch.nonce, portrait=part(), frames=[part(), part(), part()],
        timestamps="0,0.2,0.4"))
    assert isinstance(out, Verification), out
    assert out.decision.value in ("REJECT", "REVIEW") and out.session_id
