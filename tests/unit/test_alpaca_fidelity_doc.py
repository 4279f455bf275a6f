"""docs/ALPACA-FIDELITY.md names every broker rule and only contract cases that exist.

A rule added to ``tradecore.domain.broker_rules`` or to the adapter's known answers
without a row on the page fails here, as does a page citing a case id no test has.
"""

from __future__ import annotations

import re
from pathlib import Path

from tradecore.adapters.alpaca.rule_answers import KNOWN_ANSWERS

REPO = Path(__file__).resolve().parents[2]
PAGE = (REPO / "docs" / "ALPACA-FIDELITY.md").read_text()
_RULE_NAME = re.compile(r'rule="([a-z_]+)"|"([a-z]+_[a-z_]+)"')


def _rules_in_code() -> set[str]:
    names = {answer.rule for answer in KNOWN_ANSWERS}
    for module in (REPO / "src/tradecore/domain/broker_rules").glob("*.py"):
        for found in re.finditer(r'rule="([a-z_]+)"', module.read_text()):
            names.add(found[1])
        for found in re.finditer(r'"([a-z]+(?:_[a-z]+)+)", f?"', module.read_text()):
            names.add(found[1])
    return names


def _case_ids_in_tests() -> set[str]:
    ids: set[str] = set()
    for module in (REPO / "tests/contract").glob("*.py"):
        ids |= set(re.findall(r'"""(BRK-\d+)', module.read_text()))
    return ids


def test_every_rule_has_a_row():
    rules = _rules_in_code()
    assert len(rules) >= 20
    missing = sorted(r for r in rules if f"`{r}`" not in PAGE)
    assert missing == []


def test_every_cited_case_exists():
    cited: set[str] = set()
    for row in re.findall(r"BRK-[\d, –-]+", PAGE):
        for number in re.findall(r"\d+", row.replace("BRK-", "")):
            cited.add(f"BRK-{int(number)}")
    cited |= {f"BRK-{n}" for a, b in re.findall(r"BRK-(\d+)–(\d+)", PAGE)
              for n in range(int(a), int(b) + 1)}  # fmt: skip
    assert len(cited) >= 30
    assert sorted(cited - _case_ids_in_tests()) == []
