//! What part of the system a sentence is about, read from its words: the names its subject
//! gives (`fp-telemetry`, "the settlement bucket", "the Aurora cluster"), a quantifier over
//! every thing of a kind ("every route", "all four"), the components carved out ("all but the
//! admin function", "except the audit bucket"), and, when the subject is the control itself
//! ("MFA is optional for clinician accounts", "access logging is enabled on the load
//! balancer"), the thing its `for`/`on`/`to` phrase names.
//!
//! Names are found without a list of the system's components: identifiers (words joined by
//! `-`, `_` or `/`, or inline code), the words before a kind noun ("ledger table"), and proper
//! nouns inside the sentence ("connections to Redis").

use super::text::Token;
use std::collections::HashSet;
use std::ops::Range;

/// What a sentence's words say of its scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Scope {
    /// Names of components the sentence is about, lowercase.
    pub names: Vec<String>,
    /// Names the sentence carves out of the whole.
    pub excluded: Vec<String>,
    /// The subject is quantified over every thing of a kind.
    pub universal: bool,
    /// The words that decided it, for the explanation.
    pub why: String,
    /// The tokens of the sentence's subject (empty when it has none the reader found): what
    /// the sentence is about, as against its objects, destinations and sources.
    pub subject: Range<usize>,
    /// `names` are the subject's own ("The settlement-batch function only needs read access to
    /// the ledger table" is about `settlement-batch`).
    pub of_subject: bool,
}

/// Nouns that say what kind of thing a name is: "the ledger **table**", "clinician
/// **accounts**". The words before one in a noun phrase are its name.
#[rustfmt::skip]
pub(crate) const KIND_NOUNS: &[&str] = &[
    "function", "lambda", "role", "table", "bucket", "queue", "topic", "key", "api", "pool",
    "trigger", "database", "db", "cluster", "instance", "service", "task", "job", "stream",
    "cache", "group", "host", "account", "console", "endpoint", "distribution", "balancer",
    "app", "application", "container", "broker", "domain", "stage", "secret", "tier",
    "workspace", "tenant", "user", "handler", "worker", "server", "vpc", "subnet", "trail",
    "repository", "registry", "route", "listener", "gateway", "store", "policy",
];

/// Whether a word is a kind noun, singular or plural ("keys", "gateways", "policies").
pub(crate) fn is_kind(word: &str) -> bool {
    KIND_NOUNS.contains(&word)
        || word
            .strip_suffix("ies")
            .is_some_and(|stem| KIND_NOUNS.contains(&format!("{stem}y").as_str()))
        || word
            .strip_suffix('s')
            .is_some_and(|stem| KIND_NOUNS.contains(&stem))
}

/// Words before a kind noun that describe rather than name: "the **public** load balancer",
/// "a **dedicated** task role".
#[rustfmt::skip]
const NOT_NAMES: &[&str] = &[
    "the", "a", "an", "our", "their", "its", "his", "her", "your", "this", "that", "these",
    "those", "each", "every", "all", "any", "some", "both", "no", "one", "two", "three", "four",
    "five", "public", "private", "internal", "external", "default", "shared", "same", "own",
    "new", "main", "primary", "single", "other", "dedicated", "separate", "custom", "managed",
    "customer", "aws", "amazon", "execution", "service", "data", "security", "only", "whole",
    "entire", "legacy", "current", "existing", "given", "individual", "specific", "regional",
    "global", "isolated", "per", "s3", "kms", "iam", "irsa", "lambda", "ecs", "ec2", "sqs", "sns",
    "dynamodb", "cloudwatch", "log", "logs", "access", "web", "http", "https", "rest", "json",
    "and", "or", "of", "for", "to", "on", "in", "with", "at", "by", "from", "is", "are",
    "standard", "tenant", "user", "task", "function", "role", "policy", "trust", "key",
    "between", "across", "within", "inside", "outside", "through", "via", "over", "under",
    "into", "onto", "about", "after", "before", "per", "owned", "organization", "cloudtrail",
    "every", "yes", "neither", "either", "few", "many", "most", "several", "none",
    // Dates name no component ("paths found in July").
    "january", "february", "march", "april", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday",
];

/// Nouns of [`NOT_NAMES`] that go on a name once one has started: "the delivery **log**
/// table", "the audit **data** bucket" (but "the **log** table" names nothing).
const NAME_CONTINUING: &[&str] = &[
    "data",
    "log",
    "logs",
    "access",
    "security",
    "web",
    "execution",
];

/// Service names that are names only when nothing else names the thing ("the RDS instance").
#[rustfmt::skip]
const SERVICE_WORDS: &[&str] = &[
    "s3", "kms", "iam", "lambda", "ecs", "ec2", "sqs", "sns", "dynamodb", "cloudwatch", "rds",
];

/// AWS products, engines and load-balancer types that say what kind of thing a named resource
/// is: "the lantern-warehouse **Aurora** cluster", "the tile-cache **Redis** cluster", "the
/// gradebook-search **OpenSearch** domain". The services are the namespaces of the
/// CloudFormation types in `rules/resource-types.tsv` as engineers write them (ApiGateway is
/// "API Gateway": two kind nouns already); the engines are the `engine` values RDS and
/// ElastiCache accept (`rules/defaults.tsv` keys rows on them). Beside a name they are no part
/// of it; alone they still name the thing ("connections to Redis").
#[rustfmt::skip]
const PRODUCT_WORDS: &[&str] = &[
    "aurora", "postgresql", "postgres", "mysql", "mariadb", "redis", "valkey", "memcached",
    "elasticache", "opensearch", "elasticsearch", "cloudfront", "fargate", "cognito", "kinesis",
    "firehose", "eks", "ecr", "efs", "athena", "glue", "redshift", "neptune", "docdb",
    "documentdb", "dax", "msk", "memorydb", "timestream", "eventbridge", "appsync", "sagemaker",
    "bedrock", "alb", "nlb", "elb", "waf", "ssm", "acm", "cloudtrail", "guardduty",
];

/// Whether a word names an AWS service or product ([`SERVICE_WORDS`], [`PRODUCT_WORDS`]).
fn is_product(word: &str) -> bool {
    SERVICE_WORDS.contains(&word) || PRODUCT_WORDS.contains(&word)
}

/// Whether a word names an AWS service ([`SERVICE_WORDS`]): "ECS" in "ECS Fargate".
pub(crate) fn is_service_word(word: &str) -> bool {
    SERVICE_WORDS.contains(&word)
}

/// AWS services named in two capitalized words ("Secrets Manager", "Security Hub"): the
/// service, not a component of the system.
#[rustfmt::skip]
const SERVICE_NAMES: &[(&str, &str)] = &[
    ("secrets", "manager"), ("systems", "manager"), ("session", "manager"),
    ("certificate", "manager"), ("parameter", "store"), ("security", "hub"),
    ("access", "analyzer"), ("identity", "center"), ("control", "tower"), ("step", "functions"),
    ("app", "runner"), ("elastic", "beanstalk"), ("guard", "duty"),
];

/// Words that open a quantified subject: "every route", "all four", "each function".
const QUANTIFIERS: &[&str] = &["every", "all", "each", "no", "none", "any"];

