"""azure-mgmt-authorization against keyless: built-in role definitions, role
assignments at subscription, resource-group and resource scope written by an Owner, the
duplicate and permission errors, and custom role definitions."""

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.authorization import AuthorizationManagementClient

from conftest import ARM_SCOPE, DEMO_RESOURCE_GROUP, describe, pipeline_client

READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
STORAGE_API = "2023-05-01"


def role_definition_id(keyless, role: str) -> str:
    return f"/subscriptions/{keyless.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{role}"




def delete_then_gone(operations, scope: str, name: str, code: str) -> None:
    """Deletes `name` at `scope` through `operations` (role assignments or definitions), which
    answers the deleted object; getting it afterwards fails with the ARM error `code`."""
    deleted = operations.delete(scope, name)
    assert deleted is not None and deleted.name == name
    with pytest.raises(ResourceNotFoundError) as e:
        operations.get(scope, name)
    assert e.value.error.code == code, e.value.error


@pytest.fixture(scope="module")
def owner(keyless):
    """An app registration (created through Graph) given Owner on the demo subscription by a
    world file (apps are named by display name there)."""
    display_name = f"compat-owner-{uuid.uuid4().hex[:10]}"
    app = keyless.create_app(display_name)
    report = keyless.apply_world(
        f"""
tenants:
  - name: contoso
    subscriptions:
      - name: demo-subscription
        roleAssignments:
          - app: {display_name}
            role: Owner
""",
    )
    assert report.get("changes"), report
    yield app
    keyless.delete_app(app)


@pytest.fixture(scope="module")
def owner_client(keyless, owner):
    cred = keyless.secret_credential(owner.app_id, owner.secret)
    with AuthorizationManagementClient(cred, keyless.subscription_id, base_url=keyless.url) as client:
        yield client


contributor_client = pipeline_client(AuthorizationManagementClient)


@pytest.fixture
def assignee(keyless, unique_name):
    """A principal to assign roles to: a fresh app's service principal."""
    app = keyless.create_app(unique_name("compat-assignee"), secret=False)
    yield app
    keyless.delete_app(app)


@pytest.fixture(scope="module")
def storage_account(keyless, pipelines_credential):
    """A generic resource in the demo group (created by the Contributor), as a resource scope."""
    name = f"compatsa{uuid.uuid4().hex[:12]}"
    rid = (
        f"/subscriptions/{keyless.subscription_id}/resourceGroups/{DEMO_RESOURCE_GROUP}"
        f"/providers/Microsoft.Storage/storageAccounts/{name}"
    )
    token = pipelines_credential.get_token(ARM_SCOPE).token
    res = keyless.arm("PUT", f"{rid}?api-version={STORAGE_API}", {"location": "westeurope"}, token=token)
    assert res.status_code == 201, describe(res)
    yield res.json()["id"]
    keyless.arm("DELETE", f"{rid}?api-version={STORAGE_API}", token=pipelines_credential.get_token(ARM_SCOPE).token)


def test_role_definitions_filter_by_name(keyless, contributor_client):
    scope = f"/subscriptions/{keyless.subscription_id}"
    found = list(contributor_client.role_definitions.list(scope, filter="roleName eq 'Reader'"))
    assert [r.name for r in found] == [READER], [r.as_dict() for r in found]
    reader = found[0]
    assert reader.role_name == "Reader"
    assert reader.role_type == "BuiltInRole"
    assert reader.type == "Microsoft.Authorization/roleDefinitions"
    assert reader.id == role_definition_id(keyless, READER)
    assert reader.permissions[0].actions == ["*/read"]

    got = contributor_client.role_definitions.get(scope, OWNER)
    assert got.role_name == "Owner" and got.id == role_definition_id(keyless, OWNER)

    names = {r.role_name for r in contributor_client.role_definitions.list(scope)}
    assert {"Owner", "Contributor", "Reader", "User Access Administrator"} <= names, names


