//! Everything vouch prints is formatted here.

pub mod access;
pub mod diagnostics;
pub mod drift;
pub mod explain;
pub mod inventory;
pub mod paths;
pub mod scan;
pub mod systems;
