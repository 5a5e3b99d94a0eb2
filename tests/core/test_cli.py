"""Bad configuration stops the command with one clear line, not a traceback."""

from __future__ import annotations

from lienthong.core import instance


def test_production_without_secret_key_stops_with_one_line(run_lienthong):
    result = run_lienthong("check", env={"LIENTHONG_ENV": "production"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "lienthong: cấu hình sai: SECRET_KEY must be set when LIENTHONG_ENV=production"
    ]


def test_an_unreachable_database_stops_with_one_line(run_lienthong):
    result = run_lienthong(
        "migrate", env={"DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere"}
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("lienthong: không kết nối được cơ sở dữ liệu:")


def _rsa_pem() -> str:
    return instance.rsa_private_key_pem().decode()


def test_production_on_sqlite_is_rejected_by_the_system_checks(run_lienthong):
    result = run_lienthong(
        "check",
        env={
            "LIENTHONG_ENV": "production",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "a.gov.vn",
            "OIDC_PROVIDER_PRIVATE_KEY": _rsa_pem(),
        },
    )
    assert result.returncode != 0
    assert "lienthong.E003" in result.stderr
    assert "lienthong.E004" in result.stderr  # no identity issuer configured
    assert "Traceback" not in result.stderr


def test_production_without_a_token_signing_key_stops_with_one_line(run_lienthong):
    result = run_lienthong(
        "check",
        env={"LIENTHONG_ENV": "production", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "a.gov.vn"},
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "lienthong: cấu hình sai: OIDC_PROVIDER_PRIVATE_KEY or OIDC_PROVIDER_PRIVATE_KEY_FILE "
        "must be set when LIENTHONG_ENV=production"
    )


def test_an_issuer_url_without_client_credentials_stops_with_one_line(run_lienthong):
    result = run_lienthong("check", env={"OIDC_ISSUER_URL": "https://vneid.example"})
    assert result.returncode == 2
    assert "OIDC_ISSUER_URL needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET" in result.stderr
    assert "Traceback" not in result.stderr


def test_hyphenated_subcommands_are_listed(run_lienthong):
    result = run_lienthong("help", "load-reference-data")
    assert result.returncode == 0
    assert "dữ liệu danh mục" in result.stdout