@pytest.mark.parametrize("kind", ["subscription", "resource group", "resource"])
def test_role_assignment_lifecycle(keyless, owner_client, assignee, kind, request):
    scope = {
        "subscription": lambda: f"/subscriptions/{keyless.subscription_id}",
        "resource group": lambda: f"/subscriptions/{keyless.subscription_id}/resourceGroups/{DEMO_RESOURCE_GROUP}",
        "resource": lambda: request.getfixturevalue("storage_account"),
    }[kind]()
    assignments = owner_client.role_assignments
    name = str(uuid.uuid4())
    created = assignments.create(
        scope,
        name,
        {
            "role_definition_id": role_definition_id(keyless, READER),
            "principal_id": assignee.sp_object_id,
            "principal_type": "ServicePrincipal",
        },
    )
    assert created.name == name
    assert created.id == f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"
    assert created.type == "Microsoft.Authorization/roleAssignments"
    assert created.scope == scope
    assert created.principal_id == assignee.sp_object_id
    assert created.principal_type == "ServicePrincipal"
    assert created.role_definition_id == role_definition_id(keyless, READER)

    listed = list(assignments.list_for_scope(scope, filter=f"principalId eq '{assignee.sp_object_id}'"))
    assert [a.name for a in listed] == [name], [a.as_dict() for a in listed]

    got = assignments.get(scope, name)
    assert (got.id, got.principal_id, got.role_definition_id) == (
        created.id,
        created.principal_id,
        created.role_definition_id,
    )
    # by id, as `az role assignment delete --ids` does
    assert assignments.get_by_id(created.id).name == name

    delete_then_gone(assignments, scope, name, "RoleAssignmentNotFound")
    assert list(assignments.list_for_scope(scope, filter=f"principalId eq '{assignee.sp_object_id}'")) == []


def test_deleting_missing_role_assignment_is_no_content(keyless, owner_client):
    scope = f"/subscriptions/{keyless.subscription_id}"
    # 204: the SDK returns None instead of the deleted assignment.
    assert owner_client.role_assignments.delete(scope, str(uuid.uuid4())) is None


def test_duplicate_role_assignment_conflicts(keyless, owner_client, assignee):
    scope = f"/subscriptions/{keyless.subscription_id}/resourceGroups/{DEMO_RESOURCE_GROUP}"
    params = {
        "role_definition_id": role_definition_id(keyless, READER),
        "principal_id": assignee.sp_object_id,
        "principal_type": "ServicePrincipal",
    }
    first = owner_client.role_assignments.create(scope, str(uuid.uuid4()), params)
    try:
        # The same name again is an idempotent re-PUT.
        again = owner_client.role_assignments.create(scope, first.name, params)
        assert again.id == first.id
        with pytest.raises(HttpResponseError) as e:
            owner_client.role_assignments.create(scope, str(uuid.uuid4()), params)
        assert e.value.status_code == 409, e.value
        assert e.value.error.code == "RoleAssignmentExists", e.value.error
    finally:
        owner_client.role_assignments.delete(scope, first.name)


def test_unknown_principal_is_refused(keyless, owner_client):
    scope = f"/subscriptions/{keyless.subscription_id}"
    params = {"role_definition_id": role_definition_id(keyless, READER), "principal_id": str(uuid.uuid4())}
    with pytest.raises(HttpResponseError) as e:
        owner_client.role_assignments.create(scope, str(uuid.uuid4()), params)
    assert e.value.status_code == 400, e.value
    assert e.value.error.code == "PrincipalNotFound", e.value.error


def test_contributor_cannot_assign_roles(keyless, contributor_client, assignee):
    scope = f"/subscriptions/{keyless.subscription_id}/resourceGroups/{DEMO_RESOURCE_GROUP}"
    with pytest.raises(HttpResponseError) as e:
        contributor_client.role_assignments.create(
            scope,
            str(uuid.uuid4()),
            {
                "role_definition_id": role_definition_id(keyless, READER),
                "principal_id": assignee.sp_object_id,
                "principal_type": "ServicePrincipal",
            },
        )
    assert e.value.status_code == 403, e.value
    assert e.value.error.code == "AuthorizationFailed", e.value.error
    message = e.value.error.message
    assert f"'{keyless.client_id}'" in message, message
    assert "'Microsoft.Authorization/roleAssignments/write'" in message, message
    assert f"over scope '{scope}'" in message, message


# --------------------------------------------------------------------------------------------
# custom role definitions (PUT {scope}/providers/Microsoft.Authorization/roleDefinitions/{guid})


