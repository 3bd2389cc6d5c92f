"""`az identity create` and `az identity federated-credential create/list`."""

import uuid

from conftest import DEMO_RESOURCE_GROUP, describe

AUDIENCE = "api://AzureADTokenExchange"


def _is_guid(value) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except (TypeError, ValueError):
        return False


def test_identity_with_a_federated_credential(az_demo, keyless):
    az = az_demo
    rg = DEMO_RESOURCE_GROUP
    identity = az.json("identity", "create", "-g", rg, "-n", "uami")
    expected_id = (
        f"/subscriptions/{keyless.subscription_id}/resourceGroups/{rg}"
        "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami"
    )
    assert identity["id"] == expected_id, identity
    assert identity["type"] == "Microsoft.ManagedIdentity/userAssignedIdentities", identity
    assert identity["tenantId"] == keyless.tenant_id, identity
    assert _is_guid(identity["principalId"]) and _is_guid(identity["clientId"]), identity

    # The identity's service principal exists in the tenant's directory.
    sp = keyless.graph("GET", f"servicePrincipals(appId='{identity['clientId']}')")
    assert sp.status_code == 200, describe(sp)
    assert sp.json()["id"] == identity["principalId"], describe(sp)
    assert sp.json()["servicePrincipalType"] == "ManagedIdentity", describe(sp)

    fic = az.json(
        "identity", "federated-credential", "create",
        "--identity-name", "uami", "-g", rg, "-n", "fic1",
        "--issuer", "https://issuer.example", "--subject", "s1", "--audiences", AUDIENCE,
    )  # fmt: skip
    assert fic["id"] == f"{expected_id}/federatedIdentityCredentials/fic1", fic
    assert fic["name"] == "fic1", fic
    assert (fic["issuer"], fic["subject"], fic["audiences"]) == ("https://issuer.example", "s1", [AUDIENCE]), fic

    listed = az.json("identity", "federated-credential", "list", "--identity-name", "uami", "-g", rg)
    assert [(f["name"], f["issuer"], f["subject"]) for f in listed] == [("fic1", "https://issuer.example", "s1")], listed
    assert "uami" in [i["name"] for i in az.json("identity", "list", "-g", rg)]
    assert az.json("identity", "show", "-g", rg, "-n", "uami")["principalId"] == identity["principalId"]


def test_federated_credential_rules_reach_the_cli(az_demo):
    az = az_demo
    rg = DEMO_RESOURCE_GROUP
    az.run("identity", "create", "-g", rg, "-n", "uami-rules")
    base = ["identity", "federated-credential", "create", "--identity-name", "uami-rules", "-g", rg]
    az.run(*base, "-n", "first", "--issuer", "https://issuer.example", "--subject", "dup", "--audiences", AUDIENCE)

    duplicate = az.run(
        *base, "-n", "second", "--issuer", "https://issuer.example", "--subject", "dup", "--audiences", AUDIENCE,
        check=False,
    )  # fmt: skip
    assert duplicate.returncode != 0, duplicate.describe()
    assert "Issuer and subject combination already exists for this Managed Identity." in duplicate.stderr, duplicate.describe()

    two = az.run(
        *base, "-n", "third", "--issuer", "https://issuer.example", "--subject", "other",
        "--audiences", AUDIENCE, "api://other",
        check=False,
    )  # fmt: skip
    assert two.returncode != 0, two.describe()
    assert "Federated identity credentials must have exactly one audience." in two.stderr, two.describe()

    names = [f["name"] for f in az.json("identity", "federated-credential", "list", "--identity-name", "uami-rules", "-g", rg)]
    assert names == ["first"], names


def test_identity_and_credential_delete(az_demo):
    az = az_demo
    rg = DEMO_RESOURCE_GROUP
    az.run("identity", "create", "-g", rg, "-n", "uami-gone")
    az.run(
        "identity", "federated-credential", "create", "--identity-name", "uami-gone", "-g", rg, "-n", "fic",
        "--issuer", "https://issuer.example", "--subject", "gone", "--audiences", AUDIENCE,
    )  # fmt: skip
    az.run("identity", "federated-credential", "delete", "--identity-name", "uami-gone", "-g", rg, "-n", "fic", "--yes")
    assert az.json("identity", "federated-credential", "list", "--identity-name", "uami-gone", "-g", rg) == []
    az.run("identity", "delete", "-g", rg, "-n", "uami-gone")
    assert "uami-gone" not in [i["name"] for i in az.json("identity", "list", "-g", rg)]
    missing = az.run("identity", "show", "-g", rg, "-n", "uami-gone", check=False)
    assert missing.returncode != 0, missing.describe()
    assert "ResourceNotFound" in missing.stderr, missing.describe()
