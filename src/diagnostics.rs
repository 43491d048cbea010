//! Diagnostics about the inputs: files that could not be read or parsed, references that could
//! not be followed. Rendering (miette, JSON) lives in `report/`.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The file, or part of it, could not be read: the scan's exit status is 2.
    Error,
    /// Something was read but not fully understood.
    Warning,
}

/// One problem with the input, located by path, line and column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub severity: Severity,
    /// A stable machine-readable code (`parse-error`, `file-too-large`, …).
    pub code: &'static str,
    pub message: String,
    /// One line telling the user what to do.
    pub hint: String,
    /// Byte offset in the file, for the snippet.
    #[serde(skip)]
    pub offset: u32,
}

impl Diagnostic {
    pub fn error(path: &str, code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            path: path.to_string(),
            line: 0,
            column: 0,
            severity: Severity::Error,
            code,
            message: message.into(),
            hint: String::new(),
            offset: 0,
        }
    }

    pub fn warning(path: &str, code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, code, message)
        }
    }

    pub fn at(mut self, line: usize, column: usize, offset: usize) -> Diagnostic {
        self.line = line as u32;
        self.column = column as u32;
        self.offset = offset as u32;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = hint.into();
        self
    }
}
