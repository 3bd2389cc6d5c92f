//! The compile-time expression language of `${{ }}`.

/// A number as Azure Pipelines writes it in text: whole numbers without a decimal point.
pub fn number_text(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        format!("{n}")
    }
}
