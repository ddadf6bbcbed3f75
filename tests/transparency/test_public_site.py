"""The public reaches the transparency site from the front page and the navigation, without signing in."""
from __future__ import annotations


def test_the_front_page_and_navigation_lead_to_the_transparency_site(personas, client):
    home = client.get("/", follow=True).content.decode()
    assert 'href="/transparency/"' in home and "South Mercia Police" in home
    assert '<a href="/transparency/">Transparency</a>' in home  # the public navigation link
    client.force_login(personas.admin_a)
    assert '<a href="/transparency/manage/">Transparency</a>' in client.get("/", follow=True).content.decode()


def test_every_public_page_opens_without_signing_in(world, published, client):
    report = published
    code = world.personas.force_a.code
    for url in ["/transparency/", "/transparency/notices/", "/transparency/reports/", f"/transparency/forces/{code}/",
                "/transparency/open-data/", f"/transparency/reports/{report.pk}/"]:
        response = client.get(url)
        assert response.status_code == 200, url
    index = client.get("/transparency/").content.decode()
    for text in ("Live facial recognition (LFR)", "Retrospective facial recognition (RFR)",
                 "Operator-initiated facial recognition (OIFR)", 'href="/legal-bases/#DPA18-S35-5-STRICT"',
                 "mailto:fr@southmercia.police.example", "subject access request"):
        assert text in index, text
    force = client.get(f"/transparency/forces/{code}/").content.decode()
    for text in ("Wanted by a court", "People wanted on a warrant issued by a court.",
                 "at least the rank of Superintendent", "Covert use is always refused.",
                 f"/transparency/forces/{code}/atrs/lfr/"):
        assert text in force, text
    downloads = {fmt: client.get(f"/transparency/reports/{report.pk}/report.{fmt}") for fmt in ("pdf", "csv", "json")}
    assert downloads["pdf"]["Content-Type"] == "application/pdf" and downloads["pdf"].content.startswith(b"%PDF")
    assert downloads["csv"]["Content-Type"].startswith("text/csv")
    assert 'filename="south-mercia-' in downloads["json"]["Content-Disposition"]
    assert client.get("/transparency/manage/").status_code == 302  # preparation needs a sign-in


def test_the_report_page_carries_its_charts_and_plain_language(world, published, client):
    report = published
    page = client.get(f"/transparency/reports/{report.pk}/").content.decode()
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart') == 6
    assert 'class="chart-data"' in page
    for section in ("What facial recognition is used for, and the law it relies on",
                    "How to complain or ask for your data", "Who can be put on a watchlist",
                    "When live facial recognition may be used", "Advance notices", "Deployment log",
                    "Totals by month and quarter", "Thresholds and independent testing", "What is deleted, and when",
                    "Retrospective and operator-initiated facial recognition"):
        assert section in page, section
