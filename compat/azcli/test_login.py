"""`az login --service-principal` with a pipeline's federated token, and with a secret."""

from conftest import jwt_claims

ARM_AUDIENCES = {
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
    "https://management.azure.com/",
    "https://management.azure.com",
}


def test_federated_login_selects_the_demo_subscription(az, keyless):
    accounts = az.login_demo()
    assert [a["id"] for a in accounts] == [keyless.subscription_id], accounts
    account = accounts[0]
    assert account["tenantId"] == keyless.tenant_id, account
    assert account["user"] == {"name": keyless.client_id, "type": "servicePrincipal"}, account
    assert account["cloudName"] == "keyless", account
    assert account["state"] == "Enabled", account

    shown = az.json("account", "show")
    assert shown["id"] == keyless.subscription_id, shown
    assert shown["name"] == "demo-subscription", shown
    assert shown["tenantId"] == keyless.tenant_id, shown
    assert shown["environmentName"] == "keyless", shown
    assert shown["isDefault"] is True, shown
    assert shown["user"]["name"] == keyless.client_id, shown


def test_access_token_comes_from_the_tenant_for_arm(az_demo, keyless):
    got = az_demo.json("account", "get-access-token")
    assert got["subscription"] == keyless.subscription_id, got
    assert got["tenant"] == keyless.tenant_id, got
    claims = jwt_claims(got["accessToken"])
    assert claims["tid"] == keyless.tenant_id, claims
    assert claims["appid"] == keyless.client_id, claims
    assert claims["iss"].startswith(f"{keyless.url}/{keyless.tenant_id}/"), claims
    aud = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    assert ARM_AUDIENCES.intersection(aud), claims


def test_federated_login_as_an_app_without_credentials_fails(az, keyless, world):
    # A genuine ID token of the demo connection, presented for an app that has no federated
    # identity credential at all (and no cached token in this configuration directory).
    result = az.login_federated(world["assignee"].app_id, keyless.oidc_token(), check=False)
    assert result.returncode != 0, result.describe()
    assert "AADSTS70025" in result.stderr, result.describe()
    assert world["assignee"].app_id in result.stderr, result.describe()


def test_secret_login_as_an_app_of_a_world_file(az, keyless, world):
    owner = world["owner"]
    accounts = az.login_secret(owner)
    assert [a["id"] for a in accounts] == [keyless.subscription_id], accounts
    assert accounts[0]["user"] == {"name": owner.app_id, "type": "servicePrincipal"}, accounts
    assert az.json("account", "show", "--query", "user.name") == owner.app_id


def test_logout_forgets_the_login(az, keyless):
    az.login_demo()
    az.run("logout")
    assert az.json("account", "list") == []
