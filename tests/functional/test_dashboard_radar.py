"""The dashboard's radar (issue 16): its values are the aspect table's claimed values, written in the page's
language (a decimal comma in Indonesian, a point in English), and its view box is the one assess.charts made."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.functional.helpers import login
from tests.functional.test_dashboard import world
from tests.worlds import World

__all__ = ["world"]


def test_radar_values_read_as_the_table_in_each_language(client: FlaskClient, world: World) -> None:
    login(client, world.koordinator.email)
    url = f"/penilaian/{world.assessment.id}/dasbor"
    for lang, mark in (("id", ","), ("en", ".")):
        client.post("/bahasa", data={"lang": lang})
        html = client.get(url).get_data(as_text=True)
        radar = re.findall(r"data-radar-value>([^<]*)</tspan>", html)
        # The claimed column is the first of each aspect's row.
        claimed = re.findall(r'<tr><td><span lang="id">[^<]*</span></td><td data-aspect="A\d+">([^<]*) · ', html)
        assert len(radar) == 8
        assert radar == claimed, lang
        assert all(mark in value for value in radar), lang
        assert "0.50" in radar if lang == "en" else "0,50" in radar
        box = re.search(r'<svg class="chart chart-radar" viewBox="(-?[\d.]+) (-?[\d.]+) ([\d.]+) ([\d.]+)"', html)
        assert box is not None
        assert float(box.group(1)) < 0  # grown to the left for the left-hand labels
