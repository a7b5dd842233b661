"""``kiosk-install --dry-run`` lists every step and changes nothing; ``--prefix`` writes only the files."""
from __future__ import annotations

import hashlib
import shlex
from pathlib import Path
from types import ModuleType

from installer_runner import drop_privileges, run_installer


def test_dry_run_lists_every_step_and_changes_nothing(installer: ModuleType) -> None:
    steps = installer.plan(None, "k-1")
    files = [Path(s.path) for s in steps if isinstance(s, installer.WriteFile)]
    absent = [f for f in files if not f.exists()]
    # Aimed at the real /. Unprivileged where possible, so a write to /etc or a command would fail;
    # as root otherwise, and then the files it would write must still be absent afterwards.
    result = run_installer("--dry-run", "--kiosk-id", "k-1", as_root=drop_privileges() is None)
    assert result.returncode == 0, result.stderr
    assert [f for f in absent if f.exists()] == []
    out = result.stdout
    assert f"kiosk-install: {len(steps)} steps (dry run" in out
    for index, step in enumerate(steps, 1):
        assert f"[{index:2d}/{len(steps)}] {step.why}" in out
        if isinstance(step, installer.Command):
            assert shlex.join(step.argv) in out
        else:
            digest = hashlib.sha256(step.content.encode()).hexdigest()
            assert f"write {step.path}" in out and digest in out
            for row in step.content.splitlines():
                assert f"        | {row}" in out


def test_dry_run_covers_the_whole_installation(installer: ModuleType) -> None:
    steps = installer.plan(Path("/srv/models.tar"), "k-1")
    commands = [shlex.join(s.argv) for s in steps if isinstance(s, installer.Command)]
    files = {str(s.path) for s in steps if isinstance(s, installer.WriteFile)}
    text = "\n".join(commands)
    for needle in ("apt-get install", "pcscd", "libccid", "cage", "useradd --system", "/usr/sbin/nologin",
                   "-m venv", "/srv/models.tar /var/lib/idkiosk/models-bundle.tar",
                   "kiosk models import /var/lib/idkiosk/models-bundle.tar", "kiosk models verify",
                   "udevadm control --reload-rules", "systemctl enable idkiosk.service"):
        assert needle in text, needle
    assert "npm" not in text.split("apt-get install", 1)[1].split("\n", 1)[0]  # a bundle needs no npm
    assert {"/etc/udev/rules.d/70-idkiosk-readers.rules", "/etc/modprobe.d/idkiosk-nfcpy.conf",
            "/etc/systemd/system/idkiosk.service", "/etc/pam.d/idkiosk", "/etc/idkiosk/kiosk.toml"} <= files
    pulled = "\n".join(shlex.join(s.argv) for s in installer.plan(None, "k-1") if isinstance(s, installer.Command))
    assert "kiosk models pull" in pulled and " npm" in pulled


def test_dry_run_with_prefix_writes_nothing(tmp_path: Path) -> None:
    # As root (when the tests are root): only the installer's own restraint keeps the prefix empty.
    result = run_installer("--dry-run", "--prefix", str(tmp_path), as_root=True)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []
    assert f"write {tmp_path}/etc/systemd/system/idkiosk.service" in result.stdout


def test_prefix_writes_exactly_the_listed_files(installer: ModuleType, generated: Path) -> None:
    expected = {str(f.path): f for f in installer.generated_files("branch-1-kiosk-2")}
    written = {"/" + str(p.relative_to(generated)) for p in generated.rglob("*") if p.is_file()}
    assert written == set(expected)
    for path, step in expected.items():
        target = generated / path.lstrip("/")
        assert target.read_text() == step.content
        assert target.stat().st_mode & 0o777 == step.mode
    assert 'kiosk_id = "branch-1-kiosk-2"' in (generated / "etc/idkiosk/kiosk.toml").read_text()


def test_an_existing_kiosk_config_is_kept(tmp_path: Path) -> None:
    config = tmp_path / "etc/idkiosk/kiosk.toml"
    config.parent.mkdir(parents=True)
    config.write_text('kiosk_id = "configured-by-the-site"\n')
    result = run_installer("--prefix", str(tmp_path), as_root=True)
    assert result.returncode == 0, result.stderr
    assert config.read_text() == 'kiosk_id = "configured-by-the-site"\n'
    assert (tmp_path / "etc/systemd/system/idkiosk.service").is_file()


def test_a_real_install_needs_root() -> None:
    result = run_installer()
    assert result.returncode == 1
    assert "run as root" in result.stderr
    assert "steps (" not in result.stdout  # refused before the first step


def test_a_missing_model_bundle_is_named(tmp_path: Path) -> None:
    result = run_installer("--dry-run", "--models-bundle", str(tmp_path / "absent.tar"), as_root=True)
    assert result.returncode == 1
    assert "absent.tar not found" in result.stderr and "kiosk models export" in result.stderr


def test_an_unreadable_model_bundle_is_a_clear_error(tmp_path: Path) -> None:
    # Unprivileged, a root-owned temp folder cannot be entered: a typed error, not a traceback.
    result = run_installer("--dry-run", "--models-bundle", str(tmp_path / "models.tar"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("kiosk-install: model bundle") and "models.tar" in result.stderr
