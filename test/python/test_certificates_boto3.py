"""boto3 round trips of server certificates, signing certificates and SSH public keys (certificates and
keys made here with cryptography)."""
import base64
import datetime
import hashlib
import secrets

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID


def make_cert(cn, days_from=-1, days_to=30):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + datetime.timedelta(days=days_from))
        .not_valid_after(now + datetime.timedelta(days=days_to))
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    return cert, cert_pem, key_pem


def ssh_rsa_public_key(bits=2048):
    # A public key is only parsed: a random odd modulus of the right length is a distinct key, made at no cost.
    n = int.from_bytes(secrets.token_bytes(bits // 8), "big") | (1 << (bits - 1)) | 1
    return rsa.RSAPublicNumbers(65537, n).public_key()


def error_of(call):
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_server_certificate_round_trip(root_iam):
    cert, cert_pem, key_pem = make_cert("py.example.com")
    up = root_iam.upload_server_certificate(
        ServerCertificateName="py-cert", Path="/py/", CertificateBody=cert_pem, PrivateKey=key_pem, Tags=[{"Key": "env", "Value": "test"}]
    )
    meta = up["ServerCertificateMetadata"]
    assert meta["Arn"].endswith(":server-certificate/py/py-cert")
    assert meta["ServerCertificateId"].startswith("ASCA")
    assert meta["Expiration"] == cert.not_valid_after_utc.replace(microsecond=0)
    assert up["Tags"] == [{"Key": "env", "Value": "test"}]

    got = root_iam.get_server_certificate(ServerCertificateName="py-cert")["ServerCertificate"]
    assert got["CertificateBody"] == cert_pem
    assert "PrivateKey" not in got and key_pem.splitlines()[1] not in str(got)
    listed = root_iam.list_server_certificates(PathPrefix="/py/")["ServerCertificateMetadataList"]
    assert [m["ServerCertificateName"] for m in listed] == ["py-cert"]

    root_iam.update_server_certificate(ServerCertificateName="py-cert", NewServerCertificateName="py-cert-2")
    root_iam.untag_server_certificate(ServerCertificateName="py-cert-2", TagKeys=["env"])
    assert root_iam.list_server_certificate_tags(ServerCertificateName="py-cert-2")["Tags"] == []
    assert error_of(lambda: root_iam.get_server_certificate(ServerCertificateName="py-cert")) == (
        "NoSuchEntity",
        "The Server Certificate with name py-cert cannot be found.",
        404,
    )

    _, other_pem, other_key = make_cert("other.example.com")
    code, _, status = error_of(lambda: root_iam.upload_server_certificate(ServerCertificateName="py-bad", CertificateBody=cert_pem, PrivateKey=other_key))
    assert (code, status) == ("KeyPairMismatch", 400)
    assert error_of(lambda: root_iam.upload_server_certificate(ServerCertificateName="py-bad", CertificateBody="nope", PrivateKey=key_pem)) == (
        "MalformedCertificate",
        "Unable to parse certificate. Please ensure the certificate is in PEM format.",
        400,
    )
    _, old_pem, old_key = make_cert("old.example.com", days_from=-10, days_to=-1)
    code, message, _ = error_of(lambda: root_iam.upload_server_certificate(ServerCertificateName="py-bad", CertificateBody=old_pem, PrivateKey=old_key))
    assert code == "MalformedCertificate" and "'Not After'" in message

    root_iam.delete_server_certificate(ServerCertificateName="py-cert-2")
    assert root_iam.list_server_certificates(PathPrefix="/py/")["ServerCertificateMetadataList"] == []


def test_signing_certificates_and_ssh_keys(root_iam):
    root_iam.create_user(UserName="py-cert-user")
    _, cert_pem, _ = make_cert("py-signing")
    cert = root_iam.upload_signing_certificate(UserName="py-cert-user", CertificateBody=cert_pem)["Certificate"]
    assert cert["Status"] == "Active" and len(cert["CertificateId"]) == 32
    root_iam.update_signing_certificate(UserName="py-cert-user", CertificateId=cert["CertificateId"], Status="Inactive")
    listed = root_iam.list_signing_certificates(UserName="py-cert-user")["Certificates"]
    assert [(c["CertificateId"], c["Status"]) for c in listed] == [(cert["CertificateId"], "Inactive")]
    code, _, status = error_of(lambda: root_iam.upload_signing_certificate(UserName="py-cert-user", CertificateBody=cert_pem))
    assert (code, status) == ("DuplicateCertificate", 409)
    root_iam.delete_signing_certificate(UserName="py-cert-user", CertificateId=cert["CertificateId"])

    public_key = ssh_rsa_public_key()
    line = public_key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    blob = base64.b64decode(line.split()[1])
    key = root_iam.upload_ssh_public_key(UserName="py-cert-user", SSHPublicKeyBody=line + " py@test")["SSHPublicKey"]
    assert key["Fingerprint"] == ":".join(f"{b:02x}" for b in hashlib.md5(blob).digest())
    assert key["SSHPublicKeyBody"] == line
    pem = root_iam.get_ssh_public_key(UserName="py-cert-user", SSHPublicKeyId=key["SSHPublicKeyId"], Encoding="PEM")["SSHPublicKey"]["SSHPublicKeyBody"]
    assert serialization.load_pem_public_key(pem.encode()).public_numbers() == public_key.public_numbers()
    code, _, status = error_of(lambda: root_iam.upload_ssh_public_key(UserName="py-cert-user", SSHPublicKeyBody=line))
    assert (code, status) == ("DuplicateSSHPublicKey", 400)
    code, _, _ = error_of(lambda: root_iam.upload_ssh_public_key(UserName="py-cert-user", SSHPublicKeyBody="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKzvfE+qS09w+okgrO0gY7jryF0lSCxdEO/O0UaUhuZe"))
    assert code == "UnrecognizedPublicKeyEncoding"
    root_iam.update_ssh_public_key(UserName="py-cert-user", SSHPublicKeyId=key["SSHPublicKeyId"], Status="Inactive")
    assert [k["Status"] for k in root_iam.list_ssh_public_keys(UserName="py-cert-user")["SSHPublicKeys"]] == ["Inactive"]
    root_iam.delete_ssh_public_key(UserName="py-cert-user", SSHPublicKeyId=key["SSHPublicKeyId"])
    assert root_iam.list_ssh_public_keys(UserName="py-cert-user")["SSHPublicKeys"] == []
    root_iam.delete_user(UserName="py-cert-user")
