//! `docs/ERRORS.md` must equal what the catalogue generates; `KEYLESS_BLESS=1` rewrites it.

#[test]
fn errors_md_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/ERRORS.md");
    let generated = keyless_model::catalogue::markdown();
    if std::env::var("KEYLESS_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write docs/ERRORS.md");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "docs/ERRORS.md is stale: run KEYLESS_BLESS=1 cargo test -p keyless-model --test errors_doc"
    );
}
