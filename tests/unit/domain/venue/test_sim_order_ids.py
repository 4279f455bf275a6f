"""Venue ids are persisted: the cached-prefix hashing must give the plain digests."""

import hashlib

import pytest

from tradecore.domain.venue.sim_order import derive_from, derive_id, id_prefix


def _plain(seed: int, *parts: str) -> str:
    """The id as first defined: sha256 of ``"seed|part|..."``, UUID-shaped."""
    d = hashlib.sha256("|".join((str(seed), *parts)).encode()).hexdigest()
    return f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:32]}"


@pytest.mark.parametrize("seed", [0, 1, 42, -7, 2**40])
@pytest.mark.parametrize(
    "parts",
    [
        (),
        ("order",),
        ("order", "0"),
        ("order", "17"),
        ("exec", "0f1e2d3c-aaaa-bbbb-cccc-000011112222", "3"),
        ("leg", "x", "y", "z"),
        ("", ""),
        ("é", "ü|"),
    ],
)
def test_derive_id_equals_the_plain_sha256_of_seed_and_parts(seed, parts):
    assert derive_id(seed, *parts) == _plain(seed, *parts)
    assert derive_id(seed, *parts) == _plain(seed, *parts)  # from the cached prefix


def test_a_bool_seed_is_not_confused_with_an_int_seed():
    # The prefix cache is typed: True and 1 spell differently ("True" vs "1").
    assert derive_id(True, "order", "1") == _plain(True, "order", "1")
    assert derive_id(1, "order", "1") == _plain(1, "order", "1")
    assert derive_id(True, "order", "1") != derive_id(1, "order", "1")


@pytest.mark.parametrize("seed", [0, 42, -7, True])
@pytest.mark.parametrize("kind", ["order", "exec", ""])
@pytest.mark.parametrize("part", ["0", "17", "é|x", ""])
def test_derive_from_a_prefix_is_derive_id(seed, kind, part):
    prefix = id_prefix(seed, kind)
    assert derive_from(prefix, part) == derive_id(seed, kind, part)
    assert derive_from(prefix, part) == _plain(seed, kind, part)  # prefix unchanged
