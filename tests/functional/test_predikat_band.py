"""Predikat chips carry their band (``chip-predikat-kurang`` … ``chip-predikat-memuaskan``), so Kurang never looks like
Baik: the key from assess.display, on the pages and in the what-if JSON."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from assess.display import predikat_band
from tests.functional.helpers import login
from tests.worlds import World


@pytest.mark.parametrize(
    ("name", "key"),
    [("Kurang", "kurang"), ("Cukup", "cukup"), ("Baik", "baik"), ("Sangat Baik", "sangat-baik"),
     ("Memuaskan", "memuaskan"), ("", "none"), (None, "none")],
)  # fmt: skip
def test_band_key(name: str | None, key: str) -> None:
    assert predikat_band(name) == key


def test_chips_on_the_pages_carry_their_band(client: FlaskClient, world: World, db: Any) -> None:
    world.answer("I1").claimed_value = Decimal(3)
    db.session.commit()
    aid = world.assessment.id
    login(client, world.koordinator.email)
    for path in (f"/penilaian/{aid}", f"/penilaian/{aid}/dasbor", f"/penilaian/{aid}/simulasi"):
        html = client.get(path).get_data(as_text=True)
        chips = re.findall(r'<span class="chip chip-predikat chip-predikat-([\w-]+)" data-predikat="([^"]+)"', html)
        assert chips, path
        assert all(key == predikat_band(name) for key, name in chips), (path, chips)


def test_whatif_json_gives_the_band_of_each_result(client: FlaskClient, world: World, db: Any) -> None:
    aid = world.assessment.id
    login(client, world.pengisi.email)
    codes = [a.indicator.code for a in world.assessment.answers]
    bands = {}
    for level in ("0", "5"):
        body = client.post(
            f"/penilaian/{aid}/simulasi/hitung", json={"values": dict.fromkeys(codes, level)}
        ).get_json()
        assert body["predikat_band"] == predikat_band(body["predikat"])
        bands[level] = body["predikat_band"]
    assert bands["0"] == "kurang"
    assert bands["5"] != bands["0"]