/// Words that end a subject: auxiliaries, modals and the verbs architecture documents use.
#[rustfmt::skip]
const VERBS: &[&str] = &[
    "is", "are", "was", "were", "be", "been", "has", "have", "had", "can", "could", "may",
    "might", "must", "shall", "should", "will", "would", "does", "do", "did", "not", "never",
    "uses", "use", "runs", "run", "requires", "require", "enforces", "enforce", "writes",
    "write", "reads", "read", "gets", "get", "holds", "hold", "keeps", "keep", "goes", "go",
    "talk", "talks", "share", "shares", "replicates", "replicate", "blocks", "block", "permit",
    "permits", "accept", "accepts", "send", "sends", "store", "stores", "encrypts", "encrypt",
    "rotate", "rotates", "enable", "enables", "stay", "stays", "live", "lives", "sit", "sits",
    "call", "calls", "invoke", "invokes", "need", "needs", "assume", "assumes", "grant",
    "grants", "allow", "allows", "deny", "denies", "reject", "rejects", "carry", "carries",
    "copy", "copies", "check", "checks", "log", "logs", "trust", "trusts", "apply", "applies",
    "belong", "belongs", "pass", "passes", "serve", "serves", "receive", "receives", "only",
    "also", "still", "always", "cannot", "verify", "verifies", "validate", "validates",
    "enroll", "enrolls", "sign", "signs", "authenticate", "authenticates", "terminate",
    "terminates", "restrict", "restricts", "limit", "limits", "scope", "scopes", "expose",
    "exposes", "reach", "reaches", "connect", "connects", "publish", "publishes", "emit",
    "emits", "forward", "forwards", "route", "routes", "back", "backs", "comes", "come",
    "adds", "add", "contains", "contain", "includes", "include", "produces", "produce",
    "provides", "provide", "lands", "takes", "gives", "give", "puts", "makes", "lets",
    "redirect", "redirects",
];

/// Whether a word is a verb that ends a subject ([`VERBS`]).
pub(crate) fn is_verb(word: &str) -> bool {
    VERBS.contains(&word)
}

/// Verdicts that open a pro or con of a decision record ("Good, because …", "Bad, because …",
/// the MADR form): with the `because` after them they judge, and the clause after names the
/// subject.
const VERDICTS: &[&str] = &["good", "bad", "neutral"];

/// Words of a leading clause that is not the subject: "Yes, …", "Today, …", "In production, …".
#[rustfmt::skip]
const LEAD_WORDS: &[&str] = &[
    "yes", "no", "today", "currently", "now", "also", "additionally", "finally", "first",
    "second", "third", "separately", "similarly", "likewise", "meanwhile", "in", "production",
    "prod", "practice", "addition", "short", "summary", "at", "present", "as", "of", "right",
    "so", "far", "note", "again", "here", "there", "overall", "otherwise",
];

/// Words that open a leading clause of circumstance, not the subject ("On every token issue,
/// …", "After the migration, …"). Not `for`: "For Business workspaces, …" says what the
/// sentence is about.
#[rustfmt::skip]
const ADVERBIAL_OPENERS: &[&str] = &[
    "on", "in", "at", "with", "after", "before", "during", "from", "under", "within", "across",
    "by", "when", "once", "whenever", "upon", "through", "via", "as", "since", "behind",
];

/// Prepositions whose phrase names what a control applies to.
const TARGET_PREPOSITIONS: &[&str] = &["for", "on"];

/// Cues that carve components out of a whole: "all functions **except** the admin function".
const EXCEPT_CUES: &[&[&str]] = &[
    &["except", "for"],
    &["except"],
    &["excluding"],
    &["all", "but"],
    &["every", "but"],
    &["other", "than"],
    &["with", "the", "exception", "of"],
    &["save", "for"],
];

/// Pronouns that continue the previous sentence's subject.
const PRONOUNS: &[&str] = &["it", "they", "its", "their"];

/// Hyphenated words that are vocabulary, not names: their first or last part says so
/// ("customer-managed", "read-only", "per-tenant", "in-transit").
#[rustfmt::skip]
const COMPOUND_FIRST: &[&str] = &[
    "per", "cross", "non", "multi", "self", "in", "at", "end", "sign", "opt", "third", "first",
    "read", "write", "client", "server", "customer", "aws", "s3", "kms", "point", "double",
    "two", "second", "least", "full", "long", "short", "well", "built", "up", "out", "single",
    "phishing", "tenant", "service", "time", "role", "key", "x", "pre", "post", "re", "co",
    "de", "un", "anti", "auto", "user", "admin", "allow", "deny", "default", "bank", "card",
    "server", "all", "high", "low", "on", "off", "sse", "tls", "mtls", "iam", "api", "max",
];
#[rustfmt::skip]
const COMPOUND_LAST: &[&str] = &[
    "side", "based", "level", "wide", "only", "scoped", "managed", "owned", "resistant",
    "listed", "time", "house", "facing", "bound", "free", "like", "specific", "tenant",
    "factor", "account", "region", "rest", "transit", "privilege", "access", "managed",
    "entry", "signed", "encrypted", "enabled", "disabled", "attached", "level", "grained",
    "party", "term", "up", "in", "out", "on", "off", "readable", "writable", "service",
    "service", "world", "internet", "kms", "s3", "sqs", "sns", "recovery", "transfer",
];

/// A word or an identifier made of several words (`fp-raw-archive`, `alias/paylane-data`).
#[derive(Debug, Clone)]
struct Unit {
    /// Token indices.
    tokens: Range<usize>,
    /// The text as written.
    raw: String,
    /// Inside inline code.
    code: bool,
}

impl Unit {
    fn is_identifier(&self, words: &[&str]) -> bool {
        if self.tokens.len() < 2 {
            return false;
        }
        let first = words[self.tokens.start];
        let last = words[self.tokens.end - 1];
        self.code || !(COMPOUND_FIRST.contains(&first) || COMPOUND_LAST.contains(&last))
    }
}

/// Splits tokens into units: tokens joined by `-`, `_` or `/` with nothing else between them
/// are one identifier.
fn units(text: &str, tokens: &[Token], code: &[Range<usize>]) -> Vec<Unit> {
    let mut out: Vec<Unit> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        // A placeholder (`lumen-deploy-<env>`, `orders-{stage}`) stands for a part of a name
        // that varies: no name of its own.
        let opens = text[..t.span.start].ends_with(['<', '{']);
        let closes = text
            .get(t.span.end..)
            .is_some_and(|r| r.starts_with(['>', '}']));
        if opens && closes {
            continue;
        }
        let in_code = code
            .iter()
            .any(|c| c.start <= t.span.start && t.span.end <= c.end);
        if let Some(last) = out.last_mut() {
            let prev = &tokens[last.tokens.end - 1];
            let gap = text.get(prev.span.end..t.span.start).unwrap_or(" ");
            let joined = matches!(gap, "-" | "_" | "/") && prev.span.end < t.span.start;
            if joined && last.tokens.end == i {
                last.tokens.end = i + 1;
                last.raw = text
                    .get(tokens[last.tokens.start].span.start..t.span.end)
                    .unwrap_or("")
                    .to_string();
                last.code |= in_code;
                continue;
            }
        }
        out.push(Unit {
            tokens: i..i + 1,
            raw: text.get(t.span.clone()).unwrap_or("").to_string(),
            code: in_code,
        });
    }
    out
}

/// HTTP methods and alias prefixes in front of a name: `POST /payments` names `payments`.
const NAME_PREFIXES: &[&str] = &["get", "post", "put", "patch", "delete", "alias"];

