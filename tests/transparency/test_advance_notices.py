"""Coming LFR deployments are announced with date, window, area and purpose; places are rounded to about 1 km;
a deployment under a critical-threat exemption appears only after it is over, marked as such."""
from __future__ import annotations

from django.utils import timezone

from oversight.transparency.figures import advance_notices, rounded_position, withheld_notices


def test_coming_deployments_are_announced_in_advance(world, client):
    page = client.get("/transparency/notices/").content.decode()
    notices = advance_notices()
    coming = [n for n in notices if n["state"] == "coming"]
    assert len(coming) == 1 and coming[0]["force_code"] == world.personas.force_a.code
    assert coming[0]["area"] == "New Street station concourse"
    assert coming[0]["purpose"].startswith("Locate people wanted")
    # Running deployments of both forces are listed as in progress; the ended one is not.
    running = sorted(n["force_code"] for n in notices if n["state"] == "in_progress")
    assert running == sorted([world.personas.force_a.code, world.personas.force_b.code])
    assert "New Street station concourse" in page and "around 52.48, -1.90" in page
    assert "52.4778" not in page and "1.899" not in page  # the factory's precise point


def _minute(when) -> str:
    return timezone.localtime(when).replace(second=0, microsecond=0).isoformat()


def test_an_exempt_deployment_is_withheld_until_it_is_over(world, client):
    windows = {n["window_start"] for n in advance_notices()}
    assert _minute(world.coming.starts_at) in windows
    assert _minute(world.exempt_coming.starts_at) not in windows  # authorised and coming, but exempt
    withheld = withheld_notices()
    assert [w["window_start"] for w in withheld] == [_minute(world.exempt_over.starts_at)]
    assert withheld[0]["notice"] == "Notice withheld under a recorded critical-threat exemption"
    page = client.get("/transparency/notices/").content.decode()
    later = page.split("Deployments without advance notice", 1)[1]
    assert later.count("Notice withheld under a recorded critical-threat exemption") == 1


def test_positions_are_rounded_to_about_a_kilometre():
    assert rounded_position(52.486219, -1.890417) == (52.49, -1.9)
    assert rounded_position(51.501364, -0.14189) == (51.5, -0.14)
    assert rounded_position(None, -1.0) == (None, None)
    # The grid is 0.01° of latitude (1.1 km) by 0.02° of longitude (1.2-1.4 km at 50-56°N).
    for lat in (50.0, 53.0, 55.9):
        for step in range(200):
            lon = -5 + step * 0.0137
            rounded = rounded_position(lat, lon)
            assert abs(rounded[0] - lat) <= 0.005 + 1e-9 and abs(rounded[1] - lon) <= 0.01 + 1e-9
