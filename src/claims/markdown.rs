//! Markdown into sentences, with pulldown-cmark.
//!
//! Prose comes from paragraphs, list items, block quotes and table rows (a body row is one
//! sentence, its cells joined by ` | `). Headings are not prose: they set the section of what
//! follows. Code blocks, HTML, images, struck-through text, front matter and unchecked task-list
//! items (`- [ ] enforce MFA` is a to-do, not a fact) are left out.

use super::text::{fold, split_sentences, tokenize};
use super::{Document, Sentence};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::ops::Range;

/// Documents are read up to this many bytes (cut at a line end): an architecture document is a
/// few dozen kilobytes, and this keeps the work on hostile input bounded.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// At most this many components are collected from one document.
pub const MAX_COMPONENTS: usize = 500;
/// Component names longer than this (in bytes) are not names.
const MAX_COMPONENT_LEN: usize = 80;

/// Nouns that end a component's name in running text: "the report worker", "the data key".
pub(crate) const NAME_NOUNS: &[&str] = &[
    "function", "role", "table", "bucket", "queue", "key", "api", "trigger", "handler", "worker",
];

/// Words that cannot be part of a component's name between "the" and its noun: determiners,
/// pronouns and adjectives that describe rather than name ("the same data key", "the default
/// AWS-owned key").
#[rustfmt::skip]
const NOT_NAME_WORDS: &[&str] = &[
    "a", "an", "the", "this", "that", "these", "those", "its", "their", "our", "your", "his",
    "her", "my", "same", "own", "other", "another", "default", "each", "every", "all", "any",
    "some", "one", "only", "new", "first", "single", "given", "whole", "entire", "and", "or",
    "of", "to", "in", "on", "for", "with", "by", "from", "at", "as", "is", "are", "was", "be",
    "not", "no", "which", "whose", "corresponding", "relevant", "respective", "appropriate",
    "existing", "owned", "provided", "organization", "cloudtrail", "shared", "dedicated",
];

/// Words that name a kind of thing, not a thing: "the Lambda function", "the KMS key" and "the
/// IAM role" are not components.
#[rustfmt::skip]
const GENERIC_WORDS: &[&str] = &[
    "lambda", "aws", "amazon", "cognito", "dynamodb", "s3", "sqs", "sns", "kms", "iam",
    "execution", "service", "api", "rest", "http", "gateway", "customer", "managed",
    "encryption",
];

/// Heading words that mark a README section as architecture.
#[rustfmt::skip]
const README_WORDS: &[&str] = &[
    "architecture", "architectural", "design", "security", "secure", "infrastructure",
    "network", "networking", "identity", "access", "iam", "authentication", "authorization",
    "auth", "tenancy", "tenant", "tenants", "encryption",
];

pub(crate) fn read(path: &str, text: &str, readme: bool) -> Document {
    let text = bounded(text);
    let lines = LineIndex::new(text);
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    let mut r = Reader {
        lines: &lines,
        readme,
        sentences: Vec::new(),
        components: Vec::new(),
        headings: Vec::new(),
        title_seen: false,
        heading: None,
        buf: Buf::default(),
        skip: 0,
        items: Vec::new(),
        item_blocks: Vec::new(),
        table: None,
        blocks: 0,
    };
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        r.event(event, range);
    }
    r.flush();
    Document {
        path: path.to_string(),
        sentences: r.sentences,
        components: distinct(r.components),
    }
}

/// Sorted, deduplicated component names; of names that differ only by service words ("report-jobs
/// SQS queue", "report-jobs queue"), the shortest.
fn distinct(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names.dedup();
    let key = |name: &str| -> String {
        let words: Vec<String> = tokenize(name)
            .into_iter()
            .map(|t| fold(&t.word).to_string())
            .filter(|w| !GENERIC_WORDS.contains(&w.as_str()))
            .collect();
        if words.is_empty() {
            name.to_string()
        } else {
            words.join(" ")
        }
    };
    let mut best: std::collections::BTreeMap<String, String> = Default::default();
    for name in names {
        let k = key(&name);
        let shorter =
            |old: &String| (name.split(' ').count(), &name) < (old.split(' ').count(), old);
        if best.get(&k).is_none_or(shorter) {
            best.insert(k, name);
        }
    }
    let mut out: Vec<String> = best.into_values().collect();
    out.sort();
    out.truncate(MAX_COMPONENTS);
    out
}

