"""The signer contract against the PyNaCl adapter, plus cross-implementation equality."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from tests.contract.signer_contract import MakeSigner, MakeVerifier, SignerContract
from tradecore.adapters.signing import NaclSigner, NaclVerifier
from tradecore.domain.errors import SignatureError


class TestNaclSigner(SignerContract):
    @pytest.fixture
    def make_signer(self) -> MakeSigner:
        return NaclSigner

    @pytest.fixture
    def make_verifier(self) -> MakeVerifier:
        return NaclVerifier

    @given(seed=st.binary(min_size=32, max_size=32), message=st.binary(max_size=512))
    def test_signatures_equal_those_of_the_cryptography_package(
        self, seed: bytes, message: bytes
    ) -> None:
        expected = Ed25519PrivateKey.from_private_bytes(seed).sign(message)
        assert NaclSigner(seed).sign(message) == expected

    def test_a_seed_of_the_wrong_length_is_refused(self) -> None:
        with pytest.raises(SignatureError, match="32-byte"):
            NaclSigner(b"\x01" * 31)
