//! Everything vouch prints is formatted here.

pub mod access;
pub mod alerts;
pub mod diagnostics;
pub mod drift;
pub mod explain;
pub mod html;
pub mod inventory;
pub mod junit;
pub mod markdown;
pub mod mermaid;
pub mod otm;
pub mod paths;
pub mod sarif;
pub mod scan;
pub mod svg;
pub mod systems;
pub mod threat_composer;