fn identifier_name(unit: &Unit, words: &[&str]) -> Option<String> {
    let mut ws: Vec<&str> = words[unit.tokens.clone()].to_vec();
    // Numbering, regions and versions are no names: "H-1", "eu-west-1", "TLS_1_2".
    if ws
        .iter()
        .any(|w| w.chars().all(|c| c.is_ascii_digit() || c == '.'))
        || (ws.len() <= 2 && ws.iter().any(|w| w.len() == 1))
    {
        return None;
    }
    while ws.len() > 1 && NAME_PREFIXES.contains(&ws[0]) {
        ws.remove(0);
    }
    if ws.len() == 1 && NAME_PREFIXES.contains(&ws[0]) {
        return None;
    }
    let _ = &unit.raw;
    Some(ws.join("-"))
}

/// The names in a run of units: identifiers, the words before a kind noun, proper nouns that
/// do not start the sentence. `at_start`: the run starts the sentence (its first word's capital
/// says nothing).
fn names_in(units: &[Unit], words: &[&str], text: &str, at_start: bool) -> Vec<String> {
    names_in_with(units, words, text, at_start, true)
}

/// [`names_in`]; without `proper_nouns`, a capital says nothing (headings are title case).
fn names_in_with(
    units: &[Unit],
    words: &[&str],
    text: &str,
    at_start: bool,
    proper_nouns: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    // Modifier groups before a kind noun, split by `and`/`or`: "billing and ledger keys".
    let mut mods: Vec<Vec<&str>> = Vec::new();
    let mut services: Vec<&str> = Vec::new();
    // An identifier was just named: the service and kind words after it say what it is
    // ("`fp-device-provisioner` EC2 host", "the order-events S3 bucket"), not another name.
    let mut after_identifier = false;
    for (k, u) in units.iter().enumerate() {
        let w = words[u.tokens.start];
        if u.is_identifier(words) || (u.code && u.tokens.len() == 1 && !NOT_NAMES.contains(&w)) {
            if let Some(n) = identifier_name(u, words) {
                out.push(n);
                after_identifier = true;
            }
            mods.clear();
            services.clear();
            continue;
        }
        if u.tokens.len() == 1 && is_kind(w) {
            mods.retain(|g| !g.is_empty());
            if !mods.is_empty() {
                for g in &mods {
                    out.push(format!("{} {w}", g.join(" ")));
                }
            } else if !services.is_empty() && !after_identifier {
                out.push(format!("{} {w}", services.join(" ")));
            }
            mods.clear();
            services.clear();
            after_identifier = false;
            continue;
        }
        if u.tokens.len() == 1 && NAME_CONTINUING.contains(&w) {
            if let Some(g) = mods.last_mut().filter(|g| !g.is_empty()) {
                g.push(w);
                continue;
            }
        }
        if u.tokens.len() == 1 && SERVICE_WORDS.contains(&w) {
            services.push(w);
            continue;
        }
        // After a name, a product word says what the named thing is ("the lantern-links
        // CloudFront distribution").
        if after_identifier && u.tokens.len() == 1 && PRODUCT_WORDS.contains(&w) {
            continue;
        }
        after_identifier = false;
        if u.tokens.len() == 1 && matches!(w, "and" | "or") && !mods.is_empty() {
            mods.push(Vec::new());
            continue;
        }
        if u.tokens.len() == 1
            && !NOT_NAMES.contains(&w)
            && !VERBS.contains(&w)
            && !w.chars().all(|c| c.is_ascii_digit() || c == '.')
        {
            match mods.last_mut() {
                Some(g) => g.push(w),
                None => mods.push(vec![w]),
            }
            // A proper noun not at the sentence's start: "connections to Redis".
            let first = u.raw.chars().next();
            // An acronym after "the" is a name too: "the ALB", "the SPA".
            let acronym = k > 0
                && words[units[k - 1].tokens.start] == "the"
                && u.raw.len() >= 2
                && u.raw.chars().all(|c| c.is_ascii_uppercase());
            let proper = proper_nouns
                && first.is_some_and(char::is_uppercase)
                && (u.raw.chars().skip(1).any(char::is_lowercase) || acronym)
                && !(at_start && k == 0);
            let next_continues = units.get(k + 1).is_some_and(|n| {
                is_word_unit(n, words) || (n.tokens.len() == 1 && is_kind(words[n.tokens.start]))
            });
            let service = k > 0 && {
                let before = words[units[k - 1].tokens.start];
                SERVICE_NAMES.iter().any(|(a, b)| *a == before && *b == w)
            };
            if proper && !next_continues && !service {
                out.push(w.to_string());
                mods.clear();
            }
            continue;
        }
        mods.clear();
        services.clear();
    }
    let _ = text;
    out
}

/// A unit that is a plain word that could continue a noun phrase.
fn is_word_unit(u: &Unit, words: &[&str]) -> bool {
    let w = words[u.tokens.start];
    u.tokens.len() == 1 && !NOT_NAMES.contains(&w) && !VERBS.contains(&w)
}

/// Whether the clause that token `i` opens goes on coordinating noun phrases: only a comma or
/// a bracket stands before it, and the word before is no conjunction that ends a clause.
fn coordinates(text: &str, tokens: &[Token], i: usize) -> bool {
    let Some(prev) = i.checked_sub(1).map(|p| &tokens[p]) else {
        return false;
    };
    let gap = text.get(prev.span.end..tokens[i].span.start).unwrap_or(";");
    !super::text::ends_clause(&prev.word)
        && gap
            .chars()
            .all(|c| matches!(c, ',' | '(' | ')' | '`') || c.is_whitespace())
}

