"""The Signer/Verifier contract, numbered SIG-01 ...: every Ed25519 adapter passes it.

An adapter's test module subclasses :class:`SignerContract` and provides two
fixtures: ``make_signer`` (a factory from a 32-byte private seed to a Signer) and
``make_verifier`` (a factory of Verifiers). The RFC 8032 §7.1 vectors pin the
algorithm down exactly: Ed25519 is deterministic, so a correct implementation must
reproduce each public key and signature byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradecore.domain.errors import SignatureError
from tradecore.ports.signing import Signer, Verifier

MakeSigner = Callable[[bytes], Signer]
MakeVerifier = Callable[[], Verifier]

# (name, secret seed, public key, message, signature) from RFC 8032 section 7.1.
RFC8032_VECTORS = [
    (
        "TEST 1",
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "TEST 2",
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "TEST 3",
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
    (
        "TEST SHA(abc)",
        "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        hashlib.sha512(b"abc").hexdigest(),
        "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
        "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
    ),
]
_VECTOR_IDS = [v[0] for v in RFC8032_VECTORS]
SEED = bytes(range(32))


class SignerContract:
    """The cases; ``make_signer`` and ``make_verifier`` come from the adapter module."""

    @pytest.fixture
    def make_signer(self) -> MakeSigner:
        raise NotImplementedError(
            "provide make_signer in the adapter's contract module"
        )

    @pytest.fixture
    def make_verifier(self) -> MakeVerifier:
        raise NotImplementedError(
            "provide make_verifier in the adapter's contract module"
        )

    @pytest.mark.parametrize(
        ("name", "seed", "public", "message", "signature"),
        RFC8032_VECTORS,
        ids=_VECTOR_IDS,
    )
    def test_sig01_reproduces_the_rfc8032_vectors(
        self,
        make_signer: MakeSigner,
        make_verifier: MakeVerifier,
        name: str,
        seed: str,
        public: str,
        message: str,
        signature: str,
    ) -> None:
        signer = make_signer(bytes.fromhex(seed))
        assert signer.public_key().hex() == public
        assert signer.sign(bytes.fromhex(message)).hex() == signature
        make_verifier().verify(
            bytes.fromhex(message), bytes.fromhex(signature), bytes.fromhex(public)
        )

    @pytest.mark.parametrize(
        ("name", "seed", "public", "message", "signature"),
        RFC8032_VECTORS,
        ids=_VECTOR_IDS,
    )
    def test_sig02_a_flipped_signature_bit_fails(
        self,
        make_verifier: MakeVerifier,
        name: str,
        seed: str,
        public: str,
        message: str,
        signature: str,
    ) -> None:
        bad = bytearray(bytes.fromhex(signature))
        bad[7] ^= 0x01
        with pytest.raises(SignatureError):
            make_verifier().verify(
                bytes.fromhex(message), bytes(bad), bytes.fromhex(public)
            )

    # The fixtures are stateless factories, so sharing them across examples is safe.
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(message=st.binary(max_size=256), index=st.integers(0, 255))
    def test_sig03_a_changed_message_byte_fails(
        self,
        make_signer: MakeSigner,
        make_verifier: MakeVerifier,
        message: bytes,
        index: int,
    ) -> None:
        signer = make_signer(SEED)
        signature = signer.sign(message)
        make_verifier().verify(message, signature, signer.public_key())
        changed = bytearray(message or b"\x00")
        changed[index % len(changed)] ^= 0x5A
        if bytes(changed) == message:
            return
        with pytest.raises(SignatureError):
            make_verifier().verify(bytes(changed), signature, signer.public_key())

    def test_sig04_another_key_does_not_verify(
        self, make_signer: MakeSigner, make_verifier: MakeVerifier
    ) -> None:
        signature = make_signer(SEED).sign(b"manifest")
        other = make_signer(bytes(32)).public_key()
        with pytest.raises(SignatureError):
            make_verifier().verify(b"manifest", signature, other)

    @pytest.mark.parametrize(
        ("signature", "public_key"),
        [(b"short", bytes(32)), (bytes(64), b"short"), (b"", b"")],
    )
    def test_sig05_malformed_input_is_a_signature_error(
        self, make_verifier: MakeVerifier, signature: bytes, public_key: bytes
    ) -> None:
        with pytest.raises(SignatureError):
            make_verifier().verify(b"m", signature, public_key)

    def test_sig06_signing_is_deterministic(self, make_signer: MakeSigner) -> None:
        assert make_signer(SEED).sign(b"m") == make_signer(SEED).sign(b"m")

    def test_sig07_the_private_key_is_not_in_repr(
        self, make_signer: MakeSigner
    ) -> None:
        signer = make_signer(SEED)
        assert SEED.hex() not in repr(signer)
        assert SEED.hex() not in str(signer)
