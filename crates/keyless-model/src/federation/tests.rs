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
    let subject = first_difference(
        &near,
        &presented("https://i", "sc://org/Proj/conn", &auds),
        "presented",
    );
    let expected = serde_json::json!({
        "field": "subject",
        "at": 9,
        "configured": "proj/conn",
        "presented": "Proj/conn",
    });
    assert_eq!(subject, expected);
    assert_eq!(subject.to_string(), expected.to_string());

    // The issuer is reported before the subject; characters, not bytes, are counted.
    let issuer = first_difference(
        &near,
        &presented("https://ï/a-long-issuer-path", "x", &auds),
        "expected",
    );
    let expected = serde_json::json!({
        "field": "issuer",
        "at": 8,
        "configured": "i",
        "expected": "ï/a-long-iss",
    });
    assert_eq!(issuer.to_string(), expected.to_string());

    // One value a prefix of the other: the difference is where the shorter one ends.
    let prefix = first_difference(
        &near,
        &presented("https://i", "sc://org", &auds),
        "presented",
    );
    assert_eq!(prefix["at"], 8);
    assert_eq!(prefix["configured"], "/proj/conn");
    assert_eq!(prefix["presented"], "");

    // A flexible credential has no subject: compared as empty.
    let mut flexible = near.clone();
    flexible.subject = None;
    let none = first_difference(
        &flexible,
        &presented("https://i", "sub", &auds),
        "presented",
    );
    assert_eq!(none["at"], 0);
    assert_eq!(none["configured"], "");
    assert_eq!(none["presented"], "sub");
}
