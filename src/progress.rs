//! Progress of a long scan, for a person to watch. The library says which step it is in and
//! how many of its items are done; the command line decides whether and how to show it (a bar
//! on standard error when that is a terminal, nothing otherwise). Nothing is shown unless a
//! display is installed, so the library and its tests print nothing.

use std::sync::OnceLock;

/// A display of progress.
pub trait Progress: Send + Sync {
    /// A step begins: what it does (`reading files`) and how many items it has (0: unknown).
    fn step(&self, what: &'static str, total: u64);
    /// `n` more items of the current step are done (called from any thread).
    fn advance(&self, n: u64);
    /// The work is done: the display is removed before the report is printed.
    fn finish(&self);
}

static DISPLAY: OnceLock<Box<dyn Progress>> = OnceLock::new();

/// Installs the display for the rest of the process (the first one installed stays).
pub fn show_with(display: Box<dyn Progress>) {
    let _ = DISPLAY.set(display);
}

/// A step begins.
pub fn step(what: &'static str, total: usize) {
    if let Some(d) = DISPLAY.get() {
        d.step(what, total as u64);
    }
}

/// One more item of the current step is done.
pub fn advance() {
    if let Some(d) = DISPLAY.get() {
        d.advance(1);
    }
}

/// Removes the display; the next step shows it again.
pub fn finish() {
    if let Some(d) = DISPLAY.get() {
        d.finish();
    }
}

/// Advances the current step when dropped: one item done however its closure returns.
pub struct Done;

impl Drop for Done {
    fn drop(&mut self) {
        advance();
    }
}
