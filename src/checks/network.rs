//! network checks.

use super::Check;

pub(super) fn checks() -> Vec<Check> {
    Vec::new()
}
