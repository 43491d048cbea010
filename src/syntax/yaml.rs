//! YAML and JSON (a subset of YAML) into a compact tree that keeps tags and byte spans.
//!
//! CloudFormation's short-form intrinsics (`!Ref`, `!GetAtt`, …) are YAML tags, so the parser
//! must keep them; saphyr-parser does, and gives positions for every event. serde_yaml is
//! deprecated and its forks sit on unmaintained libyaml ports, so vouch builds its own tree from
//! saphyr-parser's events with an explicit stack (no recursion, so deep nesting cannot overflow)
//! and a budget on alias expansion (so "billion laughs" input cannot eat memory).

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan};

/// Byte range in the source text.
pub type ByteRange = (u32, u32);

/// A node of a YAML document.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: NodeValue,
    /// A local tag such as `Ref` for `!Ref` (without the `!`), or `None`.
    pub tag: Option<String>,
    pub span: ByteRange,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    Null,
    Bool(bool),
    /// A number with its source text (so `0123` or a twelve-digit account id survive).
    Number(f64, String),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::String(s) => Some(s),
            NodeValue::Number(_, s) => Some(s),
            _ => None,
        }
    }

    /// Looks a key up in a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            NodeValue::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            NodeValue::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            NodeValue::Seq(items) => items,
            _ => &[],
        }
    }
}

impl Node {
    /// The node as JSON data, for reading vouch's own YAML files (rules) through serde. Tags are
    /// dropped; mapping keys must be scalars. Depth is bounded by [`MAX_DEPTH`] at parse time.
    pub fn to_json(&self) -> Result<serde_json::Value, String> {
        use serde_json::Value as J;
        Ok(match &self.value {
            NodeValue::Null => J::Null,
            NodeValue::Bool(b) => J::Bool(*b),
            NodeValue::Number(n, text) => serde_json::Number::from_f64(*n)
                .map(|num| {
                    if n.fract() == 0.0 && n.abs() < 9.0e15 {
                        J::Number((*n as i64).into())
                    } else {
                        J::Number(num)
                    }
                })
                .unwrap_or_else(|| J::String(text.clone())),
            NodeValue::String(s) => J::String(s.clone()),
            NodeValue::Seq(items) => J::Array(
                items
                    .iter()
                    .map(Node::to_json)
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            NodeValue::Map(entries) => {
                let mut map = serde_json::Map::new();
                for (k, v) in entries {
                    let key = k
                        .as_str()
                        .map(str::to_string)
                        .or_else(|| match &k.value {
                            NodeValue::Bool(b) => Some(b.to_string()),
                            _ => None,
                        })
                        .ok_or_else(|| "a mapping key must be a scalar".to_string())?;
                    if map.insert(key.clone(), v.to_json()?).is_some() {
                        return Err(format!("the key `{key}` appears twice"));
                    }
                }
                J::Object(map)
            }
        })
    }
}

/// A YAML error with its position.
#[derive(Debug, Clone)]
pub struct ParseError {
    pub message: String,
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// Nesting deeper than this is rejected: no template needs it and recursion over it would not be safe.
pub const MAX_DEPTH: usize = 200;
/// Nodes that alias expansion may create in one document.
pub const MAX_ALIAS_NODES: usize = 100_000;
/// Nodes that anchors may copy in one document (each anchor keeps a copy of its node for the
/// aliases that follow): nested anchors would otherwise copy every level again.
pub const MAX_ANCHOR_NODES: usize = 1_000_000;

/// Maps saphyr's (line, character column) markers to byte offsets.
///
/// On an ASCII line a column is a byte count. On other lines the last position found is kept,
/// and the next one on the same line walks on from there: markers come in text order, so a
/// long one-line JSON template costs one pass, not one pass per marker.
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    ascii: Vec<bool>,
    /// (line, column, byte offset) of the last position found on a non-ASCII line.
    cursor: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let ascii = starts
            .iter()
            .enumerate()
            .map(|(k, &a)| {
                let b = starts.get(k + 1).copied().unwrap_or(text.len());
                text.as_bytes()[a..b].is_ascii()
            })
            .collect();
        LineIndex {
            text,
            starts,
            ascii,
            cursor: std::cell::Cell::new((usize::MAX, 0, 0)),
        }
    }