/// The text up to [`MAX_DOCUMENT_BYTES`], cut at a line end.
fn bounded(text: &str) -> &str {
    if text.len() <= MAX_DOCUMENT_BYTES {
        return text;
    }
    let mut cut = MAX_DOCUMENT_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    match text[..cut].rfind('\n') {
        Some(nl) => &text[..nl + 1],
        None => &text[..cut],
    }
}

struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line of a byte offset.
    fn line(&self, offset: usize) -> u32 {
        let i = self.starts.partition_point(|&s| s <= offset);
        u32::try_from(i.max(1)).unwrap_or(u32::MAX)
    }
}

/// Prose being gathered for one block, with where each piece came from.
#[derive(Default)]
struct Buf {
    text: String,
    /// (offset in `text`, source byte range) of each piece of text, in order.
    pieces: Vec<(usize, Range<usize>)>,
    /// Inline code in `text`: sentences do not end inside it.
    code: Vec<Range<usize>>,
}

impl Buf {
    /// Appends text, collapsing whitespace.
    fn push(&mut self, s: &str, source: Range<usize>, code: bool) {
        let begin = self.text.len();
        let mut recorded = false;
        for c in s.chars() {
            if c.is_whitespace() {
                if !self.text.is_empty() && !self.text.ends_with(' ') {
                    self.text.push(' ');
                }
                continue;
            }
            if !recorded {
                self.pieces.push((self.text.len(), source.clone()));
                recorded = true;
            }
            self.text.push(c);
        }
        if code && self.text.len() > begin {
            self.code.push(begin..self.text.len());
        }
    }

    fn space(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with(' ') {
            self.text.push(' ');
        }
    }

    /// The source offset of a position in `text`.
    fn source_offset(&self, pos: usize) -> Option<usize> {
        let i = self.pieces.partition_point(|(at, _)| *at <= pos);
        let (at, range) = self.pieces.get(i.checked_sub(1)?)?;
        Some((range.start + (pos - at)).min(range.end.max(range.start)))
    }
}

struct Table {
    /// The first header cell says "component(s)": the first column names components.
    components: bool,
    /// The header's cells.
    headers: Vec<String>,
    in_head: bool,
    cells: Vec<String>,
    cell: String,
    /// The inline code of the row so far, in order: where the row's text has names
    /// (`` `dedupe` ``).
    code: Vec<String>,
    row_start: usize,
}

struct Reader<'a> {
    lines: &'a LineIndex,
    readme: bool,
    sentences: Vec<Sentence>,
    components: Vec<String>,
    /// Open headings, outermost first: (level, text).
    headings: Vec<(HeadingLevel, String)>,
    /// The first heading was seen (a first-level first heading is the document's title, not a section).
    title_seen: bool,
    /// The heading being read.
    heading: Option<(HeadingLevel, String, bool)>,
    buf: Buf,
    /// Depth inside content that is left out (code, HTML, images, strikethrough, front matter).
    skip: u32,
    /// Open list items: whether each is an unchecked task.
    items: Vec<bool>,
    /// The block of each open list item's own text (0 before it has any).
    item_blocks: Vec<u32>,
    table: Option<Table>,
    /// How many blocks were read so far ([`Sentence::block`]).
    blocks: u32,
}

