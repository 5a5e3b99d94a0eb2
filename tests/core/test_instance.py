"""Settings write nothing; `lienthong init` (and demo, migrate) make the embedded
instance's directory and keys; no library warning reaches the terminal."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from lienthong.core import instance

REPO = Path(__file__).resolve().parents[2]


def _clean_env(var: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "PYTHONWARNINGS"}
        and not k.startswith("OIDC_")
    }
    return {**env, "LIENTHONG_VAR_DIR": str(var), **extra}


def test_importing_the_settings_writes_nothing_and_makes_no_key(tmp_path):
    var = tmp_path / "var"
    code = (
        "import lienthong.settings as s; "
        "print(repr(s.SECRET_KEY), len(s.OAUTH2_PROVIDER['OIDC_RSA_PRIVATE_KEY']), "
        "s.INSTANCE_FILES_MISSING)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=_clean_env(var),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["''", "0", "['secret_key',", "'oidc_provider_key.pem']"]
    assert not var.exists()
    assert list(tmp_path.iterdir()) == []


def test_serving_an_instance_never_initialised_is_refused_naming_lienthong_init(
    run_lienthong, tmp_path
):
    for command in ("serve", "worker"):
        result = run_lienthong(command, env=_clean_env(tmp_path / "var"))
        assert result.returncode != 0
        assert "run `lienthong init`" in result.stderr
        assert "Traceback" not in result.stderr
    checked = run_lienthong("check", env=_clean_env(tmp_path / "var"))
    assert checked.returncode == 0  # a warning: making migrations needs no key
    assert "lienthong.W005" in checked.stderr
    assert not (tmp_path / "var").exists()


def test_init_makes_the_directory_and_private_keys_once(run_lienthong, tmp_path):
    var = tmp_path / "var"
    first = run_lienthong("init", env=_clean_env(var))
    assert first.returncode == 0, first.stderr
    assert "secret_key" in first.stdout
    key, pem = var / "secret_key", var / "oidc_provider_key.pem"
    for f in (key, pem):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert len(key.read_text()) >= 50
    assert pem.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    before = (key.read_text(), pem.read_text())
    again = run_lienthong("init", env=_clean_env(var))
    assert again.returncode == 0
    assert "không có gì phải tạo" in again.stdout
    assert (key.read_text(), pem.read_text()) == before  # sessions and tokens stay valid
    assert sorted(p.name for p in var.iterdir()) == ["oidc_provider_key.pem", "secret_key"]
    checked = run_lienthong("check", env=_clean_env(var))
    assert checked.returncode == 0, checked.stderr
    assert "W005" not in checked.stderr


def test_migrate_initialises_a_fresh_instance_first(run_lienthong, tmp_path):
    var = tmp_path / "var"
    result = run_lienthong("migrate", "-v0", env=_clean_env(var), timeout=180)
    assert result.returncode == 0, result.stderr
    assert (var / "secret_key").exists()
    assert (var / "lienthong.sqlite3").exists()


def test_keys_given_in_the_environment_are_not_written(tmp_path):
    var = tmp_path / "var"
    made = instance.initialise(
        {"LIENTHONG_VAR_DIR": str(var), "SECRET_KEY": "x" * 50, "OIDC_PROVIDER_PRIVATE_KEY": "p"}
    )
    assert made == [var]
    assert list(var.iterdir()) == []


def test_a_production_instance_gets_no_generated_key(tmp_path):
    var = tmp_path / "var"
    instance.initialise({"LIENTHONG_VAR_DIR": str(var), "LIENTHONG_ENV": "production"})
    assert list(var.iterdir()) == []


def test_an_empty_key_file_left_by_a_killed_process_is_replaced(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    (var / "secret_key").write_text("")
    made = instance.initialise({"LIENTHONG_VAR_DIR": str(var), "OIDC_PROVIDER_PRIVATE_KEY": "p"})
    assert made == [var / "secret_key"]
    assert len((var / "secret_key").read_text()) >= 50
    assert [p.name for p in var.iterdir()] == ["secret_key"]


def test_a_key_written_by_another_process_first_is_kept(tmp_path, monkeypatch):
    """Two processes starting at once: the second keeps the first one's key, and no
    temporary file is left behind."""
    var = tmp_path / "var"
    var.mkdir()
    real_link = os.link

    def racing_link(src: str | Path, dst: str | Path) -> None:
        Path(dst).write_text("first")  # another process won the race
        real_link(src, dst)

    monkeypatch.setattr(os, "link", racing_link)
    instance.initialise({"LIENTHONG_VAR_DIR": str(var), "OIDC_PROVIDER_PRIVATE_KEY": "p"})
    assert (var / "secret_key").read_text() == "first"
    assert [p.name for p in var.iterdir()] == ["secret_key"]


def test_lienthong_help_prints_no_warning(run_lienthong):
    result = run_lienthong("--help", env={"PYTHONWARNINGS": ""})
    assert result.returncode == 0
    assert result.stderr == ""
    assert "Warning" not in result.stdout


def test_the_web_entry_point_reads_no_environment():
    for entry in ("wsgi.py", "asgi.py"):
        source = (REPO / "src" / "lienthong" / entry).read_text()
        for reading in ("os.environ.get", "os.environ[", "getenv", "environ.Env"):
            assert reading not in source