def test_custom_role_lifecycle(keyless, owner_client, assignee):
    sub_scope = f"/subscriptions/{keyless.subscription_id}"
    rg_scope = f"{sub_scope}/resourceGroups/{DEMO_RESOURCE_GROUP}"
    definitions = owner_client.role_definitions
    role_id = str(uuid.uuid4())
    role_name = f"compat-reader-{uuid.uuid4().hex[:8]}"
    created = definitions.create_or_update(
        sub_scope,
        role_id,
        {
            "role_name": role_name,
            "description": "Reads resource groups (compat test).",
            "role_type": "CustomRole",
            "permissions": [
                {
                    "actions": ["Microsoft.Resources/subscriptions/resourceGroups/read"],
                    "not_actions": [],
                }
            ],
            "assignable_scopes": [sub_scope],
        },
    )
    assert created.name == role_id
    assert created.id == role_definition_id(keyless, role_id)
    assert created.type == "Microsoft.Authorization/roleDefinitions"
    assert created.role_name == role_name
    assert created.role_type == "CustomRole"
    assert created.description == "Reads resource groups (compat test)."
    assert created.permissions[0].actions == ["Microsoft.Resources/subscriptions/resourceGroups/read"]
    assert created.assignable_scopes == [sub_scope]

    got = definitions.get(sub_scope, role_id)
    assert (got.id, got.role_name, got.role_type) == (created.id, role_name, "CustomRole")
    by_name = list(definitions.list(sub_scope, filter=f"roleName eq '{role_name}'"))
    assert [r.name for r in by_name] == [role_id], [r.as_dict() for r in by_name]
    assert role_id in [r.name for r in definitions.list(sub_scope)]

    # The custom role can be assigned inside its assignable scopes ...
    assignment = owner_client.role_assignments.create(
        rg_scope,
        str(uuid.uuid4()),
        {
            "role_definition_id": created.id,
            "principal_id": assignee.sp_object_id,
            "principal_type": "ServicePrincipal",
        },
    )
    assert assignment.role_definition_id == created.id
    # ... and cannot be deleted while an assignment uses it.
    with pytest.raises(HttpResponseError) as e:
        definitions.delete(sub_scope, role_id)
    assert e.value.status_code == 409, e.value
    assert e.value.error.code == "RoleDefinitionHasAssignments", e.value.error
    owner_client.role_assignments.delete(rg_scope, assignment.name)

    delete_then_gone(definitions, sub_scope, role_id, "RoleDefinitionDoesNotExist")
    assert list(definitions.list(sub_scope, filter=f"roleName eq '{role_name}'")) == []


def test_contributor_cannot_create_custom_role(keyless, contributor_client):
    sub_scope = f"/subscriptions/{keyless.subscription_id}"
    with pytest.raises(HttpResponseError) as e:
        contributor_client.role_definitions.create_or_update(
            sub_scope,
            str(uuid.uuid4()),
            {
                "role_name": f"compat-denied-{uuid.uuid4().hex[:8]}",
                "role_type": "CustomRole",
                "permissions": [{"actions": ["*/read"]}],
                "assignable_scopes": [sub_scope],
            },
        )
    assert e.value.status_code == 403, e.value
    assert e.value.error.code == "AuthorizationFailed", e.value.error
    assert "'Microsoft.Authorization/roleDefinitions/write'" in e.value.error.message, e.value.error.message


def test_custom_role_update_answers_201(keyless, owner_client):
    sub_scope = f"/subscriptions/{keyless.subscription_id}"
    role_id = str(uuid.uuid4())
    role_name = f"compat-update-{uuid.uuid4().hex[:8]}"

    def body(description: str, actions: list[str]) -> dict:
        return {
            "role_name": role_name,
            "description": description,
            "role_type": "CustomRole",
            "permissions": [{"actions": actions}],
            "assignable_scopes": [sub_scope],
        }

    created = owner_client.role_definitions.create_or_update(sub_scope, role_id, body("v1", ["*/read"]))
    try:
        updated = owner_client.role_definitions.create_or_update(
            sub_scope, role_id, body("v2", ["Microsoft.Resources/subscriptions/resourceGroups/read"])
        )
        assert updated.id == created.id and updated.description == "v2"
        assert updated.permissions[0].actions == ["Microsoft.Resources/subscriptions/resourceGroups/read"]
    finally:
        owner_client.role_definitions.delete(sub_scope, role_id)
