use super::*;

fn assign(scope: &str, role: Uuid) -> RoleAssignment {
    RoleAssignment {
        id: Uuid::new_v4(),
        scope: canonical_scope(scope),
        role_definition_id: role,
        principal_id: Uuid::nil(),
        principal_type: "ServicePrincipal".into(),
        created_by: None,
        created_at: 0,
    }
}

const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000001";
const RG: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/web";
const RG2: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/web2";
const RG_WRITE: &str = "Microsoft.Resources/subscriptions/resourceGroups/write";
const RA_WRITE: &str = "Microsoft.Authorization/roleAssignments/write";
const SUB_READ: &str = "Microsoft.Resources/subscriptions/read";

fn allowed(a: &[RoleAssignment], action: &str, scope: &str) -> bool {
    is_allowed(a, built_in_permissions, action, scope, &[])
}

#[test]
fn glob_semantics() {
    assert!(glob("*", "a/b/c"));
    assert!(glob("*/read", "Microsoft.Resources/subscriptions/read"));
    assert!(!glob("*/read", "Microsoft.Resources/subscriptions/write"));
    assert!(glob(
        "Microsoft.Authorization/*/Write",
        "microsoft.authorization/roleassignments/write"
    ));
    assert!(!glob(
        "Microsoft.Authorization/*/Write",
        "Microsoft.Resources/x/write"
    ));
}

#[test]
fn deny_by_default() {
    assert!(!allowed(&[], SUB_READ, SUB));
}

#[test]
fn subscription_assignment_is_inherited_by_resource_groups() {
    let a = [assign(SUB, CONTRIBUTOR)];
    assert!(allowed(&a, RG_WRITE, RG));
}

#[test]
fn resource_group_assignment_does_not_reach_up_or_sideways() {
    let a = [assign(RG, CONTRIBUTOR)];
    assert!(allowed(&a, RG_WRITE, RG));
    assert!(!allowed(&a, SUB_READ, SUB));
    assert!(!allowed(&a, RG_WRITE, RG2));
}

#[test]
fn contributor_cannot_write_role_assignments_owner_can() {
    assert!(!allowed(&[assign(SUB, CONTRIBUTOR)], RA_WRITE, SUB));
    assert!(allowed(&[assign(SUB, OWNER)], RA_WRITE, SUB));
    assert!(allowed(
        &[assign(SUB, USER_ACCESS_ADMINISTRATOR)],
        RA_WRITE,
        SUB
    ));
}

#[test]
fn reader_reads_only() {
    let a = [assign(SUB, READER)];
    assert!(allowed(&a, SUB_READ, SUB));
    assert!(!allowed(&a, RG_WRITE, RG));
}

#[test]
fn unknown_role_grants_nothing() {
    assert!(!allowed(&[assign(SUB, Uuid::new_v4())], SUB_READ, SUB));
}

#[test]
fn scope_comparison_is_case_insensitive() {
    let a = [assign(
        &SUB.to_uppercase().replace("SUBSCRIPTIONS", "subscriptions"),
        READER,
    )];
    assert!(allowed(&a, SUB_READ, &RG.to_uppercase()));
}

#[test]
fn management_group_assignment_reaches_subscriptions_below_it() {
    let mg = management_group_scope("Platform");
    let a = [assign(&mg, READER)];
    assert!(!allowed(&a, SUB_READ, SUB));
    let above = vec![
        management_group_scope("platform"),
        management_group_scope("root"),
    ];
    assert!(is_allowed(&a, built_in_permissions, SUB_READ, RG, &above));
}

#[test]
fn custom_role_with_wildcards_and_not_actions() {
    let custom = crate::arm::CustomRole {
        id: Uuid::new_v4(),
        tenant_id: Uuid::nil(),
        role_name: "Group operator".into(),
        description: String::new(),
        actions: vec!["Microsoft.Resources/subscriptions/resourceGroups/*".into()],
        not_actions: vec!["Microsoft.Resources/subscriptions/resourceGroups/delete".into()],
        data_actions: vec![],
        not_data_actions: vec![],
        assignable_scopes: vec![canonical_scope(SUB)],
        created_at: 0,
    };
    let a = [assign(SUB, custom.id)];
    let resolve = |id: Uuid| (id == custom.id).then_some(&custom as &dyn Permissions);
    assert!(is_allowed(&a, resolve, RG_WRITE, RG, &[]));
    assert!(!is_allowed(
        &a,
        resolve,
        "Microsoft.Resources/subscriptions/resourceGroups/delete",
        RG,
        &[]
    ));
    assert!(!is_allowed(&a, resolve, SUB_READ, SUB, &[]));
}
