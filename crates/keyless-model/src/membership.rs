//! The one rule that says what a principal is to a tenant: a member, a guest, or nothing.
//!
//! A principal has one home tenant, where it is a member. A user may be invited into other
//! tenants as a guest ([`crate::directory::GuestMembership`]); there it is a guest. A keyless
//! administrator is a member of every tenant it is not a guest of. Everything else has no
//! place in the tenant. Graph, the admin API, the organization check of Azure DevOps, the
//! automatic creation preflight and the subscription picker all ask [`user_type_in`].

use crate::Uuid;
use crate::directory::UserType;

/// What a principal is to `tenant`, from its home tenant, the tenants it is a guest of and
/// whether it is a keyless administrator. `None`: it has no place there.
pub fn user_type_in(
    tenant: Uuid,
    home: Uuid,
    guest_of: &[Uuid],
    keyless_admin: bool,
) -> Option<UserType> {
    if home == tenant {
        Some(UserType::Member)
    } else if guest_of.contains(&tenant) {
        Some(UserType::Guest)
    } else if keyless_admin {
        Some(UserType::Member)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use UserType::{Guest, Member};

    const HOME: Uuid = Uuid::from_u128(1);
    const HOST: Uuid = Uuid::from_u128(2);
    const OTHER: Uuid = Uuid::from_u128(3);

    /// (tenant asked about, guest of, keyless administrator, answer, why).
    type Row<'a> = (Uuid, &'a [Uuid], bool, Option<UserType>, &'a str);

    #[test]
    fn user_type_table() {
        #[rustfmt::skip]
        let table: &[Row] = &[
            (HOME, &[], false, Some(Member), "a principal is a member of its home tenant"),
            (HOME, &[HOST], false, Some(Member), "guest memberships elsewhere change nothing at home"),
            (HOST, &[HOST], false, Some(Guest), "an invited user is a guest of the host"),
            (HOST, &[OTHER, HOST], false, Some(Guest), "any of several memberships counts"),
            (HOST, &[], false, None, "an uninvited user has no place"),
            (HOST, &[OTHER], false, None, "a membership of another tenant does not count"),
            (HOST, &[], true, Some(Member), "keyless administrators are members everywhere"),
            (HOST, &[HOST], true, Some(Guest), "an invited keyless administrator is a guest there"),
            (HOME, &[], true, Some(Member), "keyless administrators are members at home"),
        ];
        for (tenant, guest_of, admin, want, why) in table {
            assert_eq!(
                user_type_in(*tenant, HOME, guest_of, *admin),
                *want,
                "{why}"
            );
        }
    }

    #[test]
    fn user_type_wire_spelling() {
        for t in [Member, Guest] {
            let json = serde_json::to_value(t).unwrap();
            assert_eq!(json, t.as_str());
            assert_eq!(serde_json::from_value::<UserType>(json).unwrap(), t);
            assert_eq!(UserType::parse(&t.as_str().to_ascii_lowercase()), Some(t));
        }
        assert_eq!(UserType::parse("Owner"), None);
    }
}
