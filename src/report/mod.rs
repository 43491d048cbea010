//! Everything vouch prints is formatted here.

pub mod diagnostics;
pub mod inventory;
