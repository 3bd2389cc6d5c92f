use super::*;

fn fic(issuer: &str, subject: &str, aud: &str) -> FederatedCredential {
    FederatedCredential {
        id: Uuid::new_v4(),
        parent_id: Uuid::nil(),
        name: "c1".into(),
        issuer: issuer.into(),
        subject: Some(subject.into()),
        audiences: vec![aud.into()],
        description: None,
        claims_matching_expression: None,
        created_at: 0,
    }
}

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

#[test]
fn wrong_issuer_is_700211() {
    let f = [fic("https://i", "s", TOKEN_EXCHANGE_AUDIENCE)];
    assert_eq!(
        run(&f, "https://i/", "s", TOKEN_EXCHANGE_AUDIENCE),
        Err("700211")
    );
}

#[test]
fn wrong_subject_is_700213() {
    let f = [fic("https://i", "sc://o/p/c", TOKEN_EXCHANGE_AUDIENCE)];
    assert_eq!(
        run(&f, "https://i", "sc://o/p/d", TOKEN_EXCHANGE_AUDIENCE),
        Err("700213")
    );
}

#[test]
fn case_only_subject_is_7002138() {
    let f = [fic("https://i", "sc://o/p/c", TOKEN_EXCHANGE_AUDIENCE)];
    assert_eq!(
        run(&f, "https://i", "sc://O/p/c", TOKEN_EXCHANGE_AUDIENCE),
        Err("7002138")
    );
}

#[test]
fn wrong_audience_is_70021() {
    let f = [fic("https://i", "s", TOKEN_EXCHANGE_AUDIENCE)];
    assert_eq!(run(&f, "https://i", "s", "api://other"), Err("70021"));
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
