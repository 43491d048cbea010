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

/// Maps saphyr's (line, character column) markers to byte offsets.
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    fn offset(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        let skip: usize = rest.chars().take(col).map(char::len_utf8).sum();
        start + skip
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
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let index = LineIndex::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, Node> = Default::default();
    let mut alias_budget = MAX_ALIAS_NODES;
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
                        span: (start.0, index.span(&span).1),
                    };
                    remember(&mut anchors, anchor, &node);
                    node
                }
                _ => return Err(err_at("unbalanced sequence".into(), &span)),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(entries, _, tag, anchor, start)) => {
                    let node = Node {
                        value: NodeValue::Map(entries),
                        tag,
                        span: (start.0, index.span(&span).1),
                    };
                    remember(&mut anchors, anchor, &node);
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
                remember(&mut anchors, anchor, &node);
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

fn remember(anchors: &mut std::collections::HashMap<usize, Node>, anchor: usize, node: &Node) {
    if anchor > 0 {
        anchors.insert(anchor, node.clone());
    }
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
    fn json_parses_with_positions() {
        let text = "{\n  \"a\": [1, \"x\", true, null],\n  \"id\": \"012\"\n}";
        let doc = parse(text).unwrap();
        let a = doc.get("a").unwrap();
        assert_eq!(a.items()[0].value, NodeValue::Number(1.0, "1".into()));
        assert_eq!(a.items()[2].value, NodeValue::Bool(true));
        assert_eq!(doc.get("id").unwrap().as_str(), Some("012"));
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
