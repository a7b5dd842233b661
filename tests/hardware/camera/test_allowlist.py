"""The injection defence on fake sysfs trees with recorded QUERYCAP answers, and the Windows rule."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from hardware.camera.allowlist import DecisionCode, check_camera, check_windows_device_path
from hardware.camera.config import AllowedCamera, CameraConfig, CameraPolicyConfig
from hardware.camera.devices import enumerate_cameras, resolve_device
from hardware.camera.errors import CameraError, CameraNotFoundError
from hardware.camera.v4l2 import QUERYCAP_SIZE, VIDIOC_QUERYCAP, QueryCap, parse_querycap, query_capabilities

from fake_sysfs import AKVCAM, LOOPBACK, UVC_CAPTURE, UVC_METADATA, FakeCamera, FakeSystem

C920 = AllowedCamera(vendor_id="046d", product_id="082d", label="Logitech C920")
POLICY = CameraPolicyConfig(allowed=(C920,))


def _one(fake: FakeSystem, cam: FakeCamera):  # type: ignore[no-untyped-def]
    fake.add(cam)
    devices = enumerate_cameras(fake.sysfs, fake.dev, fake.querycap)
    assert len(devices) == 1
    return devices[0]


def test_querycap_layout_and_ioctl_number() -> None:
    assert QUERYCAP_SIZE == 104
    assert VIDIOC_QUERYCAP == 0x80685600  # _IOR('V', 0, struct v4l2_capability)
    raw = (b"uvcvideo".ljust(16, b"\0") + b"Cam".ljust(32, b"\0") + b"usb-0000:00:14.0-2".ljust(32, b"\0")
           + (0x060100).to_bytes(4, "little") + (0x84A00001).to_bytes(4, "little")
           + (0x04200001).to_bytes(4, "little") + bytes(12))
    cap = parse_querycap(raw)
    assert (cap.driver, cap.card, cap.bus_info, cap.version_text) == ("uvcvideo", "Cam", "usb-0000:00:14.0-2", "6.1.0")
    assert cap.can_capture
    with pytest.raises(CameraError, match="expected 104"):
        parse_querycap(raw[:-1])


def test_real_ioctl_on_a_non_v4l2_node_is_a_typed_error(tmp_path) -> None:
    with pytest.raises(CameraError, match="not a V4L2 video device"):
        query_capabilities("/dev/null")
    with pytest.raises(CameraError, match="does not exist"):
        query_capabilities(str(tmp_path / "video9"))


def test_enumeration_lists_name_driver_bus_and_usb_ids(fake_system: FakeSystem) -> None:
    fake_system.add(FakeCamera(0, "HD Pro Webcam C920", UVC_CAPTURE, ("046d", "082d", "A1B2C3")))
    fake_system.add(FakeCamera(1, "HD Pro Webcam C920", UVC_METADATA, ("046d", "082d", "A1B2C3")))
    fake_system.add(FakeCamera(10, "OBS Virtual Camera", LOOPBACK))
    devices = enumerate_cameras(fake_system.sysfs, fake_system.dev, fake_system.querycap)
    assert [d.index for d in devices] == [0, 1, 10]
    cam, meta, virtual = devices
    assert (cam.name, cam.driver, cam.kernel_driver, cam.bus_info) == (
        "HD Pro Webcam C920", "uvcvideo", "uvcvideo", "usb-0000:00:14.0-2")
    assert cam.usb is not None and (cam.usb.vid_pid, cam.usb.serial, cam.usb.port) == ("046d:082d", "A1B2C3", "1-2")
    assert cam.can_capture and not meta.can_capture
    assert virtual.usb is None and virtual.kernel_driver is None and virtual.driver == "v4l2 loopback"
    assert "046d:082d" in cam.describe() and "no USB parent" in virtual.describe()


def test_no_video4linux_class_means_no_cameras(tmp_path) -> None:
    assert enumerate_cameras(tmp_path, tmp_path) == []


def test_allowed_uvc_camera(fake_system: FakeSystem) -> None:
    decision = check_camera(_one(fake_system, FakeCamera(0, "C920", UVC_CAPTURE, ("046d", "082d", None))), POLICY)
    assert decision.allowed and decision.code is DecisionCode.ALLOWED
    assert decision.facts["usb_id"] == "046d:082d"
    assert decision.to_evidence()["code"] == "CAMERA_ALLOWED"


def test_loopback_is_refused_whatever_its_name(fake_system: FakeSystem) -> None:
    # OBS/DroidCam can call their loopback device anything, including the allowed camera's name.
    device = _one(fake_system, FakeCamera(0, "HD Pro Webcam C920",
                                          QueryCap(**{**LOOPBACK.__dict__, "card": "HD Pro Webcam C920"})))
    decision = check_camera(device, POLICY)
    assert not decision.allowed and decision.code is DecisionCode.VIRTUAL_DRIVER
    assert "virtual camera" in decision.message
    assert decision.to_evidence()["facts"]["bus_info"] == "platform:v4l2loopback-000"  # type: ignore[index]


def test_akvcam_is_refused(fake_system: FakeSystem) -> None:
    decision = check_camera(_one(fake_system, FakeCamera(3, "Virtual Camera", AKVCAM)), POLICY)
    assert decision.code is DecisionCode.VIRTUAL_DRIVER and not decision.allowed


def test_unlisted_model_is_refused_with_the_ids_to_add(fake_system: FakeSystem) -> None:
    device = _one(fake_system, FakeCamera(0, "Other cam", UVC_CAPTURE, ("1bcf", "2284", None)))
    decision = check_camera(device, POLICY)
    assert decision.code is DecisionCode.NOT_ON_ALLOW_LIST
    assert "'1bcf'" in decision.message and "'2284'" in decision.message


def test_empty_allow_list_fails_closed(fake_system: FakeSystem) -> None:
    device = _one(fake_system, FakeCamera(0, "C920", UVC_CAPTURE, ("046d", "082d", None)))
    assert check_camera(device, CameraPolicyConfig()).code is DecisionCode.NOT_ON_ALLOW_LIST


def test_serial_pins_one_unit(fake_system: FakeSystem) -> None:
    pinned = CameraPolicyConfig(allowed=(AllowedCamera(vendor_id="046D", product_id="082D", serial="A1B2C3"),))
    good = _one(fake_system, FakeCamera(0, "C920", UVC_CAPTURE, ("046d", "082d", "A1B2C3")))
    assert check_camera(good, pinned).allowed
    other = FakeSystem(fake_system.sysfs.parent / "other")
    wrong = _one(other, FakeCamera(0, "C920", UVC_CAPTURE, ("046d", "082d", "ZZZ")))
    assert check_camera(wrong, pinned).code is DecisionCode.SERIAL_MISMATCH
    third = FakeSystem(fake_system.sysfs.parent / "third")
    none = _one(third, FakeCamera(0, "C920", UVC_CAPTURE, ("046d", "082d", None)))
    assert check_camera(none, pinned).code is DecisionCode.SERIAL_MISMATCH


def test_metadata_node_is_not_a_capture_node(fake_system: FakeSystem) -> None:
    device = _one(fake_system, FakeCamera(1, "C920", UVC_METADATA, ("046d", "082d", None)))
    assert check_camera(device, POLICY).code is DecisionCode.NOT_CAPTURE


def test_a_virtual_node_claiming_uvc_and_usb_is_refused(fake_system: FakeSystem) -> None:
    # A rogue module can put "uvcvideo" and "usb-..." in QUERYCAP, but it has no USB parent in sysfs.
    device = _one(fake_system, FakeCamera(0, "C920", UVC_CAPTURE))
    decision = check_camera(device, POLICY)
    assert decision.code is DecisionCode.BUS_MISMATCH and not decision.allowed


def test_platform_bus_without_usb_parent_is_not_usb(fake_system: FakeSystem) -> None:
    cap = QueryCap(**{**UVC_CAPTURE.__dict__, "bus_info": "platform:vivid-000"})
    decision = check_camera(_one(fake_system, FakeCamera(0, "cam", cap)), POLICY)
    assert decision.code is DecisionCode.NOT_USB


def test_other_driver_on_usb_is_refused(fake_system: FakeSystem) -> None:
    # A USB capture dongle with its own driver (e.g. an HDMI grabber) is not a webcam.
    cap = QueryCap(**{**UVC_CAPTURE.__dict__, "driver": "em28xx"})
    device = _one(fake_system, FakeCamera(0, "grabber", cap, ("046d", "082d", None), kernel_driver="em28xx"))
    assert check_camera(device, POLICY).code is DecisionCode.DRIVER_NOT_ALLOWED


def test_unreadable_node_is_refused(fake_system: FakeSystem) -> None:
    device = _one(fake_system, FakeCamera(0, "C920", None, ("046d", "082d", None)))
    decision = check_camera(device, POLICY)
    assert decision.code is DecisionCode.UNREADABLE and not decision.allowed


def test_not_enforced_records_the_refusal_but_allows(fake_system: FakeSystem) -> None:
    device = _one(fake_system, FakeCamera(0, "OBS", LOOPBACK))
    decision = check_camera(device, CameraPolicyConfig(allowed=(C920,), enforce=False))
    assert decision.allowed and decision.refused and decision.code is DecisionCode.VIRTUAL_DRIVER


def test_resolve_by_index_path_and_usb_identity(fake_system: FakeSystem) -> None:
    fake_system.add(FakeCamera(0, "C920", UVC_CAPTURE, ("046d", "082d", "S1")))
    fake_system.add(FakeCamera(1, "C920", UVC_METADATA, ("046d", "082d", "S1")))
    devices = enumerate_cameras(fake_system.sysfs, fake_system.dev, fake_system.querycap)
    by_id = fake_system.dev / "v4l" / "by-id"
    by_id.mkdir(parents=True)
    (by_id / "usb-046d_C920_S1-video-index0").symlink_to("../../video0")
    assert resolve_device(1, devices).index == 1
    assert resolve_device(str(by_id / "usb-046d_C920_S1-video-index0"), devices).index == 0
    assert resolve_device("usb:046D:082D", devices).index == 0  # the capture node, not the metadata one
    assert resolve_device("usb:046d:082d:S1", devices).index == 0
    with pytest.raises(CameraNotFoundError, match="not connected"):
        resolve_device("usb:046d:082d:OTHER", devices)
    with pytest.raises(CameraNotFoundError, match=r"cameras present: .*video0.*046d:082d"):
        resolve_device(5, devices)


def test_config_rejects_typos_and_bad_ids() -> None:
    with pytest.raises(ValidationError):
        CameraConfig(fsp=30)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="4 hexadecimal digits"):
        AllowedCamera(vendor_id="46d", product_id="082d")
    with pytest.raises(ValidationError, match="usb:VID:PID"):
        CameraConfig(device="usb:logitech")
    assert AllowedCamera(vendor_id="0x046D", product_id="082D").vendor_id == "046d"
    assert CameraConfig(device="usb:046d:082d:SER").device == "usb:046d:082d:SER"


WIN_C920 = r"\\?\usb#vid_046d&pid_082d&mi_00#7&2b8f5e4&0&0000#{65e8773d-8f56-11d0-a3b9-00a0c9223196}\global"
WIN_C920_SERIAL = r"\\?\USB#VID_046D&PID_082D#A1B2C3#{e5323777-f976-4f5b-9b55-b94699c46e44}\global"


@pytest.mark.parametrize("path, code", [
    (WIN_C920, DecisionCode.ALLOWED),
    (WIN_C920_SERIAL, DecisionCode.ALLOWED),
    (r"\\?\usb#vid_1bcf&pid_2284&mi_00#6&1234&0&0000#{65e8773d-8f56-11d0-a3b9-00a0c9223196}\global",
     DecisionCode.NOT_ON_ALLOW_LIST),
    # OBS Virtual Camera is a DirectShow filter: a software moniker, no USB path.
    (r"@device:sw:{860BB310-5D01-11D0-BD3B-00A0C911CE86}\{A3FCE0F5-3493-419F-958A-ABA1250EC20B}",
     DecisionCode.NOT_USB),
    (r"\\?\root#image#0000#{65e8773d-8f56-11d0-a3b9-00a0c9223196}\global", DecisionCode.NOT_USB),
    (r"\\?\swd#vcamdevapi#{7f3b1e}#{65e8773d-8f56-11d0-a3b9-00a0c9223196}", DecisionCode.NOT_USB),
    ("usb#vid_046d&pid_082d#A1B2C3#{x}", DecisionCode.NOT_USB),  # must start with \\?\usb#
    ("", DecisionCode.NOT_USB),
])
def test_windows_device_path_rule(path: str, code: DecisionCode) -> None:
    decision = check_windows_device_path(path, POLICY)
    assert decision.code is code
    assert decision.allowed is (code is DecisionCode.ALLOWED)


def test_windows_serial_pinning() -> None:
    pinned = CameraPolicyConfig(allowed=(AllowedCamera(vendor_id="046d", product_id="082d", serial="A1B2C3"),))
    assert check_windows_device_path(WIN_C920_SERIAL, pinned).allowed
    # A composite device's interface path carries a generated instance id, not the serial.
    unverifiable = check_windows_device_path(WIN_C920, pinned)
    assert unverifiable.code is DecisionCode.SERIAL_MISMATCH and "cannot be read" in unverifiable.message


def test_survey_gives_each_node_its_decision(fake_system: FakeSystem) -> None:
    from hardware.camera import survey_cameras

    fake_system.add(FakeCamera(0, "C920", UVC_CAPTURE, ("046d", "082d", None)))
    fake_system.add(FakeCamera(1, "C920", UVC_METADATA, ("046d", "082d", None)))
    fake_system.add(FakeCamera(2, "OBS Virtual Camera", LOOPBACK))
    survey = survey_cameras(POLICY, fake_system.sysfs, fake_system.dev, fake_system.querycap)
    assert [(d.index, dec.code) for d, dec in survey] == [
        (0, DecisionCode.ALLOWED), (1, DecisionCode.NOT_CAPTURE), (2, DecisionCode.VIRTUAL_DRIVER)]
