"""azure-mgmt-resource's generic `resources` operations against keyless' ARM plane: a resource of
a type keyless has no behaviour for (Microsoft.Storage/storageAccounts) by id, with an explicit
api-version, and paging through `$top`/`nextLink`."""

import uuid

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.resource.resources import ResourceManagementClient

from conftest import DEMO_RESOURCE_GROUP, pipeline_client

STORAGE_TYPE = "Microsoft.Storage/storageAccounts"
STORAGE_API = "2023-05-01"


resource_client = pipeline_client(ResourceManagementClient)


@pytest.fixture
def resource_group(resource_client, unique_name):
    """A fresh resource group, deleted with what is in it afterwards."""
    name = unique_name("compat-res")
    resource_client.resource_groups.create_or_update(name, {"location": "westeurope"})
    yield name
    resource_client.resource_groups.begin_delete(name).result()


def storage_id(keyless, rg: str, name: str) -> str:
    return f"/subscriptions/{keyless.subscription_id}/resourceGroups/{rg}/providers/{STORAGE_TYPE}/{name}"


def sa_name() -> str:
    return f"compat{uuid.uuid4().hex[:14]}"  # storage account names: 3-24 lowercase letters and digits


def test_generic_resource_by_id(keyless, resource_client, resource_group):
    resources = resource_client.resources
    name = sa_name()
    rid = storage_id(keyless, resource_group, name)

    poller = resources.begin_create_or_update_by_id(
        rid,
        {
            "location": "westeurope",
            "tags": {"purpose": "compat"},
            "properties": {"minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": False},
        },
        api_version=STORAGE_API,
    )
    created = poller.result()
    assert poller.status() == "Succeeded"
    assert created.id == rid
    assert created.name == name
    assert created.type == STORAGE_TYPE
    assert created.location == "westeurope"
    assert created.tags == {"purpose": "compat"}
    assert created.properties["minimumTlsVersion"] == "TLS1_2"
    assert created.properties["allowBlobPublicAccess"] is False
    assert created.properties["provisioningState"] == "Succeeded"

    got = resources.get_by_id(rid, api_version=STORAGE_API)
    assert (got.id, got.name, got.type, got.location, got.tags) == (
        rid,
        name,
        STORAGE_TYPE,
        "westeurope",
        {"purpose": "compat"},
    )
    assert got.properties["minimumTlsVersion"] == "TLS1_2"

    # PUT again replaces properties and tags, keeps the id (200 this time).
    updated = resources.begin_create_or_update_by_id(
        rid,
        {"location": "westeurope", "tags": {"v": "2"}, "properties": {"minimumTlsVersion": "TLS1_3"}},
        api_version=STORAGE_API,
    ).result()
    assert updated.id == rid and updated.tags == {"v": "2"}
    assert updated.properties["minimumTlsVersion"] == "TLS1_3"

    # PATCH merges.
    patched = resources.begin_update_by_id(
        rid, {"tags": {"v": "3"}, "properties": {"accessTier": "Cool"}}, api_version=STORAGE_API
    ).result()
    assert patched.tags == {"v": "3"}
    assert patched.properties["accessTier"] == "Cool"
    assert patched.properties["minimumTlsVersion"] == "TLS1_3"

    listed = list(resources.list_by_resource_group(resource_group))
    assert [r.id for r in listed] == [rid], [r.as_dict() for r in listed]
    assert listed[0].type == STORAGE_TYPE and listed[0].location == "westeurope"
    # `$filter` narrows the list (what `az resource list --resource-type` and azurerm send).
    by_type = list(resource_client.resources.list(filter=f"resourceType eq '{STORAGE_TYPE}'"))
    assert rid in [r.id for r in by_type]
    assert {r.type for r in by_type} == {STORAGE_TYPE}, [r.id for r in by_type]
    by_name = list(resource_client.resources.list_by_resource_group(resource_group, filter=f"name eq '{name}'"))
    assert [r.id for r in by_name] == [rid]
    assert list(resource_client.resources.list_by_resource_group(resource_group, filter="name eq 'nothing'")) == []

    resources.begin_delete_by_id(rid, api_version=STORAGE_API).result()
    with pytest.raises(ResourceNotFoundError) as e:
        resources.get_by_id(rid, api_version=STORAGE_API)
    assert e.value.status_code == 404
    assert e.value.error.code == "ResourceNotFound", e.value.error
    assert list(resources.list_by_resource_group(resource_group)) == []
    # Deleting what is gone succeeds (204).
    resources.begin_delete_by_id(rid, api_version=STORAGE_API).result()


def test_check_existence_by_id(keyless, resource_client, resource_group):
    rid = storage_id(keyless, resource_group, sa_name())
    assert resource_client.resources.check_existence_by_id(rid, api_version=STORAGE_API) is False
    resource_client.resources.begin_create_or_update_by_id(
        rid, {"location": "westeurope"}, api_version=STORAGE_API
    ).result()
    assert resource_client.resources.check_existence_by_id(rid, api_version=STORAGE_API) is True


def test_list_by_resource_group_pages_with_top(keyless, resource_client, resource_group):
    ids = []
    for _ in range(5):
        rid = storage_id(keyless, resource_group, sa_name())
        resource_client.resources.begin_create_or_update_by_id(
            rid, {"location": "westeurope"}, api_version=STORAGE_API
        ).result()
        ids.append(rid)

    pages = [list(page) for page in resource_client.resources.list_by_resource_group(resource_group, top=2).by_page()]
    assert [len(p) for p in pages] == [2, 2, 1], [[r.name for r in p] for p in pages]
    seen = [r.id for p in pages for r in p]
    assert sorted(seen) == sorted(ids), seen
    # The SDK follows nextLink when iterating items.
    assert sorted(r.id for r in resource_client.resources.list_by_resource_group(resource_group, top=2)) == sorted(ids)


def test_list_by_resource_group_filter_and_top(keyless, resource_client, resource_group):
    """The filter travels with nextLink: every page holds only what it selects."""
    storage = []
    for _ in range(3):
        rid = storage_id(keyless, resource_group, sa_name())
        resource_client.resources.begin_create_or_update_by_id(rid, {"location": "westeurope"}, api_version=STORAGE_API).result()
        storage.append(rid)
    for i in range(2):
        rid = f"/subscriptions/{keyless.subscription_id}/resourceGroups/{resource_group}/providers/Microsoft.Web/sites/compat-site-{i}"
        resource_client.resources.begin_create_or_update_by_id(rid, {"location": "westeurope"}, api_version="2023-12-01").result()
    pager = resource_client.resources.list_by_resource_group(
        resource_group, filter=f"resourceType eq '{STORAGE_TYPE}'", top=2
    )
    pages = [list(page) for page in pager.by_page()]
    assert [len(p) for p in pages] == [2, 1], [[r.id for r in p] for p in pages]
    assert sorted(r.id for p in pages for r in p) == sorted(storage)


def test_generic_resource_keeps_kind_and_sku(keyless, resource_client, resource_group):
    rid = storage_id(keyless, resource_group, sa_name())
    created = resource_client.resources.begin_create_or_update_by_id(
        rid,
        {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}},
        api_version=STORAGE_API,
    ).result()
    assert created.kind == "StorageV2", created.as_dict()
    assert created.sku is not None and created.sku.name == "Standard_LRS", created.as_dict()