/// Reads the scope of a sentence (see the module's documentation).
pub(crate) fn read(
    text: &str,
    tokens: &[Token],
    code: &[Range<usize>],
    proper: &HashSet<String>,
) -> Scope {
    let words: Vec<&str> = tokens.iter().map(|t| t.word.as_str()).collect();
    let units = units(text, tokens, code);
    let mut scope = Scope::default();
    // Carve-outs first: their names are not the subject's.
    let mut end = units.len();
    'cues: for (k, u) in units.iter().enumerate() {
        for cue in EXCEPT_CUES {
            let i = u.tokens.start;
            if i + cue.len() <= words.len() && words[i..i + cue.len()] == **cue {
                let clause = tokens[i].clause;
                let after: Vec<Unit> = units
                    .iter()
                    .skip_while(|x| x.tokens.start < i + cue.len())
                    .take_while(|x| tokens[x.tokens.start].clause == clause)
                    .cloned()
                    .collect();
                let names = names_in(&after, &words, text, false);
                let names = if names.is_empty() {
                    // "except the support staff": the plain words that end the clause.
                    let mut run: Vec<&str> = after
                        .iter()
                        .rev()
                        .take_while(|x| is_word_unit(x, &words))
                        .take(3)
                        .map(|x| words[x.tokens.start])
                        .collect();
                    run.reverse();
                    if run.is_empty() {
                        Vec::new()
                    } else {
                        vec![run.join(" ")]
                    }
                } else {
                    names
                };
                if !names.is_empty() {
                    scope.why =
                        format!("scope: all but {} (`{}`)", names.join(", "), cue.join(" "));
                    scope.excluded = names;
                    end = k;
                    break 'cues;
                }
            }
        }
    }
    let mut units = &units[..end];
    // An exception cue that opens the sentence ("Save …", "Except …") leaves no subject before
    // it: the exclusion is all there is to say (found by fuzzing the claim reader).
    if units.is_empty() {
        return scope;
    }
    // A leading clause that only sets the time or answers ("Yes, the fp-cleanup-fn Lambda
    // runs …", "Today, the orders table …", "In production, …") is not the subject.
    let lead_clause = tokens[units[0].tokens.start].clause;
    let lead_len = units
        .iter()
        .take_while(|u| tokens[u.tokens.start].clause == lead_clause)
        .count();
    if lead_len < units.len()
        && units[..lead_len]
            .iter()
            .all(|u| u.tokens.len() == 1 && LEAD_WORDS.contains(&words[u.tokens.start]))
    {
        units = &units[lead_len..];
    }
    // "Bad, because `carrier-sync` still has …": the verdict and its `because` name nothing.
    if units.len() > 2
        && VERDICTS.contains(&words[units[0].tokens.start])
        && tokens[units[0].tokens.start].clause != tokens[units[1].tokens.start].clause
        && words[units[1].tokens.start] == "because"
    {
        units = &units[2..];
    }
    // A leading clause that opens with a preposition or a conjunction of time sets the
    // circumstances ("On every token issue, Cognito calls …", "When a tenant signs up, …"): the
    // subject comes after it.
    let lead_clause = tokens[units[0].tokens.start].clause;
    let lead_len = units
        .iter()
        .take_while(|u| tokens[u.tokens.start].clause == lead_clause)
        .count();
    let mut circumstance: Vec<String> = Vec::new();
    if lead_len < units.len() && ADVERBIAL_OPENERS.contains(&words[units[0].tokens.start]) {
        // Where it happens may still say what the sentence is about ("On the ALB, TLS 1.2 is
        // the minimum"): its names count when the subject names nothing.
        let lead = &units[1..lead_len];
        if !lead
            .first()
            .is_some_and(|u| QUANTIFIERS.contains(&words[u.tokens.start]))
        {
            circumstance = names_in(lead, &words, text, false);
        }
        units = &units[lead_len..];
    }
    // A label before a colon, followed by a clause with a verb of its own, is that clause's
    // heading ("WS API: `$connect` requires a JWT"): the subject is the clause's. Followed by
    // no verb ("REST `/send`: IAM auth only"), the label is the subject.
    let verb_unit = |u: &Unit| u.tokens.len() == 1 && !u.code && is_verb(words[u.tokens.start]);
    let mut label: Vec<String> = Vec::new();
    if let Some(colon) = units.iter().position(|u| {
        u.tokens.start > 0
            && text
                .get(tokens[u.tokens.start - 1].span.end..tokens[u.tokens.start].span.start)
                .is_some_and(|gap| gap.contains(':'))
    }) {
        let clause = tokens[units[colon].tokens.start].clause;
        let clause_verb = units[colon..]
            .iter()
            .take_while(|u| tokens[u.tokens.start].clause == clause)
            .any(verb_unit);
        // A clause that opens with its verb ("Athena Workgroup: Enforces encrypted results")
        // has no subject of its own: the label is it.
        if colon > 0
            && !units[..colon].iter().any(verb_unit)
            && clause_verb
            && !verb_unit(&units[colon])
        {
            label = names_in_with(&units[..colon], &words, text, true, false);
            units = &units[colon..];
        }
    }
    // "We accept that this back-office task has full data access": a speaker's verb before
    // `that` reports a clause; its subject is what the sentence is about.
    if matches!(words[units[0].tokens.start], "we" | "i") {
        if let Some(that) = units
            .iter()
            .take(4)
            .position(|u| words[u.tokens.start] == "that")
            .filter(|&t| t > 1 && t + 1 < units.len())
        {
            units = &units[that + 1..];
        }
    }
    // A leading "For Business workspaces, …" scopes the whole sentence.
    let first_clause = tokens[units[0].tokens.start].clause;
    if words[units[0].tokens.start] == "for" {
        let lead: Vec<&Unit> = units
            .iter()
            .take_while(|u| tokens[u.tokens.start].clause == first_clause)
            .collect();
        if lead.len() < units.len() {
            let lead_units: Vec<Unit> = lead.iter().skip(1).map(|u| (*u).clone()).collect();
            if lead_units
                .first()
                .is_some_and(|u| QUANTIFIERS.contains(&words[u.tokens.start]))
            {
                scope.universal = true;
                return scope;
            }
            let mut names = names_in(&lead_units, &words, text, false);
            if names.is_empty() {
                // "For Business workspaces": the words before the kind noun, even capitalized.
                names = lead_units
                    .iter()
                    .filter(|u| is_word_unit(u, &words))
                    .map(|u| words[u.tokens.start].to_string())
                    .take(3)
                    .collect();
            }
            if !names.is_empty() {
                scope.why = format!("scope `{}`", names.join(", "));
                scope.names = names;
                return scope;
            }
        }
    }
    // The subject: the units before the first verb, in the first clause.
    // A verb right before a kind noun is a noun of the name: "the delivery **log** table".
    let noun_before_kind = |k: usize| {
        units.get(k + 1).is_some_and(|n| {
            n.tokens.len() == 1
                && is_kind(words[n.tokens.start])
                && tokens[n.tokens.start].clause == tokens[units[k].tokens.start].clause
        }) && !matches!(
            words[units[k].tokens.start],
            "is" | "are" | "was" | "were" | "not"
        )
    };
    // A subject coordinates its conjuncts across commas and brackets ("The patient-records
    // database (Amazon Aurora PostgreSQL), the attachments bucket, and the audit-export bucket
    // are …"); a semicolon, a colon, a dash or a conjunction that ends a clause ends it.
    let subject_len = units
        .iter()
        .enumerate()
        .position(|(k, u)| {
            let i = u.tokens.start;
            // Inline code is a name, never a verb (`/send`).
            let verb = verb_unit(u) && !noun_before_kind(k);
            let clause_ends =
                k > 0 && tokens[i].clause != tokens[i - 1].clause && !coordinates(text, tokens, i);
            verb || clause_ends
        })
        .unwrap_or(units.len());
    if let (Some(first), Some(last)) = (units.first(), subject_len.checked_sub(1)) {
        scope.subject = first.tokens.start..units[last].tokens.end;
    }
    // What brackets hold after a name says what it is ("(Amazon Aurora PostgreSQL)"), not
    // another thing.
    let subject: Vec<Unit> = units[..subject_len]
        .iter()
        .scan(false, |inside, u| {
            let i = u.tokens.start;
            let gap = i
                .checked_sub(1)
                .and_then(|p| text.get(tokens[p].span.end..tokens[i].span.start))
                .unwrap_or("");
            if gap.contains(')') {
                *inside = false;
            }
            if gap.contains('(') {
                *inside = true;
            }
            Some((*inside, u))
        })
        // Nor is an adverb between commas ("The ALB, however, is …").
        .filter(|(inside, u)| {
            let adverb = u.tokens.len() == 1 && super::text::ends_clause(words[u.tokens.start]);
            !(*inside || adverb)
        })
        .map(|(_, x)| x.clone())
        .collect();
    let subject = &subject[..];
    let first_word = words[units[0].tokens.start];
    if QUANTIFIERS.contains(&first_word) {
        // "Every dataset bucket policy …" quantifies over the dataset buckets only: the
        // words before the kind noun restrict it.
        let restricted: Vec<String> =
            names_in(subject.get(1..).unwrap_or(&[]), &words, text, false)
                .into_iter()
                .filter(|n| {
                    n.rsplit(' ').next().is_some_and(is_kind) && n.contains(' ') && distinctive(n)
                })
                .collect();
        // "Every RDS built from the kelp-rds module" covers the ones the named thing makes.
        let restricted = if restricted.is_empty() {
            let spelled: Vec<Unit> = subject
                .get(1..)
                .unwrap_or(&[])
                .iter()
                .filter(|u| u.is_identifier(&words) && u.raw.contains(['-', '/']))
                .cloned()
                .collect();
            names_in(&spelled, &words, text, false)
        } else {
            restricted
        };
        if !restricted.is_empty() && first_word != "no" && first_word != "none" {
            scope.why = format!("scope `{}` (`{first_word}`)", restricted.join(", "));
            scope.names = restricted;
            scope.of_subject = true;
            return scope;
        }
        scope.universal = true;
        return scope;
    }
    if PRONOUNS.contains(&first_word) {
        return scope;
    }
    // An indefinite subject ("A pre token generation trigger copies …") introduces a thing
    // without naming it: only an identifier in it is a name.
    let mut names = if matches!(first_word, "a" | "an") {
        let identifiers: Vec<Unit> = subject
            .iter()
            .filter(|u| u.code || u.is_identifier(&words))
            .cloned()
            .collect();
        names_in(&identifiers, &words, text, false)
    } else {
        // A word the document wrote capitalized inside a sentence before is a name at the
        // start of one too ("… the `fp-readings` Timestream database …", then "Timestream
        // encrypts with the AWS-managed key").
        let seen_proper = subject.first().is_some_and(|u| {
            u.tokens.len() == 1
                && u.raw.starts_with(char::is_uppercase)
                && proper.contains(words[u.tokens.start])
        });
        names_in(subject, &words, text, !seen_proper)
    };
    // A subject that names a kind of thing without naming which ("security groups permit …")
    // is about all of them; a subject that is the control itself ("MFA is optional for …")
    // takes its scope from the phrase that says what it applies to.
    let head_is_kind = subject
        .last()
        .is_some_and(|u| u.tokens.len() == 1 && is_kind(words[u.tokens.start]));
    if names.is_empty() && !head_is_kind {
        let clause_end = units
            .iter()
            .position(|u| tokens[u.tokens.start].clause != first_clause)
            .unwrap_or(units.len());
        let rest = &units[subject_len.min(clause_end)..clause_end];
        let mut k = 0;
        while k < rest.len() {
            let w = words[rest[k].tokens.start];
            if rest[k].tokens.len() == 1 && TARGET_PREPOSITIONS.contains(&w) {
                let phrase: Vec<Unit> = rest[k + 1..]
                    .iter()
                    .take_while(|u| {
                        !(u.tokens.len() == 1
                            && (TARGET_PREPOSITIONS.contains(&words[u.tokens.start])
                                || VERBS.contains(&words[u.tokens.start])))
                    })
                    .cloned()
                    .collect();
                if phrase
                    .first()
                    .is_some_and(|u| QUANTIFIERS.contains(&words[u.tokens.start]))
                {
                    scope.universal = true;
                    break;
                }
                names = names_in(&phrase, &words, text, false);
                if !names.is_empty() {
                    scope.why = format!("scope `{}` (`{w}`)", names.join(", "));
                    break;
                }
            }
            k += 1;
        }
    } else if !names.is_empty() {
        scope.why = format!("scope `{}` (subject)", names.join(", "));
        scope.of_subject = true;
    }
    // A subject that names nothing and is no kind of thing ("Receipts are encrypted with
    // alias/harbor-receipts", "Internal traffic goes to ledger-api") leaves the claim to the
    // thing its clause spells out by name. Not a subject that is a thing without a name ("The
    // table and both replicas …", "Secrets Manager is reached …", "The internal ALB …"): the
    // sentence is about it.
    let subject_thing = subject.iter().enumerate().any(|(k, u)| {
        let w = words[u.tokens.start];
        u.tokens.len() == 1
            && (is_kind(w)
                || is_product(w)
                || (k > 0 && {
                    let before = words[subject[k - 1].tokens.start];
                    SERVICE_NAMES.iter().any(|(a, b)| *a == before && *b == w)
                }))
    });
    if names.is_empty() && !subject_thing && !scope.universal && subject_len > 0 {
        let clause_end = units
            .iter()
            .position(|u| tokens[u.tokens.start].clause != first_clause)
            .unwrap_or(units.len());
        // Spelled as a resource is: words joined by `-` or `/` (`dispatch-core`,
        // `alias/lantern-exports`); one word of code or a `snake_case` attribute
        // (`source_account`, `custom:district_id`) is a setting, not a thing.
        let spelled: Vec<Unit> = units[subject_len.min(clause_end)..clause_end]
            .iter()
            .filter(|u| u.is_identifier(&words) && u.raw.contains(['-', '/']))
            .cloned()
            .collect();
        let found = names_in(&spelled, &words, text, false);
        if !found.is_empty() {
            scope.why = format!("scope `{}` (named in the clause)", found.join(", "));
            names = found;
        }
    }
    if names.is_empty() && !label.is_empty() {
        scope.why = format!("scope `{}` (the label before the colon)", label.join(", "));
        names = label;
    }
    if names.is_empty() && !scope.universal && !circumstance.is_empty() {
        scope.why = format!("scope `{}` (the opening phrase)", circumstance.join(", "));
        names = circumstance;
    }
    scope.names = names;
    scope
}