impl Reader<'_> {
    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        match event {
            Event::Start(tag) => self.start(tag, range),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => self.text(&t, range, false),
            Event::Code(t) => self.text(&t, range, true),
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, h, _)) = &mut self.heading {
                    h.push(' ');
                } else if let Some(t) = &mut self.table {
                    t.cell.push(' ');
                } else {
                    self.buf.space();
                }
            }
            Event::TaskListMarker(checked) => {
                if let Some(last) = self.items.last_mut() {
                    *last = !checked;
                }
            }
            Event::Rule => self.flush(),
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>, range: Range<usize>) {
        match tag {
            Tag::CodeBlock(_)
            | Tag::HtmlBlock
            | Tag::MetadataBlock(_)
            | Tag::Image { .. }
            | Tag::Strikethrough => {
                if matches!(
                    tag,
                    Tag::CodeBlock(_) | Tag::HtmlBlock | Tag::MetadataBlock(_)
                ) {
                    self.flush();
                }
                self.skip = self.skip.saturating_add(1);
            }
            Tag::Heading { level, .. } => {
                self.flush();
                let title = !self.title_seen && level == HeadingLevel::H1;
                self.title_seen = true;
                self.heading = Some((level, String::new(), title));
            }
            Tag::Item => {
                self.flush();
                self.items.push(false);
                self.item_blocks.push(0);
            }
            Tag::Table(_) => {
                self.flush();
                self.table = Some(Table {
                    components: false,
                    headers: Vec::new(),
                    in_head: false,
                    cells: Vec::new(),
                    cell: String::new(),
                    code: Vec::new(),
                    row_start: range.start,
                });
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some(t) = &mut self.table {
                    t.in_head = matches!(tag, Tag::TableHead);
                    t.cells.clear();
                    t.row_start = range.start;
                }
            }
            Tag::TableCell => {
                if let Some(t) = &mut self.table {
                    t.cell.clear();
                }
            }
            Tag::Paragraph
            | Tag::BlockQuote(_)
            | Tag::List(_)
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition => self.flush(),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::CodeBlock
            | TagEnd::HtmlBlock
            | TagEnd::MetadataBlock(_)
            | TagEnd::Image
            | TagEnd::Strikethrough => self.skip = self.skip.saturating_sub(1),
            TagEnd::Heading(_) => {
                if let Some((level, text, title)) = self.heading.take() {
                    if !title {
                        while self.headings.last().is_some_and(|(l, _)| *l >= level) {
                            self.headings.pop();
                        }
                        self.headings.push((level, collapse(&text)));
                    }
                }
            }
            TagEnd::Item => {
                self.flush();
                self.items.pop();
                self.item_blocks.pop();
            }
            TagEnd::TableCell => {
                if let Some(t) = &mut self.table {
                    let cell = collapse(&t.cell);
                    t.cells.push(cell);
                }
            }
            TagEnd::TableHead => self.table_head(),
            TagEnd::TableRow => self.table_row(),
            TagEnd::Table => self.table = None,
            TagEnd::Paragraph
            | TagEnd::BlockQuote(_)
            | TagEnd::List(_)
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition => self.flush(),
            _ => {}
        }
    }

    fn text(&mut self, t: &str, range: Range<usize>, code: bool) {
        if self.skip > 0 {
            return;
        }
        if let Some((_, h, _)) = &mut self.heading {
            h.push_str(t);
        } else if let Some(table) = &mut self.table {
            table.cell.push_str(t);
            if code && !t.trim().is_empty() {
                table.code.push(collapse(t));
            }
        } else {
            self.buf.push(t, range, code);
        }
    }

    fn section(&self) -> String {
        let names: Vec<&str> = self.headings.iter().map(|(_, h)| h.as_str()).collect();
        names.join(" > ")
    }

    /// In a README, only architecture sections count.
    fn kept(&self) -> bool {
        !self.readme || self.headings.iter().any(|(_, h)| architecture_heading(h))
    }

    fn flush(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        if buf.text.trim().is_empty() || !self.kept() || self.items.iter().any(|todo| *todo) {
            return;
        }
        let section = self.section();
        self.blocks = self.blocks.saturating_add(1);
        let parent = match self.item_blocks.len() {
            n if n >= 2 => self.item_blocks[n - 2],
            _ => 0,
        };
        if let Some(own) = self.item_blocks.last_mut() {
            *own = self.blocks;
        }
        for r in split_sentences(&buf.text, &buf.code) {
            let line = buf.source_offset(r.start).map_or(1, |o| self.lines.line(o));
            let code = buf
                .code
                .iter()
                .filter(|c| c.start >= r.start && c.end <= r.end)
                .map(|c| c.start - r.start..c.end - r.start)
                .collect();
            let text = buf.text[r].to_string();
            self.name_phrases(&text);
            self.sentences.push(Sentence {
                line,
                text,
                section: section.clone(),
                code,
                cells: Vec::new(),
                block: self.blocks,
                parent,
            });
        }
    }

    fn table_head(&mut self) {
        if let Some(t) = &mut self.table {
            let first = t.cells.first().map(|c| c.to_lowercase());
            t.components = matches!(first.as_deref(), Some("component" | "components"));
            t.headers = std::mem::take(&mut t.cells);
            t.in_head = false;
            t.cells.clear();
            t.code.clear();
        }
    }

    fn table_row(&mut self) {
        let Some(t) = &mut self.table else { return };
        if t.in_head {
            return;
        }
        let cells = std::mem::take(&mut t.cells);
        let code_texts = std::mem::take(&mut t.code);
        let with_headers: Vec<(String, String)> = cells
            .iter()
            .enumerate()
            .map(|(k, c)| (t.headers.get(k).cloned().unwrap_or_default(), c.clone()))
            .collect();
        let row_start = t.row_start;
        let components = t.components;
        if !self.kept() {
            return;
        }
        if components {
            if let Some(first) = cells.first() {
                for name in first.split(['/', ',']) {
                    self.add_component(name);
                }
            }
        }
        let text = cells
            .iter()
            .filter(|c| !c.is_empty())
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" | ");
        if text.is_empty() {
            return;
        }
        self.name_phrases(&text);
        self.blocks = self.blocks.saturating_add(1);
        // Each piece of code where it stands in the joined text, in order.
        let mut code = Vec::new();
        let mut from = 0;
        for piece in &code_texts {
            if let Some(at) = text.get(from..).and_then(|rest| rest.find(piece.as_str())) {
                code.push(from + at..from + at + piece.len());
                from += at + piece.len();
            }
        }
        self.sentences.push(Sentence {
            line: self.lines.line(row_start),
            text,
            section: self.section(),
            code,
            cells: with_headers,
            block: self.blocks,
            parent: 0,
        });
    }

    fn add_component(&mut self, name: &str) {
        let name = collapse(&name.to_lowercase());
        let name = name
            .trim_start_matches(|c: char| !c.is_alphanumeric())
            .trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '}'));
        if name.is_empty()
            || name.len() > MAX_COMPONENT_LEN
            || self.components.len() >= MAX_COMPONENTS * 4
        {
            return;
        }
        self.components.push(name.to_string());
    }

    /// Components named in running text: "the `<name words>` `<noun>`", one to three name words
    /// ([`NAME_NOUNS`], [`NOT_NAME_WORDS`], [`GENERIC_WORDS`]), and API routes ("POST /invoices").
    fn name_phrases(&mut self, text: &str) {
        self.routes(text);
        let tokens = tokenize(text);
        for (i, noun) in tokens.iter().enumerate() {
            if !NAME_NOUNS.contains(&noun.word.as_str()) {
                continue;
            }
            let mut k = i;
            let mut found = None;
            while k > 0 && i - k < 4 {
                k -= 1;
                let t = &tokens[k];
                if t.clause != noun.clause {
                    break;
                }
                if t.word == "the" {
                    if k + 1 < i {
                        found = Some(k + 1);
                    }
                    break;
                }
                if t.possessive || NOT_NAME_WORDS.contains(&t.word.as_str()) {
                    break;
                }
            }
            let Some(first) = found else { continue };
            if tokens[first..i]
                .iter()
                .all(|t| GENERIC_WORDS.contains(&t.word.as_str()))
            {
                continue;
            }
            // Service words between the name and its noun say what it is, not which one:
            // "the order-events S3 bucket" is the `order-events` bucket.
            let mut last = i;
            while last > first + 1 && GENERIC_WORDS.contains(&tokens[last - 1].word.as_str()) {
                last -= 1;
            }
            let mut name = if last < i {
                format!(
                    "{} {}",
                    &text[tokens[first].span.start..tokens[last - 1].span.end],
                    &text[noun.span.clone()]
                )
            } else {
                text[tokens[first].span.start..noun.span.end].to_string()
            };
            if noun.possessive {
                for suffix in ["'s", "’s"] {
                    if let Some(stem) = name.strip_suffix(suffix) {
                        name = stem.to_string();
                    }
                }
            }
            self.add_component(&name);
        }
    }
}

impl Reader<'_> {
    /// API routes: an HTTP method in capitals followed by a path, `POST /invoices` → component
    /// "post /invoices".
    fn routes(&mut self, text: &str) {
        let mut chunks = text.split_whitespace().peekable();
        while let Some(chunk) = chunks.next() {
            let method = chunk.trim_matches(|c: char| !c.is_ascii_alphabetic());
            if !HTTP_METHODS.contains(&method) {
                continue;
            }
            let Some(path) = chunks.peek() else { break };
            let path = path
                .trim_end_matches(|c: char| !(c.is_alphanumeric() || matches!(c, '/' | '}' | '*')));
            if path.starts_with('/') && path.len() > 1 {
                self.add_component(&format!("{method} {path}"));
            }
        }
    }
}

const HTTP_METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
];

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a README heading names an architecture section.
fn architecture_heading(heading: &str) -> bool {
    let words: Vec<String> = tokenize(heading).into_iter().map(|t| t.word).collect();
    words.iter().any(|w| README_WORDS.contains(&w.as_str()))
        || words
            .windows(2)
            .any(|w| w[0] == "data" && w[1] == "protection")
}
