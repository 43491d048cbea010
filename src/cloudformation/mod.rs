//! CloudFormation and SAM templates into the model.

use crate::diagnostics::Diagnostic;
use crate::load::Loaded;
use crate::model::Model;

/// `--parameter NAME=VALUE` overrides.
#[derive(Debug, Clone, Default)]
pub struct ParamOptions {
    pub parameters: Vec<(String, String)>,
}

/// Lowers every CloudFormation template into `model`.
pub fn lower(
    _loaded: &Loaded,
    _options: &ParamOptions,
    _model: &mut Model,
    _diagnostics: &mut Vec<Diagnostic>,
) {
}
