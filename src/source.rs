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

/// Bytes between two marks of [`SourceFile::char_marks`].
const CHAR_MARK: usize = 1024;

/// Characters that start in a run of UTF-8 bytes: every byte but continuation bytes.
fn starts_of_chars(bytes: &[u8]) -> u32 {
    clamp_u32(bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count())
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
    /// For a text with other characters than ASCII: how many characters start before each
    /// [`CHAR_MARK`]-th byte, so that a column on a long line is counted from the nearest mark,
    /// not from the line's start (a one-line template with thousands of positions would
    /// otherwise be counted over again for each). Empty for ASCII, where a column is a byte.
    char_marks: Vec<u32>,
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
        let char_marks = if text.is_ascii() {
            Vec::new()
        } else {
            let mut marks = Vec::with_capacity(text.len() / CHAR_MARK + 1);
            let mut chars = 0u32;
            for block in text.as_bytes().chunks(CHAR_MARK) {
                marks.push(chars);
                chars += starts_of_chars(block);
            }
            marks
        };
        SourceFile {
            path,
            disk_path,
            text,
            line_starts,
            char_marks,
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
        let col = self.chars_before(end) - self.chars_before(start) + 1;
        (line as u32 + 1, col)
    }

    /// Characters that start before a byte offset: from the nearest mark below it.
    fn chars_before(&self, offset: usize) -> u32 {
        let bytes = self.text.as_bytes();
        if self.char_marks.is_empty() {
            return clamp_u32(offset);
        }
        let k = offset / CHAR_MARK;
        self.char_marks[k] + starts_of_chars(&bytes[k * CHAR_MARK..offset])
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

/// A region of a file, as every output shows it: lines and columns are 1-based, columns count
/// characters (not bytes). The end is exclusive, as in SARIF: `end_line`/`end_column` is the
/// position just after the region's last character (so a one-character region at 3:5 ends at
/// 3:6, and an empty region starts and ends at the same position).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Region {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Region {
    /// A region of one whole line of a text (`end` just after its last character).
    pub fn whole_line(file: &str, text: &str, line: u32) -> Region {
        let chars = text
            .lines()
            .nth(line.saturating_sub(1) as usize)
            .map_or(0, |l| l.chars().count() as u32);
        Region {
            file: file.to_string(),
            line,
            column: 1,
            end_line: line,
            end_column: chars + 1,
        }
    }

    /// The region of a sentence of prose that starts on `line` of `text`: from its first word
    /// to its last, across line breaks within the paragraph. The sentence is given as the reader
    /// kept it (markup removed, whitespace collapsed); where a word cannot be found as written,
    /// the region falls back to the start, or the end, of the line.
    pub fn of_sentence(file: &str, text: &str, line: u32, sentence: &str) -> Region {
        let mut r = Region::whole_line(file, text, line);
        let start: usize = text
            .split_inclusive('\n')
            .take(line.saturating_sub(1) as usize)
            .map(str::len)
            .sum();
        let first_line = text[start..].lines().next().unwrap_or("");
        let from = sentence
            .split_whitespace()
            .next()
            .and_then(|w| first_line.find(w))
            .unwrap_or(0);
        r.column = first_line[..from].chars().count() as u32 + 1;
        // The paragraph: up to the first blank line.
        let rest = &text[start + from..];
        let para_len = rest.find("\n\n").unwrap_or(rest.len());
        let para = &rest[..para_len];
        // Follow the sentence's words through the paragraph; the region ends after the last one
        // found (a word with markup removed may not be found: it is skipped).
        let mut cursor = 0;
        let mut end = None;
        for w in sentence.split_whitespace() {
            if let Some(at) = para[cursor..].find(w) {
                cursor += at + w.len();
                end = Some(cursor);
            }
        }
        if let Some(e) = end {
            let before = &text[..start + from + e];
            r.end_line = before.matches('\n').count() as u32 + 1;
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            r.end_column = before[line_start..].chars().count() as u32 + 1;
        }
        r
    }

    /// `file:line`, what the terminal shows.
    pub fn file_line(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// Where a fact comes from: the typed origin every location in the report carries.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    /// A region of a source file (Terraform, CloudFormation, a document, the answers file).
    Source(Region),
    /// A resource read from Terraform plan JSON: its address, and the region in the plan file.
    Plan { address: String, region: Region },
    /// A record from another source than a file: reserved for the live AWS account.
    Record(Record),
}

/// A record read from a live source (the AWS account). Nothing produces one yet.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Record {
    pub arn: String,
    /// The AWS region (`eu-west-1`).
    pub aws_region: String,
    /// The API call that returned it (`s3:GetBucketEncryption`).
    pub api_call: String,
    /// When it was read (RFC 3339).
    pub time: String,
}

impl Origin {
    /// The file region, for origins that have one.
    pub fn region(&self) -> Option<&Region> {
        match self {
            Origin::Source(r) | Origin::Plan { region: r, .. } => Some(r),
            Origin::Record(_) => None,
        }
    }

    /// `file:line` (or the ARN of a record), what the terminal shows.
    pub fn short(&self) -> String {
        match self {
            Origin::Record(r) => format!("{} (live account, {} at {})", r.arn, r.api_call, r.time),
            _ => self.region().map(Region::file_line).unwrap_or_default(),
        }
    }
}

/// The JSON of an origin, flattened into the object that carries it: the region's `file`,
/// `line`, `column`, `end_line`, `end_column`; for a plan also `plan_address`; for a record
/// `arn`, `aws_region`, `api_call`, `time`.
impl Serialize for Origin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        if let Some(r) = self.region() {
            m.serialize_entry("file", &r.file)?;
            m.serialize_entry("line", &r.line)?;
            m.serialize_entry("column", &r.column)?;
            m.serialize_entry("end_line", &r.end_line)?;
            m.serialize_entry("end_column", &r.end_column)?;
        }
        match self {
            Origin::Source(_) => {}
            Origin::Plan { address, .. } => m.serialize_entry("plan_address", address)?,
            Origin::Record(r) => {
                m.serialize_entry("arn", &r.arn)?;
                m.serialize_entry("aws_region", &r.aws_region)?;
                m.serialize_entry("api_call", &r.api_call)?;
                m.serialize_entry("time", &r.time)?;
            }
        }
        m.end()
    }
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

    /// The exact region of a span (see [`Region`]).
    pub fn region(&self, span: Span) -> Region {
        let f = self.get(span.file);
        let (line, column) = f.line_col(span.start);
        let (end_line, end_column) = f.line_col(span.end.max(span.start));
        Region {
            file: f.path.clone(),
            line,
            column,
            end_line,
            end_column,
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
    fn regions_end_just_after_their_last_character() {
        let mut sources = Sources::default();
        let id = sources.add(SourceFile::new(
            "a.tf".into(),
            "a.tf".into(),
            "ab\ncdé x\n".into(),
        ));
        // `dé` on line 2: bytes 4..7, characters 2..4.
        let r = sources.region(Span::new(id, 4..7));
        assert_eq!((r.line, r.column, r.end_line, r.end_column), (2, 2, 2, 4));
        // Across the line break.
        let r = sources.region(Span::new(id, 1..4));
        assert_eq!((r.line, r.column, r.end_line, r.end_column), (1, 2, 2, 2));
        let r = sources.region(Span::new(id, 0..0));
        assert_eq!((r.line, r.column, r.end_line, r.end_column), (1, 1, 1, 1));
        assert_eq!(Region::whole_line("d.md", "x\nheé\n", 2).end_column, 4);
        let doc = "# T\n\nIntro. Every route **requires** auth: the\ntoken is checked.\n\nNext.\n";
        let r = Region::of_sentence(
            "d.md",
            doc,
            3,
            "Every route requires auth: the token is checked.",
        );
        assert_eq!((r.line, r.column, r.end_line, r.end_column), (3, 8, 4, 18));
        // Words not found as written are skipped; a word found earlier in the sentence (`token`
        // in `pre-token`) does not end it early.
        let r = Region::of_sentence("d.md", doc, 3, "Every route requires [x].");
        assert_eq!((r.end_line, r.end_column), (3, 30));
        let row = "| pre-token trigger | puts the tenant into the token |\n";
        let r = Region::of_sentence(
            "d.md",
            row,
            1,
            "pre-token trigger | puts the tenant into the token",
        );
        assert_eq!((r.column, r.end_line, r.end_column), (3, 1, 53));
    }

    #[test]
    fn origins_serialise_flat() {
        let region = Region {
            file: "p.json".into(),
            line: 3,
            column: 5,
            end_line: 3,
            end_column: 9,
        };
        let plan = Origin::Plan {
            address: "aws_s3_bucket.a".into(),
            region,
        };
        assert_eq!(
            serde_json::to_string(&plan).unwrap(),
            r#"{"file":"p.json","line":3,"column":5,"end_line":3,"end_column":9,"plan_address":"aws_s3_bucket.a"}"#
        );
        assert_eq!(plan.short(), "p.json:3");
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
