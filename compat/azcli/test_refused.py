"""Calls RBAC refuses show ARM's `AuthorizationFailed` through the CLI."""

from conftest import DEMO_RESOURCE_GROUP


def test_reader_reads_but_is_refused_writes(az, keyless, world):
    reader = world["reader"]
    az.login_secret(reader)
    sub = keyless.subscription_id
    assert DEMO_RESOURCE_GROUP in [g["name"] for g in az.json("group", "list")]

    refused = az.run("group", "create", "-n", "refused-rg", "-l", "westeurope", check=False)
    assert refused.returncode != 0, refused.describe()
    assert "(AuthorizationFailed)" in refused.stderr, refused.describe()
    # ARM echoes the request path, so the casing of `resourceGroups` is not asserted.
    err = refused.stderr.lower()
    assert (
        f"the client '{reader.app_id}' with object id '{reader.sp_object_id}' does not have authorization"
        " to perform action 'microsoft.resources/subscriptions/resourcegroups/write'"
        f" over scope '/subscriptions/{sub}/resourcegroups/refused-rg'"
    ) in err, refused.describe()
    assert az.json("group", "exists", "-n", "refused-rg") is False

    identity = az.run("identity", "create", "-g", DEMO_RESOURCE_GROUP, "-n", "refused-uami", check=False)
    assert identity.returncode != 0, identity.describe()
    assert "(AuthorizationFailed)" in identity.stderr, identity.describe()
    assert "'Microsoft.ManagedIdentity/userAssignedIdentities/write'" in identity.stderr, identity.describe()
