"""`az role assignment list/create/delete`: a Contributor may not grant roles (what
Azure DevOps reports as "Failed to assign Contributor role"); an Owner may."""

from conftest import CONTRIBUTOR_ROLE_ID, READER_ROLE_ID


def test_role_assignment_list_shows_the_demo_contributor(az_demo, keyless, demo_sp_object_id):
    scope = f"/subscriptions/{keyless.subscription_id}"
    listed = az_demo.json("role", "assignment", "list", "--scope", scope)
    mine = [a for a in listed if a["principalId"] == demo_sp_object_id]
    assert len(mine) == 1, listed
    a = mine[0]
    assert a["roleDefinitionName"] == "Contributor", a
    assert a["roleDefinitionId"].endswith(f"/roleDefinitions/{CONTRIBUTOR_ROLE_ID}"), a
    assert a["principalType"] == "ServicePrincipal", a
    assert a["scope"] == scope, a
    assert a["id"] == f"{scope}/providers/Microsoft.Authorization/roleAssignments/{a['name']}", a


def _create_reader(az, assignee: str, scope: str, *, check: bool = True):
    return az.run(
        "role", "assignment", "create",
        "--assignee-object-id", assignee,
        "--assignee-principal-type", "ServicePrincipal",
        "--role", "Reader",
        "--scope", scope,
        check=check,
    )  # fmt: skip


def test_contributor_cannot_assign_a_role(az_demo, keyless, world, demo_sp_object_id):
    scope = f"/subscriptions/{keyless.subscription_id}"
    assignee = world["assignee"].sp_object_id
    result = _create_reader(az_demo, assignee, scope, check=False)
    assert result.returncode != 0, result.describe()
    err = result.stderr
    assert "(AuthorizationFailed)" in err, result.describe()
    assert f"The client '{keyless.client_id}' with object id '{demo_sp_object_id}'" in err, result.describe()
    assert "'Microsoft.Authorization/roleAssignments/write'" in err, result.describe()
    assert f"over scope '{scope}" in err, result.describe()
    listed = az_demo.json("role", "assignment", "list", "--scope", scope, "--assignee-object-id", assignee)
    assert listed == [], listed


def test_owner_assigns_reader_lists_and_removes_it(az, keyless, world):
    scope = f"/subscriptions/{keyless.subscription_id}"
    assignee = world["assignee"].sp_object_id
    az.login_secret(world["owner"])

    created = _create_reader(az, assignee, scope).json()
    assert created["principalId"] == assignee, created
    assert created["principalType"] == "ServicePrincipal", created
    assert created["roleDefinitionId"] == f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{READER_ROLE_ID}", created
    assert created["scope"] == scope, created
    assert created["createdBy"] == world["owner"].sp_object_id, created

    listed = az.json("role", "assignment", "list", "--scope", scope, "--assignee-object-id", assignee)
    assert [(a["name"], a["roleDefinitionName"]) for a in listed] == [(created["name"], "Reader")], listed

    # The same principal, role and scope again: ARM answers 409 RoleAssignmentExists and the
    # CLI returns the existing assignment.
    again = _create_reader(az, assignee, scope).json()
    assert again["name"] == created["name"], again

    everywhere = az.json("role", "assignment", "list", "--all", "--assignee-object-id", assignee)
    assert [a["name"] for a in everywhere] == [created["name"]], everywhere

    az.run("role", "assignment", "delete", "--ids", created["id"])
    assert az.json("role", "assignment", "list", "--scope", scope, "--assignee-object-id", assignee) == []