    fn offset(&self, line: usize, col: usize) -> usize {
        let k = line.saturating_sub(1);
        let Some(&start) = self.starts.get(k) else {
            return self.text.len();
        };
        let end = self.starts.get(k + 1).copied().unwrap_or(self.text.len());
        if self.ascii[k] {
            return (start + col).min(end);
        }
        let (c_line, c_col, c_byte) = self.cursor.get();
        let (from_col, from_byte) = if c_line == line && c_col <= col {
            (c_col, c_byte)
        } else {
            (0, start)
        };
        let skip: usize = self.text[from_byte..]
            .chars()
            .take(col - from_col)
            .map(char::len_utf8)
            .sum();
        let at = from_byte + skip;
        self.cursor.set((line, col, at));
        at
    }

    fn span(&self, s: &YSpan) -> ByteRange {
        let a = self.offset(s.start.line(), s.start.col());
        let b = self.offset(s.end.line(), s.end.col()).max(a);
        (a as u32, b as u32)
    }
}

enum Frame {
    Seq(Vec<Node>, Option<String>, usize, ByteRange),
    Map(
        Vec<(Node, Node)>,
        Option<Node>,
        Option<String>,
        usize,
        ByteRange,
    ),
}

/// Parses the first document of a YAML or JSON text.
///
/// YAML 1.2 wants the lines of a flow collection or a multi-line quoted scalar indented more
/// than the block they belong to; PyYAML, and so CloudFormation's own reader, do not check it,
/// and real templates rely on that (`PolicyDocument: !Sub '{` … `}'` closing at the key's
/// column). When the strict parse fails on indentation, those continuation lines are indented
/// just enough (whitespace there is not content) and the text is parsed again; spans are mapped
/// back to the original text. Anything else fails as before, with the original error.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    match parse_relaxed(text) {
        // JSON writes a character outside the Basic Multilingual Plane as a surrogate pair
        // (`"\ud83d\ude00"`, what Python's json module writes for any emoji); YAML wants
        // `\U0001F600`. Both mean the same character: decode the pairs and parse again.
        Err(e) if e.message.contains("Unicode character escape") => {
            let Some((decoded, edits)) = decode_surrogate_pairs(text) else {
                return Err(e);
            };
            match parse_relaxed(&decoded) {
                Ok(mut node) => {
                    remap_spans(&mut node, |o| {
                        let k = edits.partition_point(|(end, _)| *end <= o);
                        if k == 0 {
                            o
                        } else {
                            o + edits[k - 1].1
                        }
                    });
                    Ok(node)
                }
                Err(_) => Err(e),
            }
        }
        other => other,
    }
}

