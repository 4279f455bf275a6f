"""tests/seed_matrix.py: one default case, or the matrix the environment asks for."""

from __future__ import annotations

import pytest

from tests import seed_matrix
from tests.seed_matrix import SeedMatrixError


def test_without_the_variables_each_test_keeps_its_own_case() -> None:
    assert seed_matrix.seeds(9, environ={}) == [9]
    assert seed_matrix.symbol_sets(("AAA", "BBB"), environ={}) == [("AAA", "BBB")]
    assert seed_matrix.hash_seeds(("0", "4242"), environ={}) == ("0", "4242")


def test_the_variables_give_the_matrix() -> None:
    env = {
        seed_matrix.SEEDS_ENV: "7, 11,2024",
        seed_matrix.SYMBOL_SETS_ENV: "AAA,BBB; SPY,QQQ,IWM",
        seed_matrix.HASH_SEEDS_ENV: "0,1,4242",
    }
    assert seed_matrix.seeds(9, environ=env) == [7, 11, 2024]
    assert seed_matrix.symbol_sets(("X",), environ=env) == [
        ("AAA", "BBB"),
        ("SPY", "QQQ", "IWM"),
    ]
    assert seed_matrix.hash_seeds(("0",), environ=env) == ("0", "1", "4242")
    assert seed_matrix.case_id(7, ("SPY", "QQQ")) == "seed7-SPY+QQQ"


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        (seed_matrix.SEEDS_ENV, "7,x", "not comma-separated integers"),
        (seed_matrix.SEEDS_ENV, "7,,9", "an empty item"),
        (seed_matrix.SEEDS_ENV, "-1", "seeds are >= 0"),
        (seed_matrix.SYMBOL_SETS_ENV, "AAA,bbb", "upper-case tickers"),
        (seed_matrix.SYMBOL_SETS_ENV, "AAA,AAA", "each once per set"),
        (seed_matrix.SYMBOL_SETS_ENV, "AAA;", "an empty item"),
        (seed_matrix.HASH_SEEDS_ENV, "5", "at least two distinct values"),
        (seed_matrix.HASH_SEEDS_ENV, "5,5", "at least two distinct values"),
        (seed_matrix.HASH_SEEDS_ENV, "0,4294967296", "at least two distinct values"),
    ],
)
def test_a_malformed_variable_names_itself(name: str, value: str, problem: str) -> None:
    readers = {
        seed_matrix.SEEDS_ENV: lambda env: seed_matrix.seeds(1, environ=env),
        seed_matrix.SYMBOL_SETS_ENV: lambda env: seed_matrix.symbol_sets(
            ("A",), environ=env
        ),
        seed_matrix.HASH_SEEDS_ENV: lambda env: seed_matrix.hash_seeds(
            ("0",), environ=env
        ),
    }
    with pytest.raises(SeedMatrixError, match=problem) as info:
        readers[name]({name: value})
    assert str(info.value).startswith(f"{name}=")
