"""The public site publishes every signed checkpoint, so outsiders can hold them (and later check the log)."""
from __future__ import annotations

from django.test import Client

from oversight.audit.checkpoints import checkpoint_make, public_key_hex
from oversight.audit.offline import verify_checkpoint


def test_anyone_can_read_and_download_the_checkpoints(personas):
    first = checkpoint_make()
    second = checkpoint_make()
    client = Client()
    page = client.get("/transparency/audit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Checking that no record was changed" in html
    assert bytes(second.root_hash).hex() in html and public_key_hex() in html
    assert html.index(bytes(second.root_hash).hex()) < html.index(bytes(first.root_hash).hex()) or \
        bytes(first.root_hash) == bytes(second.root_hash)

    doc = client.get("/transparency/audit/checkpoints.json").json()
    assert [k["public_key"] for k in doc["keys"]] == [public_key_hex()]
    assert len(doc["checkpoints"]) == 2
    for cp in doc["checkpoints"]:
        assert verify_checkpoint(cp, public_key_hex())[0]
    newer = client.get(f"/transparency/audit/checkpoints.json?after={first.tree_size - 1}").json()
    assert len(newer["checkpoints"]) == 2
    assert client.get("/transparency/audit/checkpoints.json?after=abc").status_code == 400


def test_the_page_is_linked_from_the_public_home(personas):
    assert 'href="/transparency/audit/"' in Client().get("/transparency/").content.decode()