/// Replaces each escaped UTF-16 surrogate pair (`\ud83d\ude00`, 12 bytes) with YAML's
/// `\U0001f600` (10 bytes). Returns the text and, per replacement, (its end in the new text,
/// bytes removed up to there), to map offsets back. `None` when there is none.
fn decode_surrogate_pairs(text: &str) -> Option<(String, Vec<(u32, u32)>)> {
    fn hex4(b: &[u8]) -> Option<u32> {
        let s = std::str::from_utf8(b.get(..4)?).ok()?;
        u32::from_str_radix(s, 16).ok()
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut edits = Vec::new();
    let mut removed = 0u32;
    let mut last = 0;
    let mut i = 0;
    while i + 12 <= bytes.len() {
        if bytes[i] == b'\\'
            && bytes[i + 1] == b'u'
            && bytes[i + 6] == b'\\'
            && bytes[i + 7] == b'u'
        {
            // The backslash must start an escape, not end one (`\\ud83d` is a backslash and text).
            let preceding = bytes[..i].iter().rev().take_while(|&&b| b == b'\\').count();
            if preceding % 2 == 0 {
                if let (Some(hi), Some(lo)) = (hex4(&bytes[i + 2..]), hex4(&bytes[i + 8..])) {
                    if (0xD800..0xDC00).contains(&hi) && (0xDC00..0xE000).contains(&lo) {
                        let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        out.push_str(&text[last..i]);
                        out.push_str(&format!("\\U{c:08x}"));
                        removed += 2;
                        edits.push((out.len() as u32, removed));
                        i += 12;
                        last = i;
                        continue;
                    }
                }
            }
        }
        i += 1;
    }
    if edits.is_empty() {
        return None;
    }
    out.push_str(&text[last..]);
    Some((out, edits))
}

/// [`parse_strict`], then, when it fails on indentation, again with continuation lines relaxed.
fn parse_relaxed(text: &str) -> Result<Node, ParseError> {
    match parse_strict(text) {
        Err(e) if e.message.contains("indentation") => {
            let Some((relaxed, inserted)) = relax_indentation(text) else {
                return Err(e);
            };
            match parse_strict(&relaxed) {
                Ok(mut node) => {
                    remap_spans(&mut node, |o| {
                        let k = inserted.partition_point(|(at, _, _)| *at <= o);
                        if k == 0 {
                            return o;
                        }
                        let (at, n, before) = inserted[k - 1];
                        if o < at + n {
                            at - before
                        } else {
                            o - before - n
                        }
                    });
                    Ok(node)
                }
                Err(_) => Err(e),
            }
        }
        other => other,
    }
}

/// Spaces inserted at line starts: (offset in the relaxed text where they were inserted, how
/// many, how many were inserted before).
type Insertions = Vec<(u32, u32, u32)>;

/// Indents the continuation lines of flow collections and quoted scalars one column past the
/// block they belong to, when they are not already. `None` when nothing needed it.
fn relax_indentation(text: &str) -> Option<(String, Insertions)> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut inserted: Insertions = Vec::new();
    let mut total = 0u32;
    let (mut single, mut double, mut flow) = (false, false, 0usize);
    let mut base = 0usize;
    let mut block_scalar: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let content = line[indent..].trim_end_matches(['\n', '\r']);
        if content.is_empty() {
            out.push_str(line);
            continue;
        }
        if let Some(parent) = block_scalar {
            if indent > parent {
                out.push_str(line);
                continue;
            }
            block_scalar = None;
        }
        let continuing = single || double || flow > 0;
        if continuing && indent <= base {
            let add = (base + 1 - indent) as u32;
            inserted.push((out.len() as u32, add, total));
            total += add;
            out.extend(std::iter::repeat_n(' ', add as usize));
        } else if !continuing {
            // The column of the block this line opens: past any `- ` sequence indicators.
            let mut col = indent;
            let mut rest = content;
            while let Some(r) = rest
                .strip_prefix('-')
                .filter(|r| r.is_empty() || r.starts_with(' '))
            {
                let spaces = r.len() - r.trim_start_matches(' ').len();
                col += 1 + spaces;
                rest = &r[spaces..];
            }
            base = col;
        }
        out.push_str(line);
        // Track quotes and flow brackets through the line.
        let bytes = content.as_bytes();
        let mut i = 0;
        let mut prev = b' ';
        while i < bytes.len() {
            let c = bytes[i];
            if single {
                if c == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 1;
                    } else {
                        single = false;
                    }
                }
            } else if double {
                if c == b'\\' {
                    i += 1;
                } else if c == b'"' {
                    double = false;
                }
            } else {
                let token_start = matches!(prev, b' ' | b'\t' | b'[' | b'{' | b',');
                match c {
                    b'#' if matches!(prev, b' ' | b'\t') => break,
                    b'\'' if token_start => single = true,
                    b'"' if token_start => double = true,
                    b'[' | b'{' if flow > 0 || token_start => flow += 1,
                    b']' | b'}' if flow > 0 => flow -= 1,
                    _ => {}
                }
            }
            prev = c;
            i += 1;
        }
        if !single && !double && flow == 0 {
            let code = content.split(" #").next().unwrap_or("").trim_end();
            let tail = code.trim_end_matches(|c: char| c == '+' || c == '-' || c.is_ascii_digit());
            if (tail.ends_with('|') || tail.ends_with('>'))
                && (tail.len() == 1 || tail[..tail.len() - 1].ends_with([' ', ':']))
            {
                block_scalar = Some(base);
            }
        }
    }
    (!inserted.is_empty()).then_some((out, inserted))
}

