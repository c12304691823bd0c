"""The HR space's Surveillance tab driven with gradio_client against a live server: drift of
the API's recent traffic, live quality, the HTML report; audited, and not in the public demo."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from gradio_client import Client
from sqlalchemy import select
from sqlalchemy.orm import Session

from database.models import Request
from src.tracing import ui_user_key_hash
from tests.live_server import LIVE_TOKEN, LiveServer
from tests.ui.conftest import HR_USER

API = {"Authorization": f"Bearer {LIVE_TOKEN}"}


@pytest.fixture(scope="module")
def hr(live: LiveServer, records: list[dict]) -> Iterator[Client]:
    """A signed-in HR user, after 300 API predictions of which overtime for everyone."""
    shifted = [{**record, "heures_supplementaires": True} for record in records[:300]]
    answered = httpx.post(
        f"{live.base_url}/predict/batch", json={"employees": shifted}, headers=API, timeout=60
    )
    assert answered.status_code == 200
    yield Client(f"{live.base_url}/rh/", auth=HR_USER, verbose=False, download_files=False)


def test_the_tab_shows_the_drift_of_recent_api_traffic(hr: Client) -> None:
    summary, psi, column, days, quality, export = hr.predict(
        1000, None, None, "api", api_name="/surveillance"
    )
    assert "### Dérive : alerte" in summary
    assert "Heures supplémentaires" in summary.split("Champs en dérive")[1]
    assert "pas assez d'issues connues" in summary
    bars = pd.DataFrame(psi["data"], columns=psi["columns"])
    strongest = bars.sort_values("PSI", ascending=False).iloc[0]
    assert (strongest["champ"], strongest["état"]) == ("Heures supplémentaires", "en dérive")
    assert column["value"] == "Heures supplémentaires"
    assert export["visible"] is True and export["value"]["path"].endswith(".html")


def test_the_html_report_is_served_to_the_signed_in_user_only(live: LiveServer, hr: Client) -> None:
    *_, export = hr.predict(1000, None, None, "api", api_name="/surveillance")
    path = export["value"]["path"]
    page = Path(path).read_text("utf-8")
    assert page.startswith("<!doctype html>") and 'lang="fr"' in page
    assert "Heures supplémentaires" in page and "Dérive des données" in page
    assert httpx.get(f"{live.url}gradio_api/file={path}").status_code == 403
    signed_in = httpx.Client(base_url=live.base_url)
    name, password = HR_USER
    signed_in.post("/rh/login", data={"username": name, "password": password})
    served = signed_in.get(f"/rh/gradio_api/file={path}")
    assert served.status_code == 200 and served.headers["cache-control"] == "no-store"


def test_each_look_is_recorded_under_the_user(live: LiveServer, hr: Client) -> None:
    hr.predict(500, None, None, "Tous", api_name="/surveillance")
    with Session(live.engine) as session:
        rows = session.scalars(select(Request).where(Request.route == "/rh/monitoring")).all()
    assert rows and {row.client_key_hash for row in rows} == {ui_user_key_hash(HR_USER[0])}
    assert {row.status_code for row in rows} == {200}


def test_a_window_out_of_range_is_refused_in_french(hr: Client) -> None:
    with pytest.raises(Exception, match="La fenêtre va de 1 à 50 000"):
        hr.predict(0, None, None, "api", api_name="/surveillance")


def test_the_public_demo_has_no_surveillance(live: LiveServer) -> None:
    config = httpx.get(f"{live.url}config").json()
    assert "surveillance" not in {d["api_name"] for d in config["dependencies"]}
    assert "Surveillance" not in str(config["components"])