/// The non-restrictive relative clauses of a sentence (", which …", ", who …"), each as the
/// clause it is (`Token::clause`) and the identifier it refers to, when the words right before
/// its comma end in one: "… goes through lumen-export-reader, which trusts that account only
/// …" says of `lumen-export-reader` that it trusts the account only.
pub(crate) fn relative_clauses(
    text: &str,
    tokens: &[Token],
    code: &[Range<usize>],
) -> Vec<(u32, String)> {
    let words: Vec<&str> = tokens.iter().map(|t| t.word.as_str()).collect();
    let units = units(text, tokens, code);
    let mut out = Vec::new();
    for k in 1..units.len() {
        let i = units[k].tokens.start;
        let before = &units[k - 1];
        let gap = text
            .get(tokens[before.tokens.end - 1].span.end..tokens[i].span.start)
            .unwrap_or("");
        // ", which …", ", who …", ", whose …", and with a preposition: ", on which …".
        let relative = |w: &str| matches!(w, "which" | "who") || w == "whose";
        let opens = relative(words[i])
            || (units[k].tokens.len() == 1
                && TARGET_PREPOSITIONS
                    .iter()
                    .chain(&["in", "to", "from", "with"])
                    .any(|p| *p == words[i])
                && units
                    .get(k + 1)
                    .is_some_and(|n| n.tokens.len() == 1 && words[n.tokens.start] == "which"));
        if !(opens && gap.trim() == ",") {
            continue;
        }
        let spelled = before.code || before.is_identifier(&words);
        if let Some(name) = identifier_name(before, &words).filter(|_| spelled) {
            out.push((tokens[i].clause, name));
            continue;
        }
        // The noun phrase the clause hangs on, back to its determiner: "the lantern-links
        // CloudFront distribution, which accepts …", "the gb-support tool, whose role …".
        let clause = tokens[before.tokens.start].clause;
        let start = units[..k]
            .iter()
            .rposition(|u| {
                let w = words[u.tokens.start];
                tokens[u.tokens.start].clause != clause
                    || (u.tokens.len() == 1
                        && !u.code
                        && (DEFINITE.contains(&w) || matches!(w, "a" | "an") || is_verb(w)))
            })
            .map_or(0, |p| p + 1);
        let names = names_in(&units[start..k], &words, text, start == 0);
        if let [name] = &names[..] {
            out.push((tokens[i].clause, name.clone()));
        }
    }
    out
}