/// Maps every span of a tree parsed from a rewritten text back to the original text.
fn remap_spans(root: &mut Node, map: impl Fn(u32) -> u32) {
    let mut stack: Vec<&mut Node> = vec![root];
    while let Some(node) = stack.pop() {
        node.span = (map(node.span.0), map(node.span.1));
        match &mut node.value {
            NodeValue::Seq(items) => stack.extend(items.iter_mut()),
            NodeValue::Map(entries) => {
                for (k, v) in entries.iter_mut() {
                    stack.push(k);
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
}

fn parse_strict(text: &str) -> Result<Node, ParseError> {
    let index = LineIndex::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, Node> = Default::default();
    let mut alias_budget = MAX_ALIAS_NODES;
    let mut anchor_budget = MAX_ANCHOR_NODES;
    let mut root: Option<Node> = None;

    let err_at = |msg: String, span: &YSpan| ParseError {
        message: msg,
        line: span.start.line(),
        column: span.start.col() + 1,
        offset: index.offset(span.start.line(), span.start.col()),
    };

    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| ParseError {
            message: e.info().to_string(),
            line: e.marker().line(),
            column: e.marker().col() + 1,
            offset: index.offset(e.marker().line(), e.marker().col()),
        })?;
        let node = match event {
            Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => continue,
            Event::DocumentEnd | Event::StreamEnd => {
                if root.is_some() {
                    break;
                }
                continue;
            }
            Event::SequenceStart(anchor, tag) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err_at(
                        format!("nesting deeper than {MAX_DEPTH} levels"),
                        &span,
                    ));
                }
                stack.push(Frame::Seq(
                    Vec::new(),
                    tag_name(tag.as_deref()),
                    anchor,
                    index.span(&span),
                ));
                continue;
            }
            Event::MappingStart(anchor, tag) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err_at(
                        format!("nesting deeper than {MAX_DEPTH} levels"),
                        &span,
                    ));
                }
                stack.push(Frame::Map(
                    Vec::new(),
                    None,
                    tag_name(tag.as_deref()),
                    anchor,
                    index.span(&span),
                ));
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(items, tag, anchor, start)) => {
                    let node = Node {
                        value: NodeValue::Seq(items),
                        tag,
                        span: (start.0, trim_trailing(text, start.0, index.span(&span).1)),
                    };
                    remember(&mut anchors, anchor, &node, &mut anchor_budget)
                        .map_err(|m| err_at(m, &span))?;
                    node
                }
                _ => return Err(err_at("unbalanced sequence".into(), &span)),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(entries, _, tag, anchor, start)) => {
                    let node = Node {
                        value: NodeValue::Map(entries),
                        tag,
                        span: (start.0, trim_trailing(text, start.0, index.span(&span).1)),
                    };
                    remember(&mut anchors, anchor, &node, &mut anchor_budget)
                        .map_err(|m| err_at(m, &span))?;
                    node
                }
                _ => return Err(err_at("unbalanced mapping".into(), &span)),
            },
            Event::Scalar(value, style, anchor, tag) => {
                let node = Node {
                    value: resolve_scalar(&value, style, tag.as_deref()),
                    tag: tag_name(tag.as_deref()),
                    span: index.span(&span),
                };
                remember(&mut anchors, anchor, &node, &mut anchor_budget)
                    .map_err(|m| err_at(m, &span))?;
                node
            }
            Event::Alias(id) => {
                let Some(node) = anchors.get(&id) else {
                    return Err(err_at("alias to an unknown anchor".into(), &span));
                };
                let size = count_nodes(node);
                if size > alias_budget {
                    return Err(err_at(
                        format!("aliases expand to more than {MAX_ALIAS_NODES} nodes"),
                        &span,
                    ));
                }
                alias_budget -= size;
                node.clone()
            }
        };
        match stack.last_mut() {
            None => {
                root = Some(node);
            }
            Some(Frame::Seq(items, ..)) => items.push(node),
            Some(Frame::Map(entries, pending, ..)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => entries.push((key, node)),
            },
        }
    }
    Ok(root.unwrap_or(Node {
        value: NodeValue::Null,
        tag: None,
        span: (0, 0),
    }))
}

