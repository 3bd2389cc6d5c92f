"""`az group create/list/delete` as the demo app (Contributor on the demo subscription)."""

from conftest import DEMO_RESOURCE_GROUP


def test_group_create_list_delete(az_demo, keyless):
    az = az_demo
    created = az.json("group", "create", "-n", "x", "-l", "westeurope")
    assert created["id"] == f"/subscriptions/{keyless.subscription_id}/resourceGroups/x", created
    assert created["name"] == "x", created
    assert created["location"] == "westeurope", created
    assert created["properties"]["provisioningState"] == "Succeeded", created

    names = [g["name"] for g in az.json("group", "list")]
    assert "x" in names and DEMO_RESOURCE_GROUP in names, names
    assert az.json("group", "exists", "-n", "x") is True

    updated = az.json("group", "update", "-n", "x", "--tags", "env=ci")
    assert updated["tags"] == {"env": "ci"}, updated

    deleted = az.run("group", "delete", "-n", "x", "--yes")
    assert deleted.stdout.strip() == "", deleted.describe()
    assert "x" not in [g["name"] for g in az.json("group", "list")]
    assert az.json("group", "exists", "-n", "x") is False

    missing = az.run("group", "show", "-n", "x", check=False)
    assert missing.returncode != 0, missing.describe()
    assert "ResourceGroupNotFound" in missing.stderr, missing.describe()
