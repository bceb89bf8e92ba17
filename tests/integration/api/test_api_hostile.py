"""Hostile and mistaken requests get a 4xx with a JSON message: never a 500, a traceback or a changed
answer from SQL spliced into a query."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.http]

INJECTIONS = ["' or 1=1 --", "370811' or '1'='1", "370811; drop table open_jobs; --", "1) or (1=1",
              "\\' union select * from job_matches --", "%' --", "370811\x00"]


def forged(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


HOSTILE = [
    ("/jobs", {"limit": "1000000000"}),
    ("/jobs", {"limit": "99999999999999999999999999999"}),
    ("/jobs", {"limit": "-1"}),
    ("/jobs", {"limit": "abc"}),
    ("/jobs", {"district": "999999"}),
    ("/jobs", {"district": "37081"}),
    ("/jobs", {"town": "370811999"}),
    ("/jobs", {"employment_type": "FULL_TIME,SLAVE"}),
    ("/jobs", {"group": "kids"}),
    ("/jobs", {"min_monthly_pay": "1e309"}),
    ("/jobs", {"posted_since": "yesterday"}),
    ("/jobs", {"short_term": "maybe"}),
    ("/jobs", {"near": "nan,nan"}),
    ("/jobs", {"near": "91,181"}),
    ("/jobs", {"near": "39.9,116.4"}),  # Beijing: not this city
    ("/jobs", {"near": "35.4"}),
    ("/jobs", {"near": "35.41,116.58", "minutes": "100000"}),
    ("/jobs", {"near": "35.41,116.58", "mode": "rocket"}),
    ("/jobs", {"sort": "distance"}),
    ("/jobs", {"sort": "salary; drop table x"}),
    ("/jobs", {"q": "x" * 500}),
    ("/jobs", {"q": "a b c d e f g"}),
    ("/jobs", {"cursor": "not-a-cursor"}),
    ("/jobs", {"cursor": "%%%"}),
    ("/jobs", {"cursor": forged([1, 2])}),
    ("/jobs", {"cursor": forged({"v": "x", "s": "jobs", "f": "y", "k": []})}),
    ("/jobs", {"snapshot": "../../etc/passwd"}),
    ("/jobs", {"snapshot": "20000101T000000000000"}),
    ("/jobs", {"snapshot": "29991231T235959999999"}),
    ("/jobs", {"order": "1; drop table open_jobs"}),
    ("/jobs/' or 1=1 --", {}),
    ("/jobs/..%2F..%2Fetc", {}),
    ("/stations", {"kind": "bank"}),
    ("/stations", {"limit": "5000"}),
    ("/stations/x'--/jobs", {}),
    ("/seekers/' or 1=1 --/matches", {}),
    ("/seekers/13800138000/matches", {}),
    ("/areas", {"group": "' or 1=1 --"}),
    ("/areas", {"limit": "100000"}),
    ("/nothing", {}),
] + [("/jobs", {"district": s}) for s in INJECTIONS] + [("/jobs", {"employment_type": s}) for s in INJECTIONS] \
  + [("/areas", {"town": s}) for s in INJECTIONS]


@pytest.mark.parametrize(("path", "params"), HOSTILE)
def test_hostile_requests_get_a_4xx_json_message(client: httpx.Client, path: str, params: dict) -> None:
    r = client.get(path, params=params)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    body = r.json()
    assert body["error"] and body["status"] == r.status_code
    assert "Traceback" not in r.text and "duckdb" not in r.text.lower()


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_in_free_text_is_only_text(client: httpx.Client, text: str) -> None:
    """q is free text: an injection is a (harmless) search that finds nothing."""
    r = client.get("/jobs", params={"q": text.replace("\x00", "")})
    if len(text.split()) > 5:
        assert r.status_code == 422 and "at most 5 words" in r.json()["error"]
    else:
        assert r.status_code == 200 and r.json()["count"] == 0


def test_a_cursor_is_bound_to_its_query(client: httpx.Client) -> None:
    first = client.get("/jobs", params={"district": "370811", "limit": 5}).json()
    assert first["next_cursor"]
    other = client.get("/jobs", params={"district": "370812", "limit": 5, "cursor": first["next_cursor"]})
    assert other.status_code == 400 and "other filters" in other.json()["error"]
    forged_key = json.loads(base64.urlsafe_b64decode(first["next_cursor"] + "=="))
    forged_key["k"] = ["2026-01-01' or 1=1 --", "x"]
    bad = client.get("/jobs", params={"district": "370811", "limit": 5, "cursor": forged(forged_key)})
    assert bad.status_code == 400


def test_unknown_methods_and_the_pool_survive(client: httpx.Client) -> None:
    assert client.post("/jobs").status_code == 405
    assert client.delete("/jobs/x").status_code == 405
    assert client.get("/health").json()["open_jobs"] > 0  # nothing above changed the pool


def test_openapi_docs_are_served(client: httpx.Client) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/jobs", "/jobs/{job_id}", "/stations", "/stations/{station_id}/jobs", "/seekers/{pseudonym}/matches",
            "/areas", "/health"} <= set(spec["paths"])
