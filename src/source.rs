//! The file store: every file vouch read, with its text and line starts.
//!
//! Every span in the model is a [`Span`]: a file id plus a byte range. Line and column are
//! computed here, once, so the terminal diagnostic, the JSON report and (later) SARIF can never
//! disagree about where something is.

use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: std::ops::Range<usize>) -> Span {
        Span {
            file,
            start: clamp_u32(range.start),
            end: clamp_u32(range.end.max(range.start)),
        }
    }

    /// A span covering the whole file start (used when a value has no finer location).
    pub fn file_start(file: FileId) -> Span {
        Span {
            file,
            start: 0,
            end: 0,
        }
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// One file: its path relative to the scanned root, its text and where each line starts.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the scan root, with `/` separators (what reports show).
    pub path: String,
    /// Path on disk.
    pub disk_path: PathBuf,
    pub text: Arc<str>,
    line_starts: Vec<u32>,
    /// Length of the text, kept when the text itself is released.
    len: u32,
    /// The text was ASCII and has been released: columns are byte offsets.
    released: bool,
}

impl SourceFile {
    pub fn new(path: String, disk_path: PathBuf, text: Arc<str>) -> SourceFile {
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(clamp_u32(i + 1));
            }
        }
        let len = clamp_u32(text.len());
        SourceFile {
            path,
            disk_path,
            text,
            line_starts,
            len,
            released: false,
        }
    }

    /// Frees the text of an ASCII file once it has been lowered: lines and columns stay exact
    /// (in ASCII a column is a byte offset), and on large trees the text is a tenth of the
    /// memory. Files with other characters keep their text.
    pub fn release_text(&mut self) {
        if !self.released && self.text.is_ascii() {
            self.text = Arc::from("");
            self.released = true;
        }
    }

    /// Whether the text is still held (a snippet can be shown).
    pub fn has_text(&self) -> bool {
        !self.released
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let offset = offset.min(self.len);
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        if self.released {
            return (line as u32 + 1, offset - self.line_starts[line] + 1);
        }
        let start = self.line_starts[line] as usize;
        let mut end = offset as usize;
        while end > start && !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let col = self.text[start..end].chars().count() as u32 + 1;
        (line as u32 + 1, col)
    }

    /// Byte offset of a one-based line and column (columns in characters).
    pub fn offset_of(&self, line: u32, col: u32) -> u32 {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1) as usize) else {
            return clamp_u32(self.text.len());
        };
        let rest = &self.text[start as usize..];
        let skip: usize = rest
            .chars()
            .take(col.saturating_sub(1) as usize)
            .map(char::len_utf8)
            .sum();
        start + clamp_u32(skip)
    }
}

/// A resolved location: what reports print.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
}

/// All files read during one scan, indexed by [`FileId`].
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId((self.files.len() - 1) as u32)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Releases the text of every file for which `release` says so (see [`SourceFile::release_text`]).
    pub fn release_texts(&mut self, release: impl Fn(FileId, &SourceFile) -> bool) {
        for (i, f) in self.files.iter_mut().enumerate() {
            if release(FileId(i as u32), f) {
                f.release_text();
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn find(&self, disk_path: &Path) -> Option<FileId> {
        self.iter()
            .find(|(_, f)| f.disk_path == disk_path)
            .map(|(id, _)| id)
    }

    pub fn locate(&self, span: Span) -> Location {
        let f = self.get(span.file);
        let (line, column) = f.line_col(span.start);
        let (end_line, _) = f.line_col(span.end.saturating_sub(1).max(span.start));
        Location {
            file: f.path.clone(),
            line,
            column,
            end_line,
        }
    }
}

/// How reports show a path given on the command line: relative to the scanned root (with `../`
/// when it lies outside it) and with `/` separators, so that the same tree gives the same report
/// from any working directory. A path that cannot be resolved is shown as given.
pub fn shown_path(root: &Path, path: &Path) -> String {
    let as_given = || path.to_string_lossy().replace('\\', "/");
    let base = if root.is_file() {
        root.parent().unwrap_or(root)
    } else {
        root
    };
    let (Ok(base), Ok(target)) = (base.canonicalize(), path.canonicalize()) else {
        return as_given();
    };
    let b: Vec<_> = base.components().collect();
    let t: Vec<_> = target.components().collect();
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return as_given();
    }
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_string(), b.len() - common).collect();
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_paths_are_relative_to_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("infra");
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::create_dir_all(dir.path().join("docs")).unwrap();
        std::fs::write(root.join("docs/a.md"), "").unwrap();
        std::fs::write(dir.path().join("docs/b.md"), "").unwrap();
        assert_eq!(shown_path(&root, &root.join("docs/a.md")), "docs/a.md");
        assert_eq!(
            shown_path(&root, &dir.path().join("docs/b.md")),
            "../docs/b.md"
        );
        assert_eq!(
            shown_path(&root, Path::new("/no/such/file.md")),
            "/no/such/file.md"
        );
    }

    #[test]
    fn line_and_column_of_offsets() {
        let f = SourceFile::new("a.tf".into(), "a.tf".into(), "ab\ncdé\n\nx".into());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(5), (2, 3));
        assert_eq!(f.line_col(8), (3, 1));
        assert_eq!(f.line_col(9), (4, 1));
        assert_eq!(f.line_col(1000), (4, 2));
        assert_eq!(f.offset_of(2, 3), 5);
    }

    #[test]
    fn released_ascii_text_keeps_lines_and_columns() {
        let mut f = SourceFile::new("a.tf".into(), "a.tf".into(), "ab\ncd\n".into());
        let before: Vec<_> = (0..7).map(|o| f.line_col(o)).collect();
        f.release_text();
        assert!(!f.has_text());
        let after: Vec<_> = (0..7).map(|o| f.line_col(o)).collect();
        assert_eq!(before, after);
        let mut g = SourceFile::new("b.tf".into(), "b.tf".into(), "é\n".into());
        g.release_text();
        assert!(g.has_text());
    }
}