/// The end of a block collection without what follows its last value: a block mapping or
/// sequence ends, for the parser, at the next token, after any blank lines and comments (a
/// resource's span would run into the comment that introduces the next resource).
fn trim_trailing(text: &str, start: u32, end: u32) -> u32 {
    let bytes = text.as_bytes();
    let start = start as usize;
    let mut end = (end as usize).min(bytes.len());
    loop {
        while end > start && bytes[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        // A last line that is only a comment belongs to what follows. The line's start is
        // looked for inside the collection only: on a one-line file a search back to the
        // start of the text for every collection would be quadratic in the line's length.
        let Some(newline) = bytes[start..end].iter().rposition(|&b| b == b'\n') else {
            return end as u32;
        };
        let line_start = start + newline + 1;
        if text[line_start..end].trim_start().starts_with('#') {
            end = line_start;
            continue;
        }
        return end as u32;
    }
}

/// Keeps a copy of an anchored node for the aliases that name it, charging the copy to the
/// document's budget.
fn remember(
    anchors: &mut std::collections::HashMap<usize, Node>,
    anchor: usize,
    node: &Node,
    budget: &mut usize,
) -> Result<(), String> {
    if anchor > 0 {
        let size = count_nodes(node);
        if size > *budget {
            return Err(format!(
                "anchors copy more than {MAX_ANCHOR_NODES} nodes (nested anchors)"
            ));
        }
        *budget -= size;
        anchors.insert(anchor, node.clone());
    }
    Ok(())
}

fn count_nodes(node: &Node) -> usize {
    let mut n = 0;
    let mut todo = vec![node];
    while let Some(x) = todo.pop() {
        n += 1;
        match &x.value {
            NodeValue::Seq(items) => todo.extend(items.iter()),
            NodeValue::Map(entries) => {
                for (k, v) in entries {
                    todo.push(k);
                    todo.push(v);
                }
            }
            _ => {}
        }
    }
    n
}

fn tag_name(tag: Option<&saphyr_parser::Tag>) -> Option<String> {
    let tag = tag?;
    if tag.handle == "!" {
        Some(tag.suffix.clone())
    } else if tag.is_yaml_core_schema() {
        None
    } else {
        Some(format!("{}{}", tag.handle, tag.suffix))
    }
}

/// Reads the plain scalars YAML 1.1 takes for booleans (`yes`, `No`, `ON`, `off` …) as
/// booleans, in values (keys keep their text).
///
/// CloudFormation documents its YAML as version 1.1, whose boolean type also spells true and
/// false as yes/no and on/off; the parser resolves by YAML 1.2's core schema, where they are
/// strings. `PubliclyAccessible: Yes` deploys a public broker, so a template must read it as
/// true. Only plain scalars change: a quoted `'Yes'` is a string in both versions, and `text`
/// (the document the spans point into) tells the two apart. The single letters `y` and `n`,
/// which the 1.1 type list has but PyYAML and SnakeYAML (and so real readers) do not, stay text.
pub fn resolve_yaml11_booleans(root: &mut Node, text: &str) {
    let mut stack: Vec<&mut Node> = vec![root];
    while let Some(node) = stack.pop() {
        let resolved = match &node.value {
            NodeValue::String(s) if node.tag.is_none() => {
                let plain =
                    text.get(node.span.0 as usize..node.span.1 as usize) == Some(s.as_str());
                yaml11_boolean(s).filter(|_| plain)
            }
            _ => None,
        };
        if let Some(b) = resolved {
            node.value = NodeValue::Bool(b);
        }
        match &mut node.value {
            NodeValue::Seq(items) => stack.extend(items.iter_mut()),
            NodeValue::Map(entries) => stack.extend(entries.iter_mut().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// The spellings of YAML 1.1's boolean type that YAML 1.2's core schema reads as strings.
fn yaml11_boolean(s: &str) -> Option<bool> {
    match s {
        "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// Resolves a scalar by the YAML 1.2 core schema: only plain scalars can be null, bool or number.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&saphyr_parser::Tag>) -> NodeValue {
    if let Some(t) = tag {
        if t.is_yaml_core_schema() && t.suffix == "str" {
            return NodeValue::String(text.to_string());
        }
    }
    if style != ScalarStyle::Plain {
        return NodeValue::String(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return NodeValue::Null,
        "true" | "True" | "TRUE" => return NodeValue::Bool(true),
        "false" | "False" | "FALSE" => return NodeValue::Bool(false),
        _ => {}
    }
    let looks_numeric = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
        && text.bytes().any(|b| b.is_ascii_digit());
    let leading_zero = text.len() > 1 && text.starts_with('0') && !text.starts_with("0.");
    if looks_numeric && !leading_zero {
        if let Ok(n) = text.parse::<f64>() {
            return NodeValue::Number(n, text.to_string());
        }
    }
    NodeValue::String(text.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn yaml_1_1_booleans_are_read_from_plain_values_only() {
        let text = "A: Yes\nB: 'Yes'\nC: off\nD: [ON, \"no\", y, Nope]\nOn: x\nE: !Ref Yes\n";
        let mut root = super::parse(text).unwrap();
        super::resolve_yaml11_booleans(&mut root, text);
        let v = |k: &str| root.get(k).unwrap().value.clone();
        assert_eq!(v("A"), NodeValue::Bool(true));
        assert_eq!(v("B"), NodeValue::String("Yes".into()));
        assert_eq!(v("C"), NodeValue::Bool(false));
        let d: Vec<_> = root
            .get("D")
            .unwrap()
            .items()
            .iter()
            .map(|n| n.value.clone())
            .collect();
        assert_eq!(
            d,
            vec![
                NodeValue::Bool(true),
                NodeValue::String("no".into()),
                NodeValue::String("y".into()),
                NodeValue::String("Nope".into())
            ]
        );
        // Keys keep their text; a tagged scalar is an intrinsic's argument, not a value.
        assert_eq!(root.get("On").unwrap().as_str(), Some("x"));
        assert_eq!(root.get("E").unwrap().as_str(), Some("Yes"));
    }

    #[test]
    fn continuation_lines_at_the_blocks_column_are_read_as_pyyaml_and_cloudformation_do() {
        let text = "Resources:\n  Role:\n    Properties:\n      Policies:\n        - PolicyName: a\n          PolicyDocument: !Sub '{\n              \"Version\": \"2012-10-17\"\n          }'\n      Statements: [{\n          \"Effect\": \"Allow\"\n      }]\n  After:\n    Type: X\n";
        assert!(parse_strict(text).is_err(), "strict YAML 1.2 refuses it");
        let root = parse(text).unwrap();
        let props = root
            .get("Resources")
            .unwrap()
            .get("Role")
            .unwrap()
            .get("Properties")
            .unwrap();
        let doc = props.get("Policies").unwrap().items()[0]
            .get("PolicyDocument")
            .unwrap();
        assert_eq!(doc.tag.as_deref(), Some("Sub"));
        assert_eq!(doc.as_str(), Some("{ \"Version\": \"2012-10-17\" }"));
        let statements = props.get("Statements").unwrap();
        assert_eq!(
            statements.items()[0].get("Effect").unwrap().as_str(),
            Some("Allow")
        );
        // Spans point into the original text, after the relaxed lines too.
        let after = root.get("Resources").unwrap().get("After").unwrap();
        let at = after.span.0 as usize;
        assert_eq!(&text[at..at + 5], "Type:");
        let ty = after.get("Type").unwrap();
        assert_eq!(&text[ty.span.0 as usize..ty.span.1 as usize], "X");
    }

    #[test]
    fn other_errors_are_not_relaxed_away() {
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.line >= 1);
        let e = parse("a: 'x' y\n").unwrap_err();
        assert!(!e.message.is_empty());
        // Block scalars keep their text untouched.
        let root = parse("a: |\n  line one\n  'quoted' [x\nb: 2\n").unwrap();
        assert_eq!(
            root.get("a").unwrap().as_str(),
            Some("line one\n'quoted' [x\n")
        );
    }

    use super::*;

    #[test]
    fn keeps_tags_and_spans() {
        let text = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Name: !Sub '${AWS::StackName}-b'\n      Arn: !GetAtt [K, Arn]\n";
        let doc = parse(text).unwrap();
        let b = doc.get("Resources").unwrap().get("B").unwrap();
        assert_eq!(b.get("Type").unwrap().as_str(), Some("AWS::S3::Bucket"));
        let name = b.get("Properties").unwrap().get("Name").unwrap();
        assert_eq!(name.tag.as_deref(), Some("Sub"));
        assert_eq!(name.as_str(), Some("${AWS::StackName}-b"));
        assert_eq!(
            &text[name.span.0 as usize..name.span.0 as usize + 4],
            "!Sub"
        );
        let arn = b.get("Properties").unwrap().get("Arn").unwrap();
        assert_eq!(arn.tag.as_deref(), Some("GetAtt"));
        assert_eq!(arn.items().len(), 2);
    }

    #[test]
    fn json_surrogate_pairs_are_characters_and_spans_stay_in_place() {
        // What Python's json.dumps writes for "bucket 😀", followed by a key whose span must
        // still point at the original text.
        let text = "{\"d\": \"bucket \\ud83d\\ude00 and \\ud83c\\udf89\", \"k\": \"v\"}";
        let doc = parse(text).unwrap();
        assert_eq!(
            doc.get("d").unwrap().as_str(),
            Some("bucket \u{1F600} and \u{1F389}")
        );
        let v = doc.get("k").unwrap();
        assert_eq!(&text[v.span.0 as usize..v.span.1 as usize], "\"v\"");
        // An escaped backslash before `u` is text, and a lone surrogate stays an error.
        assert_eq!(
            parse("{\"a\": \"\\\\ud83d\\\\ude00\"}")
                .unwrap()
                .get("a")
                .unwrap()
                .as_str(),
            Some("\\ud83d\\ude00")
        );
        assert!(parse("{\"a\": \"\\ud83d\"}").is_err());
    }

    #[test]
    fn positions_on_long_non_ascii_lines() {
        let text = format!("{{\"é\": \"{}\", \"k\": \"v\"}}", "ü".repeat(5000));
        let doc = parse(&text).unwrap();
        let v = doc.get("k").unwrap();
        assert_eq!(&text[v.span.0 as usize..v.span.1 as usize], "\"v\"");
    }

    #[test]
    fn json_parses_with_positions() {
        let text = "{\n  \"a\": [1, \"x\", true, null],\n  \"id\": \"012\"\n}";
        let doc = parse(text).unwrap();
        let a = doc.get("a").unwrap();
        assert_eq!(a.items()[0].value, NodeValue::Number(1.0, "1".into()));
        assert_eq!(a.items()[2].value, NodeValue::Bool(true));
        assert_eq!(doc.get("id").unwrap().as_str(), Some("012"));
    }

    #[test]
    fn nested_anchors_are_bounded() {
        // Every level anchored over a wide leaf: each anchor would keep its own copy of
        // everything below it (150 levels x 20,000 scalars).
        let depth = 150;
        let mut text = String::new();
        for i in 0..depth {
            text.push_str(&format!("&a{i} ["));
        }
        text.push_str(&vec!["x"; 20_000].join(","));
        text.push_str(&"]".repeat(depth));
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("anchors"), "{}", err.message);
        // A few anchors over small nodes are fine.
        let ok = parse("a: &x {k: v}\nb: *x\nc: &y [1, 2]\nd: *y\n").unwrap();
        assert_eq!(ok.get("b").unwrap().get("k").unwrap().as_str(), Some("v"));
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            text.push_str(&format!(
                "l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        assert!(parse(&text).unwrap_err().message.contains("aliases"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(5000);
        assert!(parse(&text).is_err());
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("a: b\n  c: d\n").unwrap_err();
        assert_eq!(e.line, 2);
    }
}
