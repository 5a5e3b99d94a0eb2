"""Agency signing keys and PAdES signatures (pyHanko).

Production points ``SIGNING_PKI_DIR`` at a directory holding, per agency,
``<agency code>.key.pem`` and ``<agency code>.cert.pem`` issued by a trusted CA,
and ``ca.cert.pem``. The embedded instance (``make demo``, tests) creates a
development CA "LiênThông — CA thử nghiệm" and issues agency certificates from it
on first use, under ``$LIENTHONG_VAR_DIR/pki``.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

_lock = threading.Lock()


def pki_dir() -> Path:
    path = Path(settings.SIGNING_PKI_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _name(common: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def ensure_ca() -> tuple[Path, Path]:
    """The development CA (created once); refused when a production PKI is configured."""
    base = pki_dir()
    key_path, cert_path = base / "ca.key.pem", base / "ca.cert.pem"
    if cert_path.exists():
        return key_path, cert_path
    if settings.PRODUCTION:
        raise RuntimeError(f"no CA certificate in {base}; install the agency certificates")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    name = _name("LiênThông — CA thử nghiệm", "LiênThông (môi trường thử nghiệm)")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_key(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def ensure_agency_certificate(code: str, name: str) -> tuple[Path, Path]:
    """The agency's signing key and certificate (issued by the development CA if missing)."""
    base = pki_dir()
    key_path, cert_path = base / f"{code}.key.pem", base / f"{code}.cert.pem"
    if cert_path.exists():
        return key_path, cert_path
    with _lock:
        if cert_path.exists():
            return key_path, cert_path
        ca_key_path, ca_cert_path = ensure_ca()
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name[:64], code))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=825))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]  # the CA is RSA
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]  # an RSA key, loaded untyped
        )
        _write_key(key_path, key)
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def sign_pdf(pdf: bytes, *, agency_code: str, agency_name: str, reason: str) -> bytes:
    """``pdf`` with a PAdES-B-B signature of the agency, in a visible-less signature field."""
    key_path, cert_path = ensure_agency_certificate(agency_code, agency_name)
    _ca_key, ca_cert = ensure_ca() if not settings.PRODUCTION else (None, pki_dir() / "ca.cert.pem")
    # pyHanko leaves SimpleSigner.load and load_cert_from_pemder unannotated.
    signer = signers.SimpleSigner.load(  # type: ignore[no-untyped-call]
        key_file=str(key_path), cert_file=str(cert_path), ca_chain_files=(str(ca_cert),)
    )
    if signer is None:  # pragma: no cover - pyHanko returns None only for unreadable files
        raise RuntimeError(f"cannot load the signing key of {agency_code}")
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name="ChuKyCoQuan",
        reason=reason,
        location="Việt Nam",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    out = io.BytesIO()
    signers.PdfSigner(meta, signer=signer).sign_pdf(writer, output=out)
    return out.getvalue()


def trust_root() -> x509.Certificate:
    return x509.load_pem_x509_certificate((pki_dir() / "ca.cert.pem").read_bytes())


def trust_root_asn1() -> object:
    return load_cert_from_pemder(str(pki_dir() / "ca.cert.pem"))  # type: ignore[no-untyped-call]
