"""Posting a change through its confirmation step (portal.confirm), as a browser does."""


def post_confirmed(client, url: str, data: dict, **kwargs):
    """Posts `data`, checks that the answer asks to confirm, and confirms the state it shows."""
    asked = client.post(url, data)
    assert asked.status_code == 200, asked.status_code
    assert "portal/confirm.html" in [template.name for template in asked.templates]
    return client.post(url, {**data, "confirm": "1", "state": asked.context["state"]}, **kwargs)
