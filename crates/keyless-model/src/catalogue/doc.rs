//! `docs/ERRORS.md`, generated from the catalogue so the document cannot drift from the code.

use super::{Entry, Plane, all};

fn title(p: Plane) -> &'static str {
    match p {
        Plane::Entra => "Token endpoint (Entra)",
        Plane::Arm => "Azure Resource Manager and Microsoft Graph",
        Plane::DevOps => "Azure DevOps",
        Plane::Pipeline => "Pipeline-side messages (recognised by `keyless explain`)",
    }
}

fn code(e: &Entry) -> String {
    if e.plane == Plane::Entra {
        format!("AADSTS{}", e.code)
    } else {
        e.code.to_string()
    }
}

/// The whole document, one section per plane, one entry per code.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Error catalogue\n\nGenerated from `crates/keyless-model/src/catalogue/entries.rs` and `lint.rs` \
         (regenerate with `KEYLESS_BLESS=1 cargo test -p keyless-model errors_md_is_current`). \
         `keyless explain <code or message>` prints the same entries.\n",
    );
    for plane in [Plane::Entra, Plane::Arm, Plane::DevOps, Plane::Pipeline] {
        out.push_str(&format!("\n## {}\n", title(plane)));
        for e in all().filter(|e| e.plane == plane) {
            out.push_str(&format!("\n### {}\n\n", code(e)));
            if e.status != 0 {
                out.push_str(&format!("- status {}, `{}`\n", e.status, e.error));
            }
            out.push_str(&format!("- message: `{}`\n", e.template.replace('`', "'")));
            if !e.patterns.is_empty() {
                let shown: Vec<String> = e
                    .patterns
                    .iter()
                    .map(|p| format!("`{}`", p.replace("&&", "` with `")))
                    .collect();
                out.push_str(&format!(
                    "- recognised in pasted text: {}\n",
                    shown.join("; ")
                ));
            }
            out.push_str(&format!(
                "- cause: {}\n- checks: {}\n- fix: {}\n",
                e.cause, e.checks, e.fix
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    /// `docs/ERRORS.md` must equal what the catalogue generates; `KEYLESS_BLESS=1` rewrites it.
    #[test]
    fn errors_md_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/ERRORS.md");
        let generated = super::markdown();
        if std::env::var("KEYLESS_BLESS").is_ok_and(|v| v == "1") {
            std::fs::write(&path, &generated).expect("write docs/ERRORS.md");
            return;
        }
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == generated,
            "docs/ERRORS.md is stale: run KEYLESS_BLESS=1 cargo test -p keyless-model errors_md_is_current"
        );
    }
}
