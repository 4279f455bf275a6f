"""The data a run replayed, as a spec that loads it again (leakage check, promotion).

``tradecore-replay run`` writes its data options to ``OUT/data_spec.json`` (not part
of the config hash: where the data lives is not what it is; the manifest's data
fingerprint says what it is). ``promote`` reloads the data from it, or from data
options given again, and refuses data whose fingerprint is not the manifest's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import attrs

from tradecore.adapters.data import BarFileOptions, load_bars, parse_column_map
from tradecore.adapters.data.bar_files import gate_frames
from tradecore.adapters.data.corporate_actions_file import (
    CORPORATE_ACTIONS_FILE,
    read_corporate_actions,
)
from tradecore.apps.replay.quality_options import quality_rules
from tradecore.apps.replay.venue import replay_calendar
from tradecore.apps.wiring.calendars import calendars_between
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.corporate_actions import CorporateAction

DATA_SPEC_FILE = "data_spec.json"
#: What ``promote`` writes into a run folder (a new run of the folder removes them).
PROMOTION_FILE = "promotion.json"
PROMOTION_FOLDER = "promotion"


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)


@attrs.frozen(kw_only=True)
class DataSpec:
    """``run``'s data options (exactly one of ``demo``, ``data``, ``lake``)."""

    demo: bool = False
    #: Folders: a ``Path`` from an option is kept as its text (JSON-ready).
    data: str | None = attrs.field(default=None, converter=_optional_text)
    lake: str | None = attrs.field(default=None, converter=_optional_text)
    symbols: str | None = None
    universe: str | None = None
    start: str | None = None
    end: str | None = None
    timeframe: str = "1Min"
    feed: str | None = None
    lake_adjustment: str | None = None
    columns: str = ""
    shape: str = "auto"
    tz: str | None = None
    no_quality: bool = False
    quality_rule: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    quality_exempt: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    corporate_actions: str | None = None
    calendar: str = "XNYS"

    def __attrs_post_init__(self) -> None:
        given = [self.demo, self.data is not None, self.lake is not None]
        if given.count(True) != 1:
            raise ConfigurationError(
                "give exactly one of --data DIR, --lake DIR or --demo"
            )

    def to_dict(self) -> dict[str, object]:
        """JSON primitives (``data_spec.json``)."""
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, object], where: str) -> DataSpec:
        """Read a spec back.

        Raises:
            ConfigurationError: unknown keys or wrong types (names ``where``).
        """
        known = {f.name for f in attrs.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigurationError(f"{where}: unknown keys {unknown}")
        try:
            return cls(**values)  # type: ignore[arg-type]
        except TypeError as e:
            raise ConfigurationError(f"{where}: {e}") from None

    def write(self, folder: Path) -> None:
        """Write ``folder/data_spec.json``."""
        text = json.dumps(self.to_dict(), sort_keys=True, indent=2)
        (folder / DATA_SPEC_FILE).write_text(text + "\n")

    @classmethod
    def read(cls, folder: Path) -> DataSpec:
        """Read ``folder/data_spec.json``.

        Raises:
            ConfigurationError: missing or malformed.
        """
        path = folder / DATA_SPEC_FILE
        try:
            values = json.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigurationError(
                f"{path} not found: give the run's data options (--data, --lake or "
                "--demo) again"
            ) from None
        except ValueError as e:
            raise ConfigurationError(f"{path} is not valid JSON: {e}") from None
        if not isinstance(values, dict):
            raise ConfigurationError(f"{path}: expected a JSON object")
        return cls.from_dict(values, str(path))


@attrs.frozen(kw_only=True)
class LoadedData:
    """The bars, the market calendar they trade on, and their corporate actions."""

    frames: Sequence[BarFrame]
    calendar: MarketCalendar
    corporate_actions: Sequence[CorporateAction] = ()


def load_data(spec: DataSpec) -> LoadedData:
    """Load the bars the spec names, through the data-quality gate ``run`` uses.

    Raises:
        ConfigurationError, BarFileError: as ``run`` with the same options.
    """
    if spec.demo:
        # Imported here: the demo's module generates bars, which only --demo needs.
        from tradecore.apps.replay.demo_data import demo_calendar, demo_frames

        return LoadedData(frames=demo_frames(), calendar=demo_calendar())
    quality = (
        None
        if spec.no_quality
        else quality_rules(list(spec.quality_rule), list(spec.quality_exempt))
    )
    frames: list[BarFrame]
    actions = _actions(spec)
    if spec.lake is not None:
        # Imported here: the lake's modules serve a lake's data only.
        from tradecore.apps.replay.data import lake_selection

        selection = lake_selection(
            Path(spec.lake),
            spec.symbols,
            spec.start,
            spec.end,
            spec.timeframe,
            spec.feed,
            spec.lake_adjustment,
            spec.universe,
        )
        frames = selection.load()
        if spec.corporate_actions is None and all(
            key.adjustment == "raw" for key in selection.keys
        ):  # as run: raw bars get the lake's actions, adjusted ones carry them
            actions = list(selection.corporate_actions())
        if quality is not None:
            frames = gate_frames(frames, quality, source="lake").frames
    else:
        assert spec.data is not None
        options = BarFileOptions(
            columns=dict(parse_column_map(spec.columns)),
            tz=spec.tz,
            sessions=lambda first, last: (
                calendars_between(spec.calendar, first, last).regular
            ),
            quality=quality,
            shape=spec.shape,
        )
        frames = load_bars(Path(spec.data), options).frames
    return LoadedData(
        frames=frames,
        calendar=replay_calendar(spec.calendar, frames),
        corporate_actions=actions,
    )


def _actions(spec: DataSpec) -> list[CorporateAction]:
    if spec.corporate_actions is not None:
        return read_corporate_actions(spec.corporate_actions)
    if spec.data is not None:
        beside = Path(spec.data) / CORPORATE_ACTIONS_FILE
        if beside.is_file():
            return read_corporate_actions(beside)
    return []
