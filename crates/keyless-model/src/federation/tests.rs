use super::*;
use crate::testing::fic;

fn run(fics: &[FederatedCredential], iss: &str, sub: &str, aud: &str) -> Result<(), &'static str> {
    let auds = vec![aud.to_string()];
    let p = Presented {
        issuer: iss,
        subject: sub,
        audiences: &auds,
    };
    match_credential(fics, &p, "app", "name", |_| false)
        .map(|_| ())
        .map_err(|r| r.code())
}

#[test]
fn guid_encoding_matches_dotnet() {
    let id = Uuid::parse_str("ff882432-09b0-437b-bd22-ca13c0037ded").unwrap();
    assert_eq!(guid_b64url(id), "MiSI_7AJe0O9IsoTwAN97Q");
    let ado = Uuid::parse_str(AZURE_DEVOPS_APP_ID).unwrap();
    assert_eq!(guid_b64url(ado), "rISbSSETf0KqFyZ8ppdXmA");
}

#[test]
fn entra_subject_shape() {
    let t = Uuid::parse_str("ff882432-09b0-437b-bd22-ca13c0037ded").unwrap();
    let o = Uuid::nil();
    let s = entra_subject(crate::directory::Cloud::Public, t, o, o);
    assert_eq!(
        s,
        format!("/eid1/c/pub/t/MiSI_7AJe0O9IsoTwAN97Q/a/rISbSSETf0KqFyZ8ppdXmA/sc/{o}/{o}")
    );
}

#[test]
fn exact_match_succeeds_with_either_audience_spelling() {
    let f = [fic("https://i", "s", TOKEN_EXCHANGE_AUDIENCE)];
    assert_eq!(run(&f, "https://i", "s", TOKEN_EXCHANGE_AUDIENCE), Ok(()));
    assert_eq!(run(&f, "https://i", "s", ENTRA_PIPELINE_AUDIENCE), Ok(()));
}

#[test]
fn no_credentials_is_70025() {
    assert_eq!(
        run(&[], "https://i", "s", TOKEN_EXCHANGE_AUDIENCE),
        Err("70025")
    );
}

/// A credential of issuer `https://i` and a token that it does not match, one case a row:
/// (case, the credential's subject, the token's issuer, subject and audience, error code).
#[test]
fn mismatches_have_their_codes() {
    let ex = TOKEN_EXCHANGE_AUDIENCE;
    #[rustfmt::skip]
    let cases = [
        ("wrong issuer", "s", "https://i/", "s", ex, "700211"),
        ("wrong subject", "sc://o/p/c", "https://i", "sc://o/p/d", ex, "700213"),
        ("case-only subject", "sc://o/p/c", "https://i", "sc://O/p/c", ex, "7002138"),
        ("wrong audience", "s", "https://i", "s", "api://other", "70021"),
    ];
    for (case, configured, iss, sub, aud, code) in cases {
        let f = [fic("https://i", configured, TOKEN_EXCHANGE_AUDIENCE)];
        assert_eq!(run(&f, iss, sub, aud), Err(code), "{case}");
    }
}

#[test]
fn fic_field_rules() {
    let one = vec![TOKEN_EXCHANGE_AUDIENCE.to_string()];
    assert!(validate_fic_fields("https://i", Some("s"), &one, false).is_ok());
    assert!(validate_fic_fields("https://i", Some("s"), &[], false).is_err());
    assert!(
        validate_fic_fields("https://i", Some("s"), &[one[0].clone(), "x".into()], false).is_err()
    );
    assert!(validate_fic_fields("http://i", Some("s"), &one, false).is_err());
    assert!(validate_fic_fields("https://i", Some(&"s".repeat(601)), &one, false).is_err());
    assert!(validate_fic_fields("https://i", None, &one, false).is_err());
    assert!(validate_fic_name("ab").is_err());
    assert!(validate_fic_name("-abc").is_err());
    assert!(validate_fic_name("a b c").is_err());
    assert!(validate_fic_name("my-cred_1").is_ok());
}

fn presented<'a>(iss: &'a str, sub: &'a str, auds: &'a [String]) -> Presented<'a> {
    Presented {
        issuer: iss,
        subject: sub,
        audiences: auds,
    }
}

#[test]
fn first_difference_points_at_the_first_differing_character() {
    let auds = vec![TOKEN_EXCHANGE_AUDIENCE.to_string()];
    let near = fic("https://i", "sc://org/proj/conn", TOKEN_EXCHANGE_AUDIENCE);
    let mut flexible = near.clone();
    flexible.subject = None;
    // (why, credential, presented issuer and subject, the side's name, and the difference:
    // field, at, configured, the side's value).
    #[rustfmt::skip]
    let cases = [
        ("a subject differing in case",
            &near, "https://i", "sc://org/Proj/conn", "presented", "subject", 9, "proj/conn", "Proj/conn"),
        ("the issuer is reported before the subject; characters, not bytes, are counted",
            &near, "https://ï/a-long-issuer-path", "x", "expected", "issuer", 8, "i", "ï/a-long-iss"),
        ("one value a prefix of the other: the difference is where the shorter one ends",
            &near, "https://i", "sc://org", "presented", "subject", 8, "/proj/conn", ""),
        ("a flexible credential has no subject: compared as empty",
            &flexible, "https://i", "sub", "presented", "subject", 0, "", "sub"),
    ];
    for (why, credential, issuer, subject, side, field, at, configured, value) in cases {
        let got = first_difference(credential, &presented(issuer, subject, &auds), side);
        let mut expected = serde_json::json!({"field": field, "at": at, "configured": configured});
        expected[side] = value.into();
        assert_eq!(got, expected, "{why}");
        // The fields in this order.
        assert_eq!(got.to_string(), expected.to_string(), "{why}");
    }
}
