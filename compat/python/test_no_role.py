"""A service principal without any role assignment is refused by ARM."""

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient

from conftest import ARM_SCOPE, describe, jwt_claims


@pytest.fixture
def roleless_app(keyless, unique_name):
    app = keyless.create_app(unique_name("compat-no-role"))
    yield app
    res = keyless.delete_app(app)
    assert res.status_code == 204, describe(res)


def test_principal_without_role_is_refused(keyless, roleless_app, unique_name):
    cred = keyless.secret_credential(roleless_app.app_id, roleless_app.secret)
    claims = jwt_claims(cred.get_token(ARM_SCOPE).token)
    assert claims.get("oid") == roleless_app.sp_object_id, claims

    with SubscriptionClient(cred, base_url=keyless.url) as subs:
        assert list(subs.subscriptions.list()) == []

    with ResourceManagementClient(cred, keyless.subscription_id, base_url=keyless.url) as rm:
        name = unique_name("compat-denied")
        with pytest.raises(HttpResponseError) as e:
            rm.resource_groups.create_or_update(name, {"location": "westeurope"})
    assert e.value.status_code == 403, e.value
    assert e.value.error is not None, e.value
    assert e.value.error.code == "AuthorizationFailed", e.value.error
    message = e.value.error.message
    assert f"'{roleless_app.app_id}'" in message, message
    assert f"'{roleless_app.sp_object_id}'" in message, message
    # ARM action names are case-insensitive; real ARM prints `…/resourcegroups/write`.
    assert "microsoft.resources/subscriptions/resourcegroups/write" in message.lower(), message
