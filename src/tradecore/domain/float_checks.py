"""Validators and checks for the float parameters of the cost and sizing models.

Sizing and cost maths are float64 analytics, so their parameters need range checks
that :mod:`tradecore.domain.validation` (Decimal-oriented) does not have. Each raises
:class:`InvalidInput` naming the field and the value, like every other edge check.
"""

from __future__ import annotations

import math
from typing import Any

import attrs

from tradecore.domain.errors import InvalidInput


def require_finite(field: str, value: object) -> float:
    """Return ``value`` as a float if it is a finite real number.

    Raises:
        InvalidInput: ``value`` is not a number (bools are refused) or is NaN/inf.
    """
    if isinstance(value, bool) or not isinstance(value, float | int):
        raise InvalidInput(field, value, "expected a number")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidInput(field, value, "must be finite")
    return number


def require_positive(field: str, value: object) -> float:
    """Return ``value`` as a float if it is finite and > 0.

    Raises:
        InvalidInput: ``value`` is not a finite number above zero.
    """
    number = require_finite(field, value)
    if number <= 0:
        raise InvalidInput(field, value, "must be > 0")
    return number


def require_non_negative(field: str, value: object) -> float:
    """Return ``value`` as a float if it is finite and >= 0.

    Raises:
        InvalidInput: ``value`` is not a finite number at or above zero.
    """
    number = require_finite(field, value)
    if number < 0:
        raise InvalidInput(field, value, "must be >= 0")
    return number


def require_between(
    field: str, value: object, low: float, high: float, *, open_low: bool = False
) -> float:
    """Return ``value`` as a float if it lies in ``[low, high]`` (``(low, high]``).

    Raises:
        InvalidInput: ``value`` is not a finite number in the interval.
    """
    number = require_finite(field, value)
    below = number <= low if open_low else number < low
    if below or number > high:
        bracket = "(" if open_low else "["
        raise InvalidInput(field, value, f"must be within {bracket}{low}, {high}]")
    return number


def positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: a finite float > 0."""
    require_positive(attribute.name, value)


def non_negative(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    """attrs validator: a finite float >= 0."""
    require_non_negative(attribute.name, value)


def finite(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: a finite float."""
    require_finite(attribute.name, value)


def unit_interval(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    """attrs validator: a finite float in ``[0, 1]``."""
    require_between(attribute.name, value, 0.0, 1.0)


def open_unit_interval(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    """attrs validator: a finite float strictly between 0 and 1."""
    number = require_finite(attribute.name, value)
    if not 0.0 < number < 1.0:
        raise InvalidInput(attribute.name, value, "must be within (0, 1)")


def fraction(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: a finite float in ``(0, 1]`` (a share of something)."""
    require_between(attribute.name, value, 0.0, 1.0, open_low=True)