/// The words a sentence writes capitalized where a sentence does not start (not first, not
/// after a colon or a quote): the document's proper nouns, lowercase.
pub(crate) fn proper_nouns(text: &str, tokens: &[Token]) -> Vec<String> {
    tokens
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(i, t)| {
            let raw = text.get(t.span.clone()).unwrap_or("");
            let gap = text
                .get(tokens[i - 1].span.end..t.span.start)
                .unwrap_or(":");
            raw.starts_with(char::is_uppercase)
                && raw.chars().skip(1).any(char::is_lowercase)
                && !gap.contains([':', '"', '.', '!', '?', '|'])
                && !NOT_NAMES.contains(&t.word.as_str())
                && !VERBS.contains(&t.word.as_str())
        })
        .map(|(_, t)| t.word.clone())
        .collect()
}

/// The names a sentence gives things of a kind, wherever they stand: "the ledger **table**"
/// (`table`, `ledger table`), "`fp-raw-archive` **bucket**", "the **key** `alias/orders`"
/// (`key`, `orders`): what a later sentence's "the key" or "both buckets" refers to. Kinds
/// are folded (`buckets` → `bucket`).
pub(crate) fn kinded_names(
    text: &str,
    tokens: &[Token],
    code: &[Range<usize>],
) -> Vec<(String, String)> {
    let words: Vec<&str> = tokens.iter().map(|t| t.word.as_str()).collect();
    // A negated noun phrase introduces nothing to refer back to: after "its rule has no replica
    // key configured", "the key" is not a replica key.
    let mut negated: Option<u32> = None;
    let units: Vec<Unit> = units(text, tokens, code)
        .into_iter()
        .filter(|u| {
            let w = words[u.tokens.start];
            let clause = tokens[u.tokens.start].clause;
            let single = u.tokens.len() == 1;
            if single && matches!(w, "no" | "without") {
                negated = Some(clause);
                return false;
            }
            if negated.is_some_and(|c| c != clause) || is_verb(w) {
                negated = None;
            }
            let keep = negated.is_none();
            if single && is_kind(w) {
                negated = None;
            }
            keep
        })
        .collect();
    let kind_at = |k: usize| -> Option<&str> {
        let u = units.get(k)?;
        (u.tokens.len() == 1 && is_kind(words[u.tokens.start]))
            .then(|| super::text::fold(words[u.tokens.start]))
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for name in names_in(&units, &words, text, true) {
        if let Some(last) = name.rsplit(' ').next().filter(|w| is_kind(w)) {
            if name.contains(' ') && distinctive(&name) {
                out.push((super::text::fold(last).to_string(), name.clone()));
            }
        }
    }
    for (k, u) in units.iter().enumerate() {
        let identifier =
            u.is_identifier(&words) || (u.code && !NOT_NAMES.contains(&words[u.tokens.start]));
        if !identifier {
            continue;
        }
        let Some(name) = identifier_name(u, &words) else {
            continue;
        };
        // The kind right after it (past service words), or right before it.
        let mut after = k + 1;
        while units
            .get(after)
            .is_some_and(|n| n.tokens.len() == 1 && SERVICE_WORDS.contains(&words[n.tokens.start]))
        {
            after += 1;
        }
        let kind = kind_at(after).or_else(|| k.checked_sub(1).and_then(kind_at));
        if let Some(kind) = kind {
            out.push((kind.to_string(), name));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether a name has a word that tells its thing from others of its kind: "ledger table"
/// does, "SQS queue" and "the RDS instance" do not.
pub(crate) fn distinctive(name: &str) -> bool {
    name.split(' ')
        .any(|w| !(is_kind(w) || NOT_NAMES.contains(&w) || SERVICE_WORDS.contains(&w)))
}

/// Determiners of a definite description: "**the** key", "**both** buckets", "**that**
/// role".
const DEFINITE: &[&str] = &[
    "the", "this", "that", "these", "those", "both", "its", "their",
];

/// The kind nouns of a subject that is a definite description naming no thing: "The key
/// rotates …" → `key`; "Both buckets block …" → `bucket`; "The key policy allows …" →
/// `policy`, `key` (last first). Empty when the subject names something or is no such
/// description.
pub(crate) fn definite_kinds(tokens: &[Token]) -> Vec<String> {
    let words: Vec<&str> = tokens.iter().map(|t| t.word.as_str()).collect();
    if !words.first().is_some_and(|w| DEFINITE.contains(w)) {
        return Vec::new();
    }
    // A demonstrative points back whatever describes it ("this back-office task").
    let demonstrative = matches!(words[0], "this" | "that" | "these" | "those");
    let clause = tokens[0].clause;
    let mut kinds = Vec::new();
    for (k, w) in words.iter().enumerate().skip(1).take(4) {
        if tokens[k].clause != clause {
            break;
        }
        if is_kind(w) {
            kinds.push(super::text::fold(w).to_string());
        } else if !kinds.is_empty()
            || !(demonstrative || NOT_NAMES.contains(w) || SERVICE_WORDS.contains(w))
        {
            break;
        }
    }
    kinds.reverse();
    kinds
}

/// The scope of a table row: what its first cell names ("payments table (DynamoDB)" →
/// `payments table`; "Enterprise" → `enterprise`).
pub(crate) fn row(first_cell: &str) -> Scope {
    let cell = first_cell.split(" (").next().unwrap_or("").trim();
    let tokens = super::text::tokenize(cell);
    let words: Vec<&str> = tokens.iter().map(|t| t.word.as_str()).collect();
    let units = units(cell, &tokens, &[]);
    let mut names = names_in(&units, &words, cell, true);
    if names.is_empty() {
        let plain: Vec<&str> = words
            .iter()
            .copied()
            .filter(|w| !NOT_NAMES.contains(w))
            .collect();
        if !plain.is_empty() {
            names.push(plain.join(" "));
        }
    }
    Scope {
        why: if names.is_empty() {
            String::new()
        } else {
            format!("scope `{}` (the row)", names.join(", "))
        },
        names,
        ..Scope::default()
    }
}

/// Whether a table cell is a variable's name: one lowercase word joined by underscores
/// (`subnet_ids`, `enable_pitr`), as module inputs and outputs are spelled.
pub(crate) fn is_variable(cell: &str) -> bool {
    let name = cell.trim().trim_matches('`');
    name.contains('_')
        && !name.starts_with('_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The scope of a row about a variable (a module's inputs table: "`subnet_ids` | Private
/// subnets for `verify`. …"): the variable names no component; the components its description
/// names, wherever they stand, are what the row is about. Other variables it mentions
/// (`domain_name`) are no components either.
pub(crate) fn variable_row(variable: &str, description: &str, code: &[Range<usize>]) -> Scope {
    let tokens = super::text::tokenize(description);
    let words: Vec<&str> = tokens.iter().map(|t| t.word.as_str()).collect();
    // What the description spells as names; its kind words ("Customer-managed KMS key for …")
    // say what the variable is.
    let units: Vec<Unit> = units(description, &tokens, code)
        .into_iter()
        .filter(|u| u.code || u.is_identifier(&words))
        .collect();
    let names: Vec<String> = names_in(&units, &words, description, true)
        .into_iter()
        .filter(|n| !is_variable(&description_name(n, description)))
        .collect();
    let variable = variable.trim().trim_matches('`');
    let why = if names.is_empty() {
        format!("`{variable}` is a variable, which names no component")
    } else {
        format!(
            "scope `{}` (the description of the variable `{variable}`)",
            names.join(", ")
        )
    };
    Scope {
        names,
        why,
        ..Scope::default()
    }
}

/// How a name read from a description is spelled there (`domain-name` is `domain_name`).
fn description_name(name: &str, description: &str) -> String {
    let underscored = name.replace('-', "_");
    if description.contains(&underscored) {
        underscored
    } else {
        name.to_string()
    }
}

/// The scope a heading gives the sentences under it: the component it names ("### guests
/// (RDS for PostgreSQL 16)" → `guests`; "### Documents bucket" → `documents bucket`), if any.
pub(crate) fn heading(text: &str) -> Vec<String> {
    let tokens = super::text::tokenize(text);
    let words: Vec<&str> = tokens.iter().map(|t| t.word.as_str()).collect();
    let units = units(text, &tokens, &[]);
    let names = names_in_with(&units, &words, text, true, false);
    if !names.is_empty() {
        return names;
    }
    // A name alone, written as names are (lowercase or code), before what it is:
    // "reservations (DynamoDB global table …)"; not "Edge (CloudFront)".
    if let Some((name, _)) = text.split_once(" (") {
        let name = name.trim().trim_matches('`');
        let lowercase = name.chars().next().is_some_and(char::is_lowercase);
        let name = name.to_lowercase();
        let plain = lowercase
            && name.split_whitespace().count() <= 2
            && !name.is_empty()
            && name
                .split_whitespace()
                .all(|w| !NOT_NAMES.contains(&w) && !is_kind(w));
        if plain {
            return vec![name];
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::text::tokenize;

    fn scope(text: &str) -> Scope {
        let code: Vec<Range<usize>> = {
            let mut out = Vec::new();
            let mut open = None;
            for (i, c) in text.char_indices() {
                if c == '`' {
                    match open.take() {
                        Some(s) => out.push(s..i),
                        None => open = Some(i + 1),
                    }
                }
            }
            out
        };
        read(text, &tokenize(text), &code, &HashSet::new())
    }

    #[test]
    fn claims_scope_definite_descriptions() {
        let t = "The ledger table and the `fp-raw` bucket use the KMS key `alias/ledger`.";
        let at = t.find("fp-raw").unwrap();
        let code: Vec<Range<usize>> = std::iter::once(at..at + 6).collect();
        assert_eq!(
            kinded_names(t, &tokenize(t), &code),
            [
                ("bucket".to_string(), "fp-raw".to_string()),
                ("key".to_string(), "ledger".to_string()),
                ("table".to_string(), "ledger table".to_string()),
            ]
        );
        assert_eq!(
            definite_kinds(&tokenize("The key rotates yearly.")),
            ["key"]
        );
        assert_eq!(
            definite_kinds(&tokenize("Both buckets block public access.")),
            ["bucket"]
        );
        assert_eq!(
            definite_kinds(&tokenize("The key policy allows it.")),
            ["polic", "key"]
        );
        assert!(definite_kinds(&tokenize("The ledger table is encrypted.")).is_empty());
        // A negated noun phrase introduces nothing to refer back to.
        let t = "The bucket replicates, but its rule has no replica key configured.";
        assert_eq!(kinded_names(t, &tokenize(t), &[]), []);
        assert!(!distinctive("sqs queue"));
        assert!(distinctive("ledger table"));
        assert!(definite_kinds(&tokenize("Every key rotates.")).is_empty());
        assert_eq!(
            definite_kinds(&tokenize("This back-office task has full access.")),
            ["task"],
            "a demonstrative points back whatever describes it"
        );
        assert!(definite_kinds(&tokenize("The back-office task has full access.")).is_empty());
    }

    #[test]
    fn claims_scope_product_words_beside_a_name_are_its_kind() {
        // An engine or product after a name says what the named thing is.
        assert_eq!(
            scope("The ledger-store Aurora cluster is encrypted at rest.").names,
            ["ledger-store"]
        );
        assert_eq!(
            scope("The pier-cache Redis cluster requires TLS.").names,
            ["pier-cache"]
        );
        // Alone, it still names the thing.
        assert_eq!(
            scope("The Aurora cluster is encrypted at rest.").names,
            ["aurora cluster"]
        );
        assert_eq!(scope("Sessions in Redis are encrypted.").names, ["redis"]);
    }

    #[test]
    fn claims_scope_relative_clause_hangs_on_its_noun_phrase() {
        let relatives = |t: &str| -> Vec<String> {
            relative_clauses(t, &tokenize(t), &[])
                .into_iter()
                .map(|(_, n)| n)
                .collect()
        };
        assert_eq!(
            relatives("Reports are served by the north-reports CloudFront distribution, which requires TLS 1.2."),
            ["north-reports"]
        );
        assert_eq!(
            relatives("Clerks use the billing-ops tool, whose role can read every invoice."),
            ["billing-ops"]
        );
        assert_eq!(
            relatives("Files sit in the bucket pier-files, on which versioning is on."),
            ["pier-files"]
        );
        // A noun phrase that names nothing gives the clause nothing to refer to.
        assert!(
            relatives("Traffic goes through the shared gateway, which allows TLS 1.0.").is_empty()
        );
        // Nor does a restrictive clause (no comma).
        assert!(
            relatives("It uses the north-reports distribution which requires TLS 1.2.").is_empty()
        );
    }

    #[test]
    fn claims_scope_a_subject_naming_nothing_leaves_it_to_the_name_in_its_clause() {
        let s = scope("Receipts are encrypted with alias/harbor-receipts, a customer-managed key.");
        assert_eq!(s.names, ["harbor-receipts"]);
        assert!(s.why.contains("harbor-receipts"), "{}", s.why);
        assert_eq!(
            scope("Internal traffic goes to ledger-api without authentication.").names,
            ["ledger-api"]
        );
        // A subject that is a thing of a kind or a service is what the sentence is about.
        assert!(scope("The queue is encrypted with alias/harbor-queue.")
            .names
            .is_empty());
        assert!(
            scope("Secrets Manager is reached through an endpoint in the harbor-core VPC.")
                .names
                .is_empty()
        );
        // A snake_case attribute is a setting, not a thing; a name in a later clause is not
        // the first clause's.
        assert!(scope("Tokens carry a custom:org_id claim.")
            .names
            .is_empty());
        assert!(scope("Receipts are encrypted, and harbor-ops reads them.")
            .names
            .is_empty());
    }

    #[test]
    fn claims_scope_a_quantifier_restricted_by_a_name() {
        let s = scope("Every bucket made by the harbor-storage module blocks public access.");
        assert_eq!(s.names, ["harbor-storage"]);
        assert!(!s.universal);
        assert!(scope("Every bucket blocks public access.").universal);
        assert!(scope("No bucket made by the harbor-storage module is public.").universal);
    }

    #[test]
    fn claims_scope_a_variable_names_no_component() {
        assert!(is_variable("`retention_days`"));
        assert!(is_variable("subnet_ids"));
        assert!(!is_variable("audit-logs"));
        assert!(!is_variable("Orders_Table"));
        assert!(!is_variable("ledger"));
        let d = "Private subnets for worker-fn and `probe`; see `vpc_id`.";
        let code: Vec<Range<usize>> = ["`probe`", "`vpc_id`"]
            .iter()
            .map(|c| {
                let at = d.find(c).unwrap();
                at + 1..at + c.len() - 1
            })
            .collect();
        let s = variable_row("`subnet_ids`", d, &code);
        assert_eq!(s.names, ["worker-fn", "probe"]);
        assert!(s.why.contains("subnet_ids"), "{}", s.why);
        let s = variable_row("cert_arn", "The certificate for the API domain.", &[]);
        assert!(s.names.is_empty());
        assert!(s.why.contains("cert_arn"), "{}", s.why);
    }

    #[test]
    fn claims_scope_from_words() {
        assert_eq!(
            scope("fp-telemetry has encryption on.").names,
            ["fp-telemetry"]
        );
        assert_eq!(
            scope("The `settlement-batch` function only needs read access.").names,
            ["settlement-batch"]
        );
        assert_eq!(
            scope("The billing and ledger keys rotate every year.").names,
            ["billing keys", "ledger keys"]
        );
        assert!(scope("Every route requires a token.").universal);
        // A quantifier restricted by the words before its kind noun covers those things only;
        // a service or a bare acronym restricts nothing.
        assert_eq!(
            scope("Every dataset bucket policy denies plain HTTP.").names,
            ["dataset bucket"]
        );
        assert!(scope("All S3 buckets block public access.").universal);
        assert!(scope("All CMKs rotate.").universal);
        // A quantifier inside brackets leaves the subject empty (found by fuzzing).
        assert!(scope("(All) is encrypted.").names.is_empty());
        assert_eq!(
            scope("Access logging is enabled on the public load balancer.").names,
            ["load balancer"]
        );
        assert_eq!(scope("Connections to Redis use TLS.").names, ["redis"]);
        // A decision record's verdict and its `because` are no subject.
        assert_eq!(
            scope("Bad, because `carrier-sync` still has `dynamodb:*` on the `bookings` table.")
                .names,
            ["carrier-sync"]
        );
        // IRSA says how a role is assumed, not which role it is.
        assert_eq!(
            scope("`billing-sync` IRSA role still has `dynamodb:*` on `table/*`.").names,
            ["billing-sync"]
        );
        // A redirect is what the subject does: "redirects" ends it.
        assert_eq!(
            scope("The port 80 listener on the ALB redirects to 443.").names,
            ["alb"]
        );
        assert_eq!(
            scope("Security groups permit inbound traffic to the ALB.").names,
            Vec::<String>::new()
        );
        assert_eq!(
            scope("All data is encrypted, except the audit bucket.").excluded,
            ["audit bucket"]
        );
        assert_eq!(
            scope("MFA is optional for clinician accounts.").names,
            ["clinician accounts"]
        );
        assert_eq!(
            scope("For Business workspaces, the app encrypts.").names,
            ["business workspaces"]
        );
        assert_eq!(
            scope("Yes, the `fp-cleanup-fn` Lambda runs with AdministratorAccess.").names,
            ["fp-cleanup-fn"]
        );
        assert_eq!(
            scope("The order-events S3 bucket replicates.").names,
            ["order-events"]
        );
        assert_eq!(
            scope("Delivery log table (DynamoDB): default encryption.").names,
            ["delivery log table"]
        );
        assert_eq!(scope("The ALB permits TLS 1.0.").names, ["alb"]);
        // The subject, not the objects; every conjunct of it, and not what brackets say of one.
        let s = scope("The patient-records database (Amazon Aurora PostgreSQL), the attachments bucket, and the audit-export bucket are encrypted with the data key.");
        assert_eq!(
            s.names,
            ["patient-records", "attachments bucket", "audit-export"]
        );
        assert!(s.of_subject);
        assert_eq!(s.subject, 0..15, "up to `are`");
        assert_eq!(scope("The ALB, however, is reachable.").names, ["alb"]);
        // A label before a colon heads a clause with a verb of its own, and is the subject of
        // one without; inline code is a name, never a verb.
        assert_eq!(
            scope("WS API: `$connect` requires a JWT.").names,
            ["connect"]
        );
        assert_eq!(scope("REST `/send`: IAM auth only.").names, ["send"]);
        assert_eq!(
            scope("Athena workgroup `lake-wg`: enforces encrypted results.").names,
            ["lake-wg"]
        );
        // Placeholders and dates name nothing; an indefinite subject names only identifiers.
        assert_eq!(
            scope("The lumen-deploy-<env> roles trust GitHub only.").names,
            ["lumen-deploy"]
        );
        assert!(scope("Escalation paths found in July are closed.")
            .names
            .is_empty());
        assert!(scope("A pre token generation trigger copies the id.")
            .names
            .is_empty());
        assert_eq!(
            scope("A `ws-auth` Lambda authorizer checks the token.").names,
            ["ws-auth"]
        );
        assert_eq!(
            scope("WS API: every route requires a JWT.").names,
            Vec::<String>::new()
        );
        assert_eq!(
            scope("On every token issue, the `pre-token` trigger adds a claim.").names,
            ["pre-token"]
        );
        assert_eq!(scope("On the ALB, TLS 1.2 is the minimum.").names, ["alb"]);
        // What a speaker reports is about the reported clause's subject.
        let s = scope("We accept that the `hr-admin` task has full data access.");
        assert_eq!(s.names, ["hr-admin"]);
        assert_eq!(s.subject, 3..7);
        // ", which …" refers to the identifier right before its comma.
        let t = "Access goes through lumen-export-reader, which trusts that account only.";
        let tokens = tokenize(t);
        let relatives = relative_clauses(t, &tokens, &[]);
        assert_eq!(relatives.len(), 1);
        assert_eq!(relatives[0].1, "lumen-export-reader");
        assert_eq!(relatives[0].0, tokens[6].clause, "the clause of `which`");
        let t = "It uses the default policy, which permits TLS 1.0.";
        assert!(relative_clauses(t, &tokenize(t), &[]).is_empty());
        // A word written capitalized inside an earlier sentence is a name at the start of one.
        let t = "The decoder writes rows to the Timestream database.";
        let proper: HashSet<String> = proper_nouns(t, &tokenize(t)).into_iter().collect();
        assert_eq!(proper, HashSet::from(["timestream".to_string()]));
        let t = "Timestream encrypts with the AWS-managed key.";
        assert_eq!(read(t, &tokenize(t), &[], &proper).names, ["timestream"]);
        assert!(
            scope(t).names.is_empty(),
            "not seen before: a capital at the start"
        );
        assert_eq!(
            scope("Secrets (Twilio, APNs) in Secrets Manager, each granted by ARN.").names,
            Vec::<String>::new()
        );
        assert_eq!(heading("guests (RDS for PostgreSQL 16)"), ["guests"]);
        assert_eq!(heading("Documents bucket"), ["documents bucket"]);
        assert_eq!(heading("H-1: Backups"), Vec::<String>::new());
        assert_eq!(heading("Backups"), Vec::<String>::new());
        assert_eq!(heading("3. Compute"), Vec::<String>::new());
    }
}
