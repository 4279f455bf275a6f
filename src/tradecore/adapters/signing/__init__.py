"""Ed25519 signing (PyNaCl), key files, the development key and manifest files."""

from typing import TYPE_CHECKING

from tradecore.domain.lazy import lazy_attributes

if TYPE_CHECKING:
    from tradecore.adapters.signing.dev_key import (
        default_dev_key_dir,
        dev_public_key,
        dev_signer,
    )
    from tradecore.adapters.signing.ed25519 import (
        PRIVATE_KEY_NAME,
        PUBLIC_KEY_NAME,
        KeyFiles,
        NaclSigner,
        NaclVerifier,
        generate_key_files,
        load_public_key,
        load_signer,
        parse_public_key,
    )
    from tradecore.adapters.signing.manifest_file import (
        parse_signed_manifest,
        read_signed_manifest,
        write_signed_manifest,
    )

#: Where each name comes from: imported on first use (see tradecore.domain.lazy).
_ORIGINS: dict[str, tuple[str, ...]] = {
    "tradecore.adapters.signing.dev_key": (
        "default_dev_key_dir",
        "dev_public_key",
        "dev_signer",
    ),
    "tradecore.adapters.signing.ed25519": (
        "PRIVATE_KEY_NAME",
        "PUBLIC_KEY_NAME",
        "KeyFiles",
        "NaclSigner",
        "NaclVerifier",
        "generate_key_files",
        "load_public_key",
        "load_signer",
        "parse_public_key",
    ),
    "tradecore.adapters.signing.manifest_file": (
        "parse_signed_manifest",
        "read_signed_manifest",
        "write_signed_manifest",
    ),
}
__getattr__, __dir__ = lazy_attributes(__name__, _ORIGINS)

__all__ = [
    "PRIVATE_KEY_NAME",
    "PUBLIC_KEY_NAME",
    "KeyFiles",
    "NaclSigner",
    "NaclVerifier",
    "default_dev_key_dir",
    "dev_public_key",
    "dev_signer",
    "generate_key_files",
    "load_public_key",
    "load_signer",
    "parse_public_key",
    "parse_signed_manifest",
    "read_signed_manifest",
    "write_signed_manifest",
]
