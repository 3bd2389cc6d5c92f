//! fsloader
