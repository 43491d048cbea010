//! Words and sentences: the one tokenizer that sentences, patterns and component names share,
//! and the sentence splitter.
//!
//! Everything here is a single pass over its input, so hostile text (huge lines, long runs of
//! punctuation) costs time linear in its length.

use std::ops::Range;

/// A word of a sentence, lowercase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// The word, lowercase, with `’` read as `'`, a possessive `'s` dropped and `n't` split off
    /// as its own `not` token.
    pub word: String,
    /// Byte range of the word in the text it was read from (both halves of a contraction share it).
    pub span: Range<usize>,
    /// The clause the word is in: punctuation that separates clauses (`,` `;` `:` `|` brackets,
    /// dashes) and conjunctions such as `but`, `because`, `so` start a new one.
    pub clause: u32,
    /// The word ended in `'s` (or a bare `'`).
    pub possessive: bool,
}

/// Conjunctions that end a clause, so that a negation on one side does not reach the other ("MFA
/// is offered but not required", "no NAT gateway is needed because functions run in private
/// subnets"). The conjunction itself stays with the clause before it, so a pattern can end in it
/// ("offered but").
#[rustfmt::skip]
const CLAUSE_WORDS: &[&str] = &[
    "but", "however", "although", "though", "whereas", "while", "because", "since", "so",
    "therefore", "thus", "hence",
];

/// Whether a word is a conjunction that ends its clause ("but", "because").
pub(crate) fn ends_clause(word: &str) -> bool {
    CLAUSE_WORDS.contains(&word)
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’'
}

/// Splits text into lowercase word tokens. A word is a run of letters and digits; an apostrophe
/// between letters stays inside it (contractions, possessives), and a dot between digits too
/// (`1.2`). Everything else separates words; hyphens and underscores too, so `customer-managed`
/// is two words wherever it is written, in a document or in a pattern.
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut clause = 0u32;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let n = chars.len();
    let mut i = 0;
    while i < n {
        let (start, c) = chars[i];
        if c.is_alphanumeric() {
            let mut j = i + 1;
            while j < n {
                let (_, d) = chars[j];
                let prev = chars[j - 1].1;
                let next = chars.get(j + 1).map(|x| x.1);
                if d.is_alphanumeric()
                    || (is_apostrophe(d)
                        && prev.is_alphabetic()
                        && next.is_some_and(char::is_alphabetic))
                    || (d == '.'
                        && prev.is_ascii_digit()
                        && next.is_some_and(|x| x.is_ascii_digit()))
                {
                    j += 1;
                } else {
                    break;
                }
            }
            let end = chars.get(j).map_or(text.len(), |x| x.0);
            // A trailing apostrophe (plural possessive: "tenants'") belongs to the word.
            let trailing_apostrophe = chars.get(j).is_some_and(|x| is_apostrophe(x.1));
            push_word(
                &mut out,
                &text[start..end],
                start..end,
                &mut clause,
                trailing_apostrophe,
            );
            i = j;
            continue;
        }
        let prev_space = i == 0 || chars[i - 1].1.is_whitespace();
        let next_space = chars.get(i + 1).is_none_or(|x| x.1.is_whitespace());
        let breaks = match c {
            ',' | ';' | '|' | '(' | ')' | '[' | ']' | '{' | '}' | '—' | '–' => true,
            ':' => next_space,
            '-' => prev_space && next_space,
            _ => false,
        };
        if breaks {
            clause = clause.saturating_add(1);
        }
        i += 1;
    }
    out
}

fn push_word(
    out: &mut Vec<Token>,
    raw: &str,
    span: Range<usize>,
    clause: &mut u32,
    trailing_apostrophe: bool,
) {
    let mut word: String = raw
        .chars()
        .map(|c| if c == '’' { '\'' } else { c })
        .flat_map(char::to_lowercase)
        .collect();
    let mut possessive = trailing_apostrophe;
    if let Some(stem) = word.strip_suffix("'s") {
        word = stem.to_string();
        possessive = true;
    }
    let mut not = false;
    if word == "cannot" {
        word = "can".to_string();
        not = true;
    } else if let Some(stem) = word.strip_suffix("n't") {
        word = match stem {
            "ca" => "can",
            "wo" => "will",
            "sha" => "shall",
            "ai" => "is",
            s => s,
        }
        .to_string();
        not = true;
    }
    let ends_clause = CLAUSE_WORDS.contains(&word.as_str());
    out.push(Token {
        word,
        span: span.clone(),
        clause: *clause,
        possessive,
    });
    if ends_clause {
        *clause = clause.saturating_add(1);
    }
    if not {
        out.push(Token {
            word: "not".to_string(),
            span,
            clause: *clause,
            possessive: false,
        });
    }
}

/// Folds a plural to its singular, roughly and the same way everywhere (`reports` → `report`,
/// `policies` → `policy`); short words and `-ss`/`-us`/`-is` endings are left alone (`aws`,
/// `access`, `status`, `analysis`).
pub(crate) fn fold(word: &str) -> &str {
    if word.len() <= 3 || !word.is_ascii() {
        return word;
    }
    if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") {
        return word;
    }
    if let Some(stem) = word.strip_suffix("ies") {
        // `policies` → `policy` would need a new string; `polic` is as good a key.
        return stem;
    }
    if let Some(stem) = word.strip_suffix('y') {
        return stem;
    }
    word.strip_suffix('s').unwrap_or(word)
}

/// Abbreviations after which a dot never ends a sentence.
const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "vs", "cf", "approx", "incl", "viz", "resp", "al", "fig", "mr", "mrs", "ms",
    "dr", "st", "eg", "ie", "esp", "ca",
];

