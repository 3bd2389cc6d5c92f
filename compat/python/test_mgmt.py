"""azure-mgmt-resource and azure-mgmt-resource-subscriptions against keyless' ARM plane, with
the federated (AzurePipelinesCredential) identity that holds Contributor on the subscription."""

import pytest
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient

from conftest import DEMO_RESOURCE_GROUP, pipeline_client


@pytest.fixture(scope="module")
def subscription_client(keyless, pipelines_credential):
    with SubscriptionClient(pipelines_credential, base_url=keyless.url) as client:
        yield client


resource_client = pipeline_client(ResourceManagementClient)


def test_subscriptions_list_contains_demo_subscription(keyless, subscription_client):
    subs = list(subscription_client.subscriptions.list())
    ids = [s.subscription_id for s in subs]
    assert keyless.subscription_id in ids, ids
    demo = next(s for s in subs if s.subscription_id == keyless.subscription_id)
    assert demo.tenant_id == keyless.tenant_id
    assert demo.id == f"/subscriptions/{keyless.subscription_id}"
    assert demo.state == "Enabled", demo.state


def test_subscription_get(keyless, subscription_client):
    sub = subscription_client.subscriptions.get(keyless.subscription_id)
    assert sub.subscription_id == keyless.subscription_id


def test_tenants_list_contains_demo_tenant(keyless, subscription_client):
    tenants = [t.tenant_id for t in subscription_client.tenants.list()]
    assert keyless.tenant_id in tenants, tenants


def test_resource_groups_list_contains_demo_rg(resource_client):
    names = [rg.name for rg in resource_client.resource_groups.list()]
    assert DEMO_RESOURCE_GROUP in names, names


def test_resource_group_lifecycle(keyless, resource_client, unique_name):
    rgs = resource_client.resource_groups
    name = unique_name("compat-rg")
    assert rgs.check_existence(name) is False

    created = rgs.create_or_update(name, {"location": "westeurope", "tags": {"purpose": "compat"}})
    assert created.name == name
    assert created.location == "westeurope"
    assert created.id.lower() == f"/subscriptions/{keyless.subscription_id}/resourcegroups/{name}".lower()

    got = rgs.get(name)
    assert got.name == name and got.tags == {"purpose": "compat"}
    assert rgs.check_existence(name) is True
    assert name in [rg.name for rg in rgs.list()]

    rgs.begin_delete(name).result()
    assert rgs.check_existence(name) is False