/// Splits prose into sentences: a `.`, `!` or `?` (with any closing quotes or brackets after it)
/// followed by whitespace or the end ends a sentence, except inside a `protected` range (inline
/// code), after an abbreviation (`e.g.`, `i.e.`, `vs.`; `etc.` only ends a sentence when a capital
/// letter follows) and inside numbers (`TLS 1.2`, `v1.0`: the dot is not followed by a space).
/// Returns trimmed, non-empty byte ranges.
pub(crate) fn split_sentences(text: &str, protected: &[Range<usize>]) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut guard = 0usize; // index into `protected`
    let mut i = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        if !matches!(b, b'.' | b'!' | b'?') {
            i += 1;
            continue;
        }
        while guard < protected.len() && protected[guard].end <= i {
            guard += 1;
        }
        if protected.get(guard).is_some_and(|r| r.start <= i) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < bytes.len() && matches!(bytes[j], b'.' | b'!' | b'?') {
            j += 1;
        }
        let single_dot = b == b'.' && j == i + 1;
        while j < bytes.len() && matches!(bytes[j], b')' | b'"' | b'\'' | b']' | b'*' | b'_') {
            j += 1;
        }
        // Closing curly quotes are three bytes.
        while text[j..].starts_with(['”', '’']) {
            j += '”'.len_utf8();
        }
        let at_end = j >= bytes.len();
        let followed_by_space = at_end || (bytes[j] as char).is_ascii_whitespace();
        if !followed_by_space || (single_dot && !ends_sentence(text, i, j)) {
            i = j.max(i + 1);
            continue;
        }
        push_trimmed(text, start..j, &mut out);
        start = j;
        i = j;
    }
    push_trimmed(text, start..text.len(), &mut out);
    out
}

/// Whether the single dot at `dot` (followed by whitespace or the end at `after`) ends a sentence.
fn ends_sentence(text: &str, dot: usize, after: usize) -> bool {
    let before = &text[..dot];
    let word_start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '.'))
        .map_or(0, |k| {
            k + before[k..].chars().next().map_or(1, char::len_utf8)
        });
    let word = before[word_start..].to_ascii_lowercase();
    if ABBREVIATIONS.contains(&word.as_str()) {
        return false;
    }
    if word == "etc" {
        let next = text[after..].trim_start().chars().next();
        return next.is_none_or(char::is_uppercase);
    }
    true
}

fn push_trimmed(text: &str, r: Range<usize>, out: &mut Vec<Range<usize>>) {
    let s = &text[r.clone()];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if lead + trail < s.len() {
        out.push(r.start + lead..r.end - trail);
    }
}

/// Lowercase words of a resource address or component name: split on everything that is not a
/// letter or digit and on CamelCase humps (`RequestHandlerRole`, `LLMAnalysis`, `S3Endpoint`),
/// plurals folded.
pub(crate) fn name_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (k, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            flush_word(&mut cur, &mut words);
            continue;
        }
        if k > 0 && !cur.is_empty() {
            let prev = chars[k - 1];
            let next = chars.get(k + 1).copied();
            let hump = c.is_uppercase()
                && (prev.is_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_uppercase() && next.is_some_and(char::is_lowercase)));
            if hump {
                flush_word(&mut cur, &mut words);
            }
        }
        cur.extend(c.to_lowercase());
    }
    flush_word(&mut cur, &mut words);
    words
}

fn flush_word(cur: &mut String, words: &mut Vec<String>) {
    if !cur.is_empty() {
        words.push(fold(cur).to_string());
        cur.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.word).collect()
    }

    fn sentences(text: &str) -> Vec<&str> {
        split_sentences(text, &[])
            .into_iter()
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn claims_contractions_and_possessives() {
        assert_eq!(
            words("It isn't on; we can't, won't. The handler's role cannot"),
            [
                "it", "is", "not", "on", "we", "can", "not", "will", "not", "the", "handler",
                "role", "can", "not"
            ]
        );
        let t = tokenize("MFA is offered, but not required");
        assert!(t[3].clause > t[2].clause, "`,` starts a clause");
        assert!(t[4].clause > t[3].clause, "`but` ends one");
        assert_eq!(words("TLS 1.2 and v1.0"), ["tls", "1.2", "and", "v1.0"]);
        assert_eq!(
            words("customer-managed keys"),
            ["customer", "managed", "keys"]
        );
    }

    #[test]
    fn claims_sentence_splitting() {
        assert_eq!(
            sentences("Use TLS 1.2 e.g. for S3. Keys, etc. are rotated! Is it? Yes (it is.) Done etc. Next"),
            ["Use TLS 1.2 e.g. for S3.", "Keys, etc. are rotated!", "Is it?", "Yes (it is.)", "Done etc.", "Next"]
        );
        let text = "Run `a. b` now. Then";
        let code = text.find('`').unwrap()..text.rfind('`').unwrap() + 1;
        assert_eq!(split_sentences(text, &[code]).len(), 2);
    }

    #[test]
    fn claims_name_words() {
        assert_eq!(
            name_words("RequestHandlerRole"),
            ["request", "handler", "role"]
        );
        assert_eq!(name_words("LLMAnalysis"), ["llm", "analysis"]);
        assert_eq!(
            name_words("NetworkStack/S3Endpoint"),
            ["network", "stack", "s3", "endpoint"]
        );
        assert_eq!(
            name_words(
                "module.report_worker.aws_iam_role_policy_attachment.extra[\"sqs_execution\"]"
            ),
            [
                "module",
                "report",
                "worker",
                "aws",
                "iam",
                "role",
                "polic",
                "attachment",
                "extra",
                "sqs",
                "execution"
            ]
        );
        assert_eq!(name_words("reports bucket"), ["report", "bucket"]);
    }
}
