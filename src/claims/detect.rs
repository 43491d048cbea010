//! Which sentences claim that an assumption holds or fails.
//!
//! A sentence is a claim about an assumption when it matches one of its topic phrases and one of
//! its `holds` or `fails` phrases, and it is stated as a fact. Each match of a `holds` or `fails`
//! phrase counts with its own polarity, flipped when a negation governs it ("MFA is **not**
//! required", "roles are **never** shared"); then any `fails` → [`Polarity::Fails`], else
//! [`Polarity::Holds`].
//!
//! Everything works on lowercase word tokens ([`super::text::tokenize`]); a pattern is a phrase of
//! such words, matched on contiguous tokens of one clause.

use super::text::{fold, tokenize, Token};
use super::{Claim, ClaimPatterns, Document, Polarity};
use std::collections::HashMap;

/// A word of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PatternWord {
    /// The word itself.
    Exact(String),
    /// `encrypt*`: any word that starts with this.
    Prefix(String),
    /// A lone `*`: any one word.
    Any,
}

impl PatternWord {
    fn matches(&self, word: &str) -> bool {
        match self {
            PatternWord::Exact(w) => w == word,
            PatternWord::Prefix(p) => word.starts_with(p.as_str()),
            PatternWord::Any => true,
        }
    }
}

/// A phrase as written in a rule file, and its words.
#[derive(Debug, Clone)]
pub(crate) struct Phrase<'a> {
    pub(crate) source: &'a str,
    words: Vec<PatternWord>,
}

impl<'a> Phrase<'a> {
    /// Reads a phrase with the same tokenizer as sentences (so `customer-managed` is two words
    /// and `isn't` is `is not` on both sides). A word may end in `*` (prefix match); a lone `*`
    /// matches any one word.
    pub(crate) fn parse(source: &'a str) -> Phrase<'a> {
        let mut words = Vec::new();
        for chunk in source.split_whitespace() {
            if chunk.chars().all(|c| c == '*') {
                words.push(PatternWord::Any);
                continue;
            }
            let prefix = chunk.ends_with('*');
            let tokens = tokenize(chunk.trim_end_matches('*'));
            let n = tokens.len();
            for (k, t) in tokens.into_iter().enumerate() {
                words.push(if prefix && k + 1 == n {
                    PatternWord::Prefix(t.word)
                } else {
                    PatternWord::Exact(t.word)
                });
            }
        }
        Phrase { source, words }
    }

    /// [`Phrase::find`] for a word of holding or failing: not where it ends in a kind noun
    /// that only modifies the next one ("default key" says nothing in "the default key
    /// policy", which is about a policy).
    ///
    /// Nor where it ends in "managed" or "owned" before a noun that is not a key: an "AWS
    /// managed policy", a "customer managed policy" (IAM), "AWS managed services" or a
    /// "fully managed service" say nothing of keys.
    fn find_predicate(&self, tokens: &[Token]) -> Vec<usize> {
        let n = self.words.len();
        self.find(tokens)
            .into_iter()
            .filter(|&at| {
                let last = &tokens[at + n - 1].word;
                let next = tokens
                    .get(at + n)
                    .filter(|next| next.clause == tokens[at].clause);
                let modifies_kind = super::scope::is_kind(last)
                    && next.is_some_and(|next| {
                        next.word != *last && super::scope::is_kind(&next.word)
                    });
                let other_sense = matches!(last.as_str(), "managed" | "owned")
                    && next.is_some_and(|next| OTHER_MANAGED_THINGS.contains(&next.word.as_str()));
                // "KMS key creation", "KMS key usage tracking": a kind noun before a noun of
                // action names what the action is done to; the sentence is about the action.
                let modifies_action =
                    super::scope::is_kind(last) && next.is_some_and(|next| action_noun(&next.word));
                !(modifies_kind || other_sense || modifies_action)
            })
            .collect()
    }

    /// Start positions where the phrase matches contiguous tokens of one clause.
    pub(crate) fn find(&self, tokens: &[Token]) -> Vec<usize> {
        let n = self.words.len();
        if n == 0 || tokens.len() < n {
            return Vec::new();
        }
        (0..=tokens.len() - n)
            .filter(|&i| {
                let clause = tokens[i].clause;
                self.words
                    .iter()
                    .zip(&tokens[i..i + n])
                    .all(|(w, t)| t.clause == clause && w.matches(&t.word))
            })
            .collect()
    }
}

/// Whether a word is a noun of action made from a verb ("creation", "deletion",
/// "management", "usage"): by its ending, as English forms them.
fn action_noun(word: &str) -> bool {
    word.len() >= 5
        && ["tion", "sion", "ment", "age"]
            .iter()
            .any(|end| word.ends_with(end))
}

/// What "AWS managed" and "customer managed" also qualify, in AWS's vocabulary, besides keys:
/// IAM policies, services, prefix lists, rules.
#[rustfmt::skip]
const OTHER_MANAGED_THINGS: &[&str] = &[
    "policy", "policies", "service", "services", "prefix", "rule", "rules", "offering",
    "offerings", "platform", "platforms",
];

/// Words that negate the verb phrase after them: "is **not** required", "**never** shares",
/// "**cannot** be disabled" (read as `can not`). They reach a phrase that starts at most this many
/// words later in the same clause.
const VERB_NEGATIONS: &[&str] = &["not", "never", "nor"];
const VERB_NEGATION_REACH: usize = 5;
/// Words that negate the noun phrase right after them: "**no** customer-managed key", "**without**
/// encryption". They reach only a phrase that starts within two words, so "no internet gateway"
/// does not negate "private subnets" later in the sentence.
const NOUN_NEGATIONS: &[&str] = &["no", "without", "lack", "lacks", "lacking"];
const NOUN_NEGATION_REACH: usize = 2;
/// Subjects that negate their whole clause: "**none** of the functions run in a VPC", "**no**
/// service role holds administrative access".
/// "**Few** roles use a permissions boundary" says most do not: a negative quantifier ("a few"
/// starts with `a`, and is not one).
const SUBJECT_NEGATIONS: &[&str] = &["none", "nothing", "nobody", "neither", "no", "few"];
/// Verbs of refusal. A negation after one of them in the same clause (at most
/// [`REFUSAL_REACH`] words before it) is a double negation, and cancels out: "the bucket policy
/// refuses any request that does not use TLS" says TLS is used. Before a `fails` phrase, a
/// refusal reads as a negation: "the policy denies requests without TLS" holds (but "does not
/// deny requests without TLS" fails). Before a `holds` phrase alone it changes nothing ("an SCP
/// denies disabling encryption").
const REFUSALS: &[&str] = &[
    "refuse", "refuses", "refused", "reject", "rejects", "rejected", "deny", "denies", "denied",
    "block", "blocks", "blocked", "drop", "drops", "dropped", "forbid", "forbids", "prevent",
    "prevents",
];
const REFUSAL_REACH: usize = 6;
/// Verbs that undo a control: before a `holds` phrase in the same clause (at most
/// [`REFUSAL_REACH`] words before it) they say it is gone ("we **removed** the permissions
/// boundary", "the team **overrode** rds.force_ssl"), so the phrase fails; a negation before
/// them cancels out ("we have **not overridden** rds.force_ssl" holds). Before a `fails` phrase
/// they take away what fails, as a refusal does ("we **revoked** the wildcard grant"). Losing
/// is undoing too ("the function **lost** iam:AttachRolePolicy").
#[rustfmt::skip]
const UNDOING: &[&str] = &[
    "override", "overrides", "overrode", "overridden", "overriding", "remove", "removes",
    "removed", "removing", "revoke", "revokes", "revoked", "revoking", "weaken", "weakens",
    "weakened", "weakening", "relax", "relaxes", "relaxed", "relaxing", "circumvent",
    "circumvents", "circumvented", "detach", "detaches", "detached", "undo", "undoes", "undid",
    "strip", "strips", "stripped", "lost", "loses", "lose", "losing",
];
/// Words after `not` that make it no negation: "not only", "not just".
const NOT_NEGATING: &[&str] = &["only", "just", "merely", "solely"];

/// How many items of a list ("AdministratorAccess, PowerUserAccess or IAMFullAccess") a
/// negation before its first item reaches.
const LIST_REACH: usize = 8;

/// Where a match that starts at `start` stands for negation: at itself, or, when it is an item
/// of a list that the commas cut into clauses of their own (a clause with no verb before it),
/// at the last word before the list's item, so "No role may hold AdministratorAccess,
/// PowerUserAccess or IAMFullAccess" negates every item, not the first only.
fn list_anchor(tokens: &[Token], start: usize) -> usize {
    let mut at = start;
    for _ in 0..LIST_REACH {
        let clause = tokens[at].clause;
        let head = tokens[..at]
            .iter()
            .rposition(|t| t.clause != clause)
            .map_or(0, |k| k + 1);
        let verbless = tokens[head..at]
            .iter()
            .all(|t| !super::scope::is_verb(&t.word));
        let after_conjunction = head > 0 && super::text::ends_clause(&tokens[head - 1].word);
        if head == 0 || !verbless || after_conjunction {
            break;
        }
        at = head - 1;
    }
    at
}

/// The negation word governing a match that starts at `start`, if any.
fn negation(tokens: &[Token], start: usize) -> Option<&str> {
    negation_at(tokens, start).or_else(|| {
        let anchor = list_anchor(tokens, start);
        (anchor != start)
            .then(|| negation_at(tokens, anchor))
            .flatten()
    })
}

/// [`negation`] at `start` itself, within its clause.
fn negation_at(tokens: &[Token], start: usize) -> Option<&str> {
    let clause = tokens[start].clause;
    let first = start.saturating_sub(VERB_NEGATION_REACH);
    for k in (first..start).rev() {
        let t = &tokens[k];
        if t.clause != clause {
            break;
        }
        let w = t.word.as_str();
        let next = tokens.get(k + 1).map(|t| t.word.as_str());
        if VERB_NEGATIONS.contains(&w) && !next.is_some_and(|n| NOT_NEGATING.contains(&n)) {
            // "refuses any request that does not use TLS": a refusal cancels the negation.
            let refused = tokens[k.saturating_sub(REFUSAL_REACH)..k]
                .iter()
                .any(|t| t.clause == clause && REFUSALS.contains(&t.word.as_str()));
            return (!refused).then_some(w);
        }
        if w == "no" && next == Some("longer") {
            return Some("no longer");
        }
        if NOUN_NEGATIONS.contains(&w) && start - k <= NOUN_NEGATION_REACH {
            return Some(w);
        }
        // "**no** permission to read", "**without** any way to assume": the noun's
        // infinitive is negated with it.
        if NOUN_NEGATIONS.contains(&w)
            && start - k <= NOUN_NEGATION_REACH + 2
            && start >= 1
            && tokens[start - 1].word == "to"
        {
            return Some(w);
        }
    }
    // The subject of the clause: its first word.
    let head = tokens[..start]
        .iter()
        .rposition(|t| t.clause != clause)
        .map_or(0, |k| k + 1);
    let w = tokens[head].word.as_str();
    (head < start && SUBJECT_NEGATIONS.contains(&w)).then_some(w)
}

/// Words that make a sentence a hedge, a plan, a wish, a belief or a past state rather than a
/// statement of fact about the design as it is ("that user **had** AdministratorAccess",
/// "Security's **position**: …"): modal
/// verbs of possibility or future (`might`, `could`, `should`, `would`, `will`; not `must` or
/// `shall`, which state a rule),
/// plans and time to come (`planned`, `later`, `eventually`, `roadmap`, `soon`), wishes
/// (`ideally`, `hopefully`, `goal`), open items (`todo`, `tbd`, `fixme`) and deliberation
/// (`consider`, `proposed`). "A later release may give enterprise tenants their own KMS key" and
/// "we plan to enforce MFA" say what is not (yet) true.
#[rustfmt::skip]
const HEDGE_WORDS: &[&str] = &[
    "might", "could", "should", "would", "will", "planned", "planning", "later",
    "eventually", "ideally", "hopefully", "goal", "goals", "todo", "tbd", "fixme", "roadmap",
    "someday", "soon", "proposed", "proposal", "propose", "intend", "intends", "tentatively",
    "scheduled", "believe", "believes", "think", "thinks", "probably", "maybe", "perhaps",
    "possibly", "likely", "unlikely", "recommendation", "recommend",
    "recommends", "recommended", "requested", "tracks", "tracked", "remediation", "whether",
    "unclear", "unknown", "unsure", "presumably", "apparently", "supposedly", "wish",
    "had", "formerly", "previously", "originally", "remediated", "told", "position",
    "opinion", "seems", "seem", "seemingly", "appears", "afaik", "guess", "unverified",
    "hope", "hopes", "backlog", "wip", "prefer", "preferably", "tbc",
];
/// Prefixes of hedge words: `consider`, `considered`, `considering`.
const HEDGE_PREFIXES: &[&str] = &["consider"];
/// First words of an instruction or a to-do ("Turn on access logging for the raw bucket", "See
/// the runbook", "Tomas: check the replica's flag"): what someone should do, not what is.
#[rustfmt::skip]
const IMPERATIVES: &[&str] = &[
    "add", "enable", "turn", "move", "keep", "force", "use", "replace", "remove", "ensure",
    "make", "set", "create", "migrate", "restrict", "rotate", "attach", "configure", "switch",
    "review", "check", "verify", "fix", "investigate", "decide", "tighten", "limit", "drop",
    "disable", "delete", "figure", "see", "refer", "follow", "confirm", "list", "split",
    "introduce", "adopt", "document", "audit", "narrow", "upgrade", "pin", "scope",
];
/// Phrases that make a sentence a hedge: plans and wishes of the team ("we plan to", "if we",
/// "we want"), future ("in the future", "not yet decided") and hedged scope ("where possible":
/// "encrypted where possible" does not say which stores are).
const HEDGE_PHRASES: &[&[&str]] = &[
    &["plan", "to"],
    &["plans", "to"],
    &["plan", "is"],
    &["we", "plan"],
    &["if", "we"],
    &["if", "you"],
    &["we", "want"],
    &["we'd", "like"],
    &["would", "like"],
    &["aim", "to"],
    &["aims", "to"],
    &["in", "the", "future"],
    &["next", "release"],
    &["next", "quarter"],
    &["where", "possible"],
    &["wherever", "possible"],
    &["as", "much", "as", "possible"],
    &["as", "far", "as", "possible"],
    &["when", "possible"],
    &["if", "possible"],
    &["where", "feasible"],
    &["if", "needed"],
    &["if", "necessary"],
    &["if", "desired"],
    &["if", "required"],
    &["if", "enabled"],
    &["if", "configured"],
    &["as", "needed"],
    &["best", "effort"],
    &["not", "yet", "decided"],
    &["not", "yet", "reviewed"],
    &["is", "possible", "that"],
    &["nothing", "is", "decided"],
    &["being", "discussed"],
    &["being", "fixed"],
    &["being", "migrated"],
    &["being", "reviewed"],
    &["on", "the", "list"],
    &["refer", "to"],
    &["described", "in"],
    &["documented", "in"],
    &["used", "to"],
    &["needs", "to"],
    &["need", "to"],
    &["has", "to", "be"],
    &["have", "to", "be"],
    &["must", "be", "replaced"],
    &["must", "be", "fixed"],
    &["must", "be", "removed"],
    &["must", "be", "changed"],
    &["must", "be", "added"],
    &["blocked", "until"],
    &["has", "been", "requested"],
    &["did", "not", "have", "time"],
    &["at", "some", "point"],
    &["before", "launch"],
    &["before", "general", "availability"],
    &["by", "end", "of"],
    &["nice", "to"],
    &["not", "been", "tested"],
    &["has", "not", "been", "pen"],
    &["going", "to"],
    &["about", "to"],
    &["in", "progress"],
    &["as", "far", "as", "we", "know"],
    &["as", "far", "as", "i", "know"],
    &["as", "far", "as", "i", "can", "tell"],
    &["as", "far", "as", "we", "can", "tell"],
    // Work in progress: what is being changed is not yet what is.
    &["working", "on"],
    &["in", "the", "process", "of"],
    &["rolling", "out"],
    &["being", "rolled", "out"],
    &["are", "moving"],
    &["is", "moving"],
    &["are", "migrating"],
    &["is", "migrating"],
    &["are", "switching"],
    &["is", "switching"],
    // A ticket to do it says it is not done.
    &["ticket", "to"],
    &["ticket", "for"],
    &["tickets", "to"],
    &["tickets", "for"],
    &["we", "think"],
    &["i", "think"],
    &["not", "sure"],
    &["not", "certain"],
    &["not", "verified"],
    &["to", "be", "confirmed"],
    &["needs", "confirmation"],
    &["is", "expected", "to"],
    &["are", "expected", "to"],
    &["supposed", "to"],
    &["open", "question"],
    &["action", "item"],
    &["follow", "up"],
    &["covered", "in"],
    &["defined", "in"],
    &["detailed", "in"],
    &["according", "to"],
    &["see", "also"],
    &["would", "be", "nice"],
];
/// Words that carve exceptions out of a claim ("all functions except the admin function run in
/// private subnets"): what the claim covers is then a set the sentence does not name, so it is
/// not read as a claim at all.
const EXCEPTION_WORDS: &[&str] = &["except", "excluding", "besides"];
const EXCEPTION_PHRASES: &[&[&str]] = &[
    &["apart", "from"],
    &["other", "than"],
    &["with", "the", "exception"],
];
/// First words that make a sentence a conditional or a supposition: "If a tenant asks, MFA is
/// enabled" says nothing about tenants who do not.
#[rustfmt::skip]
const CONDITIONAL_STARTS: &[&str] = &[
    "if", "unless", "assuming", "suppose", "supposing", "provided", "whether",
];
/// Words that open a conditional clause anywhere in a sentence: "MFA is required **if** the
/// tenant turns it on" says nothing of tenants who do not. The part of the sentence they stand
/// in is no claim.
const CONDITIONALS: &[&str] = &["if", "unless"];
/// Openings of a conditional clause of several words: "**As long as** the flag is set, MFA is
/// required", "**Only when** the flag is on …", "**In the event of** an outage …".
const CONDITIONAL_OPENINGS: &[&[&str]] = &[
    &["as", "long", "as"],
    &["so", "long", "as"],
    &["only", "when"],
    &["only", "if"],
    &["only", "once"],
    &["in", "case"],
    &["in", "the", "event"],
    &["on", "condition"],
    &["providing", "that"],
];
/// A leading "When …," / "Once …," / "Where …," clause is a condition, not a time, when it
/// turns on someone's choice or a setting ("When a tenant **opts** in", "Once the flag **is
/// set**", "Where a customer **provides** a key"): what follows holds only for those who chose.
/// ("When a user signs in, the token carries the tenant id" states what always happens.)
const TIME_OPENINGS: &[&str] = &["when", "once", "where", "whenever"];
#[rustfmt::skip]
const CHOICE_WORDS: &[&str] = &[
    "opt", "opts", "opted", "asks", "ask", "asked", "chooses", "choose", "chose", "elects",
    "prefers", "wants", "enables", "enabled", "configures", "configured", "sets", "set", "flag",
    "toggle", "toggled", "provides", "supplies", "brings", "upgrades", "subscribes", "pays",
    "requests", "requested", "turns", "selects", "selected",
];

/// In a leading "Once …," clause, words of work still to land: what follows is a plan ("Once
/// the SSO migration is merged, MFA is enforced"). Not `completes`: "once the backup completes,
/// it is copied to the vault" states what always happens.
#[rustfmt::skip]
const ONCE_WORK: &[&str] = &[
    "merged", "lands", "landed", "ships", "shipped", "released", "migration", "migrated",
    "rollout", "finished", "done", "approved", "implemented", "ready", "available",
];

/// First words of a question written without its question mark ("Do we need MFA for the
/// console", "Why is the bucket public").
#[rustfmt::skip]
const QUESTION_STARTS: &[&str] = &[
    "do", "does", "did", "should", "shall", "why", "how", "what", "who", "whom", "whose",
];
/// Verbs that open a question when their subject follows them ("**Is** the key rotated",
/// "**Have** we enabled MFA", "**Can** the function reach the internet"). Without a subject
/// after them they open a list item that states a rule ("Must use TLS 1.2", "Can be
/// disabled by tenant admins"), which is no question.
#[rustfmt::skip]
const INVERTED_VERBS: &[&str] = &[
    "is", "are", "was", "were", "am", "has", "have", "which", "can", "may", "must",
];
/// Words that stand as the subject right after an inverted verb: determiners and pronouns.
#[rustfmt::skip]
const QUESTION_SUBJECTS: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "it", "there", "we", "they", "you", "i",
    "anyone", "anybody", "someone", "somebody", "everyone", "every", "each", "any", "all",
    "our", "your", "their", "its", "he", "she", "one", "of",
];
/// After `may`, words that make it a permission (a statement of what is allowed, a fact about
/// access) rather than a possibility: "the function may invoke exactly one model", "may not".
const MAY_PERMISSION: &[&str] = &["only", "exactly", "not", "never", "solely"];

/// Why a sentence is not a statement of fact, if it is not: the cue, for explanations and tests.
#[cfg(test)]
pub(crate) fn hedge(text: &str, tokens: &[Token]) -> Option<String> {
    hedge_or_exception(text, tokens, false)
}

/// [`hedge`]; with `named_exceptions`, an exception whose components the sentence names ("all
/// functions except the admin function") is a scope, not a hedge.
#[cfg(test)]
fn hedge_or_exception(text: &str, tokens: &[Token], named_exceptions: bool) -> Option<String> {
    cues(text, tokens, named_exceptions)
        .into_iter()
        .next()
        .map(|(cue, _)| cue)
}

/// Every cue that makes (part of) a sentence no statement of fact, with the word it stands at
/// (`None`: the whole sentence, as a question or a conditional is).
fn cues(text: &str, tokens: &[Token], named_exceptions: bool) -> Vec<(String, Option<usize>)> {
    let mut out = Vec::new();
    let trimmed = text.trim_end_matches(|c: char| {
        matches!(c, ')' | '"' | '\'' | '*' | '_' | '”' | '’') || c.is_whitespace()
    });
    if trimmed.ends_with('?') {
        out.push(("question".to_string(), None));
    }
    let first = tokens.first().map(|t| t.word.as_str());
    if let Some(w) = first.filter(|w| CONDITIONAL_STARTS.contains(w)) {
        out.push((format!("conditional `{w}`"), None));
    }
    let starts = |phrase: &[&str]| {
        tokens.len() > phrase.len()
            && phrase
                .iter()
                .zip(tokens)
                .all(|(p, t)| *p == t.word.as_str())
    };
    if let Some(opening) = CONDITIONAL_OPENINGS.iter().find(|p| starts(p)) {
        out.push((format!("conditional `{}`", opening.join(" ")), None));
    }
    // "Until last year, roles had AdministratorAccess", "Before the migration, the database
    // was public": a state placed before a change, in the past tense, is no longer the state.
    let past = tokens
        .iter()
        .any(|t| PAST.contains(&t.word.as_str()) || t.word == "had")
        && !tokens.iter().any(|t| PRESENT.contains(&t.word.as_str()));
    if let Some(w) = first.filter(|w| matches!(*w, "until" | "before" | "prior") && past) {
        out.push((format!("past `{w}`"), None));
    }
    if let Some(w) = first.filter(|w| TIME_OPENINGS.contains(w)) {
        let clause = tokens[0].clause;
        let lead: Vec<&Token> = tokens.iter().take_while(|t| t.clause == clause).collect();
        // A setting written out ("When `egress_mode = nat`, …") is a choice too.
        let setting = lead
            .last()
            .and_then(|t| text.get(..t.span.end))
            .is_some_and(|t| t.contains('='));
        // "Once the migration is merged, …": work still to land.
        let work: &[&str] = if w == "once" { ONCE_WORK } else { &[] };
        let chosen = lead
            .iter()
            .find(|t| CHOICE_WORDS.contains(&t.word.as_str()) || work.contains(&t.word.as_str()))
            .map(|t| t.word.as_str())
            .or(setting.then_some("="));
        if let Some(c) = chosen.filter(|_| lead.len() < tokens.len()) {
            let class = if work.contains(&c) {
                "plan"
            } else {
                "conditional"
            };
            out.push((format!("{class} `{w} … {c}`"), None));
        }
    }
    if let Some(w) = first.filter(|w| QUESTION_STARTS.contains(w)) {
        out.push((format!("question `{w}`"), None));
    }
    // "Is the bucket encrypted", "Are we sure", "Has anyone checked": a verb before its
    // subject opens a question (a list item that drops its subject, "Is replicated to
    // us-east-1", has none after the verb).
    let second = tokens.get(1).map(|t| t.word.as_str());
    if let Some(w) = first.filter(|w| INVERTED_VERBS.contains(w)) {
        // Or a name written with a capital ("Is MFA enforced", "Are CloudTrail logs kept").
        let named = tokens
            .get(1)
            .and_then(|t| text.get(t.span.clone()))
            .is_some_and(|w| w.chars().any(char::is_uppercase));
        if second.is_some_and(|s| QUESTION_SUBJECTS.contains(&s)) || named {
            out.push((format!("question `{w}`"), None));
        }
    }
    // An instruction: the first word, or the first after a leading "Name:" ("Tomas: check …").
    let lead = tokens
        .iter()
        .take(4)
        .position(|t| text.get(t.span.end..).is_some_and(|r| r.starts_with(": ")))
        .map_or(0, |k| k + 1);
    // At the sentence's start an instruction is capitalized ("Turn on …"; "turn" inside a
    // table cell is not one); after "Name:" it need not be.
    let capital = lead > 0
        || tokens
            .get(lead)
            .and_then(|t| text.get(t.span.clone()))
            .and_then(|w| w.chars().next())
            .is_some_and(char::is_uppercase);
    if let Some(t) = tokens.get(lead) {
        if capital && IMPERATIVES.contains(&t.word.as_str()) && lead < tokens.len() {
            out.push((format!("instruction `{}`", t.word), None));
        }
    }
    // The forms of `rules/claims/nonclaims.yaml`, each before the built-in cues of its word
    // (its class names the reason better than a single word of it).
    let forms = super::nonclaims::found(text, tokens);
    let mut forms = forms.into_iter().peekable();
    for (i, t) in tokens.iter().enumerate() {
        while let Some((form, _)) = forms.next_if(|(_, at)| *at == i) {
            out.push((form, Some(i)));
        }
        let w = t.word.as_str();
        let hedged = HEDGE_WORDS.contains(&w) || HEDGE_PREFIXES.iter().any(|p| w.starts_with(p));
        if hedged && !not_a_hedge(tokens, i) {
            out.push((format!("hedge `{w}`"), Some(i)));
        }
        if i > 0 && CONDITIONALS.contains(&w) {
            out.push((format!("conditional `{w}`"), Some(i)));
        }
        if EXCEPTION_WORDS.contains(&w) && !named_exceptions {
            out.push((format!("exception `{w}`"), Some(i)));
        }
        if w == "may" {
            // "may assume the role without an external id", "may sign in without MFA": what
            // is allowed without a control, a fact about access, not a possibility.
            let without = tokens[i + 1..]
                .iter()
                .take_while(|t| t.clause == tokens[i].clause)
                .any(|t| t.word == "without");
            let permission = tokens[i + 1..]
                .iter()
                .take(4)
                .any(|t| MAY_PERMISSION.contains(&t.word.as_str()))
                || without
                || prohibition(tokens, i);
            if !permission {
                out.push(("hedge `may`".to_string(), Some(i)));
            }
        }
        let exceptions: &[&[&str]] = if named_exceptions {
            &[]
        } else {
            EXCEPTION_PHRASES
        };
        for phrase in HEDGE_PHRASES.iter().chain(exceptions) {
            let hit = tokens.len() >= i + phrase.len()
                && phrase
                    .iter()
                    .zip(&tokens[i..])
                    .all(|(p, t)| *p == t.word.as_str());
            if hit {
                out.push((format!("hedge `{}`", phrase.join(" ")), Some(i)));
            }
        }
    }
    out
}

/// Whether the clause of a modal at `i` is a rule about who may act rather than a possibility:
/// its subject is negated or restricted ("**No** Lambda role may hold AdministratorAccess",
/// "**Only** the provisioning service may set it", "**Nothing** else may write there").
fn prohibition(tokens: &[Token], i: usize) -> bool {
    let clause = tokens[i].clause;
    let head = tokens[..i]
        .iter()
        .rposition(|t| t.clause != clause)
        .map_or(0, |k| k + 1);
    head < i
        && (SUBJECT_NEGATIONS.contains(&tokens[head].word.as_str())
            || tokens[head..i].iter().any(|t| t.word == "only"))
}

/// The refusal verb governing a match that starts at `start` (at most [`REFUSAL_REACH`] words
/// before it, in the same clause), if any.
fn refusal(tokens: &[Token], start: usize) -> Option<&str> {
    verb_before(tokens, start, REFUSALS)
}

/// Auxiliaries of a passive that follows what it is about: "TLS 1.0 **is** disabled".
const PASSIVE_AUXILIARIES: &[&str] = &["is", "are", "was", "were", "been", "be", "gets", "got"];
/// Passive participles that refuse or undo what stands before them: "TLS 1.0 is **disabled**",
/// "the 0.0.0.0/0 rule was **removed**", "unencrypted connections are **rejected**".
#[rustfmt::skip]
const PASSIVE_UNDOING: &[&str] = &[
    "disabled", "removed", "revoked", "rejected", "refused", "denied", "blocked", "dropped",
    "forbidden", "prohibited", "disallowed", "detached", "deleted", "turned", "switched",
];
/// How many words (a short list: "TLS 1.0 and 1.1", a head noun: "the wildcard grant") may
/// stand between a phrase and the auxiliary of the passive after it.
const PASSIVE_REACH: usize = 4;

/// The passive participle that refuses or undoes the phrase at `start..end` ("TLS 1.0 is
/// disabled", "TLS 1.0 and 1.1 are rejected"), if any, and not negated ("TLS 1.0 is **not**
/// disabled" undoes nothing). `turned`/`switched` count only as "turned off".
fn passive_undoing(tokens: &[Token], start: usize, end: usize) -> Option<&str> {
    let clause = tokens.get(start)?.clause;
    let in_clause = |k: usize| tokens.get(k).filter(|t| t.clause == clause);
    let auxiliary = |t: &Token| PASSIVE_AUXILIARIES.contains(&t.word.as_str());
    // The auxiliary, past at most a few words ("TLS 1.0 and 1.1 are", "the wildcard grant
    // was").
    let aux = (end..=end + PASSIVE_REACH)
        .take_while(|&k| in_clause(k).is_some())
        .find(|&k| in_clause(k).is_some_and(auxiliary))?;
    let mut k = aux + 1;
    while in_clause(k).is_some_and(|t| {
        matches!(
            t.word.as_str(),
            "also" | "always" | "explicitly" | "now" | "fully" | "then"
        )
    }) {
        k += 1;
    }
    let verb = in_clause(k)?;
    let off = in_clause(k + 1).is_some_and(|t| t.word == "off");
    match verb.word.as_str() {
        "turned" | "switched" if !off => None,
        w if PASSIVE_UNDOING.contains(&w) => Some(verb.word.as_str()),
        _ => None,
    }
}

/// The verb of `verbs` nearest before `start` (at most [`REFUSAL_REACH`] words, in the same
/// clause), if any.
fn verb_before<'t>(tokens: &'t [Token], start: usize, verbs: &[&str]) -> Option<&'t str> {
    let clause = tokens[start].clause;
    tokens[start.saturating_sub(REFUSAL_REACH)..start]
        .iter()
        .rev()
        .take_while(|t| t.clause == clause)
        .find(|t| verbs.contains(&t.word.as_str()))
        .map(|t| t.word.as_str())
}

/// Participles that say an action is granted: "`iam:PassRole` is **not granted** to …".
const GRANTED: &[&str] = &[
    "granted",
    "allowed",
    "given",
    "attached",
    "permitted",
    "included",
];

/// The negation of a passive grant right after a phrase that ends at `end` ("`s3:*` is **not**
/// granted", "`iam:*` was never allowed"), if any.
fn negated_grant(tokens: &[Token], end: usize) -> Option<&str> {
    let clause = tokens.get(end.checked_sub(1)?)?.clause;
    let word = |k: usize| {
        tokens
            .get(k)
            .filter(|t| t.clause == clause)
            .map(|t| t.word.as_str())
    };
    let aux = (end..end + PASSIVE_REACH)
        .find(|&k| word(k).is_some_and(|w| PASSIVE_AUXILIARIES.contains(&w)))?;
    let neg = word(aux + 1).filter(|w| VERB_NEGATIONS.contains(w))?;
    word(aux + 2).filter(|w| GRANTED.contains(w)).map(|_| neg)
}

/// Hedge words that are no hedge where they stand: "TLS 1.2 **or later**" is a range of versions,
/// "**eventually** consistent" a consistency model.
fn not_a_hedge(tokens: &[Token], i: usize) -> bool {
    let word = |k: Option<usize>| {
        k.and_then(|k| tokens.get(k))
            .map_or("", |t| t.word.as_str())
    };
    match tokens[i].word.as_str() {
        "later" => matches!(word(i.checked_sub(1)), "or" | "and"),
        "eventually" => word(Some(i + 1)) == "consistent",
        _ => false,
    }
}

/// Pronoun subjects that continue the previous sentence's subject ("The admin function is invoked
/// from the support console. **It** is not reachable through the tenant API.").
const PRONOUN_SUBJECTS: &[&str] = &["it", "its", "they", "their"];
/// Demonstratives are pronouns only before a verb ("This is not exposed"); before a noun they
/// start a new subject ("This table is encrypted").
const DEMONSTRATIVES: &[&str] = &["this", "these", "that", "those"];
const AFTER_DEMONSTRATIVE: &[&str] = &[
    "is", "are", "was", "were", "has", "have", "does", "do", "can", "runs", "run", "uses", "use",
];

/// Whether the sentence's subject is a pronoun.
fn pronoun_subject(tokens: &[Token]) -> bool {
    let word = |i: usize| tokens.get(i).map_or("", |t| t.word.as_str());
    PRONOUN_SUBJECTS.contains(&word(0))
        || (DEMONSTRATIVES.contains(&word(0)) && AFTER_DEMONSTRATIVE.contains(&word(1)))
}

/// Conjunctions that, after a comma and before a clause with its own verb, join two
/// statements: "the custom domain uses TLS 1.2**, and** the default endpoint is disabled".
const COORDINATORS: &[&str] = &["and", "but", "so", "while", "whereas", "yet"];

/// For each word, the part of the sentence it is in: `;` separates parts, and so does a comma
/// followed by a coordinating conjunction that opens a clause with a verb of its own (a comma
/// before `and` in a list of names opens none).
fn parts(text: &str, tokens: &[Token]) -> Vec<usize> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut part = 0;
    for (i, t) in tokens.iter().enumerate() {
        let before = if i == 0 {
            &text[..t.span.start]
        } else {
            text.get(tokens[i - 1].span.end..t.span.start).unwrap_or("")
        };
        if before.contains(';') {
            part += 1;
        } else if before.contains(',') && COORDINATORS.contains(&t.word.as_str()) {
            // The clause it opens, up to the next comma: does it have a verb?
            let verb = tokens[i + 1..]
                .iter()
                .take_while(|n| {
                    !text
                        .get(t.span.end..n.span.start)
                        .unwrap_or("")
                        .contains([',', ';'])
                })
                .any(|n| super::scope::is_verb(&n.word));
            if verb {
                part += 1;
            }
        }
        out.push(part);
    }
    out
}

/// The status of a decision record when it is not in force (`proposed`, `superseded`…): read
/// from the text under a "Status" heading, or a "Status: …" line, by its first status word.
fn record_status(sentences: &[super::Sentence]) -> Option<String> {
    for s in sentences {
        let heading = s.section.rsplit(" > ").next().unwrap_or("").trim();
        let tokens = tokenize(prefix(&s.text, 200));
        let words: Vec<&str> = tokens.iter().map(|t| t.word.as_str()).collect();
        let value: &[&str] = if heading.eq_ignore_ascii_case("status") {
            &words
        } else if words.first() == Some(&"status") {
            &words[1..]
        } else {
            continue;
        };
        for w in value.iter().take(4) {
            let statuses = &super::nonclaims::file().record_statuses;
            if statuses.in_force.iter().any(|s| s == w) {
                return None;
            }
            if statuses.not_in_force.iter().any(|s| s == w) {
                return Some((*w).to_string());
            }
        }
    }
    None
}

/// Whether a heading's words are one of `headings` (of `rules/claims/nonclaims.yaml`), whole.
fn is_heading(words: &[Token], headings: &[String]) -> bool {
    headings.iter().any(|h| {
        let h: Vec<&str> = h.split(' ').collect();
        h.len() == words.len() && h.iter().zip(words).all(|(a, b)| *a == b.word.as_str())
    })
}

/// Whether a heading is one of the reference headings, exactly (a "Key references" table of
/// ARNs is not).
fn is_reference_heading(words: &[Token]) -> bool {
    is_heading(
        unnumbered(words),
        &super::nonclaims::file().headings.references,
    )
}

/// Whether a heading's items are plans (first) or missing controls (second).
fn heading_kind(words: &[Token]) -> (bool, bool) {
    let has = |phrases: &[String]| {
        phrases.iter().any(|p| {
            let p: Vec<&str> = p.split(' ').collect();
            words
                .windows(p.len())
                .any(|w| w.iter().zip(&p).all(|(t, p)| t.word == *p))
        })
    };
    let headings = &super::nonclaims::file().headings;
    let whole = is_heading(unnumbered(words), &headings.plans_whole);
    (has(&headings.plans) || whole, has(&headings.absent))
}

/// A heading's words without its numbering ("6. Known gaps", "A.3 Context").
fn unnumbered(words: &[Token]) -> &[Token] {
    let numbers = words
        .iter()
        .take_while(|t| t.word.chars().all(|c| c.is_ascii_digit() || c == '.'))
        .count();
    &words[numbers..]
}

/// The background section a sentence is in, if any: the first heading of its section path
/// (numbering left out) that opens with one of `openings`.
fn background_heading(section: &str, openings: &[String]) -> Option<String> {
    section.split(" > ").find_map(|heading| {
        let heading = heading
            .trim()
            .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace())
            .to_lowercase();
        openings
            .iter()
            .any(|o| heading.starts_with(o))
            .then_some(heading)
    })
}

/// How many earlier sentences a definite description ("the key") looks back over.
const EARLIER_SENTENCES: usize = 8;

/// Only the first this many words of a sentence are read: no prose sentence is longer, and it
/// bounds the work on hostile input.
pub const MAX_SENTENCE_WORDS: usize = 1000;

/// One assumption's patterns, parsed once.
struct Compiled<'a> {
    topics: Vec<Phrase<'a>>,
    controls: Vec<Phrase<'a>>,
    holds: Vec<Phrase<'a>>,
    fails: Vec<Phrase<'a>>,
    other_things: Vec<Phrase<'a>>,
    own_things: Vec<Phrase<'a>>,
}

impl<'a> Compiled<'a> {
    fn new(patterns: &'a ClaimPatterns) -> Self {
        let parse = |list: &'a [String]| list.iter().map(|p| Phrase::parse(p)).collect();
        Compiled {
            topics: parse(&patterns.topics),
            controls: parse(&patterns.controls),
            holds: parse(&patterns.holds),
            fails: parse(&patterns.fails),
            other_things: parse(&patterns.other_things),
            own_things: parse(&patterns.own_things),
        }
    }
}

/// The catalog's patterns, compiled once per process: every document of every system is read
/// with them (compiling them again for each document was 43% of the time of a scan of 625
/// systems, `perf` on aws-samples/serverless-patterns).
fn catalog_compiled() -> &'static [(&'static ClaimPatterns, Compiled<'static>)] {
    static COMPILED: std::sync::OnceLock<Vec<(&'static ClaimPatterns, Compiled<'static>)>> =
        std::sync::OnceLock::new();
    COMPILED.get_or_init(|| {
        crate::assumptions::catalog()
            .iter()
            .map(|r| (&r.claims, Compiled::new(&r.claims)))
            .collect()
    })
}

/// The compiled form of `patterns` when they are a catalog rule's own.
fn compiled_of_catalog(patterns: &ClaimPatterns) -> Option<&'static Compiled<'static>> {
    catalog_compiled()
        .iter()
        .find(|(p, _)| std::ptr::eq(*p, patterns))
        .map(|(_, c)| c)
}

/// The shared words of holding and failing (`rules/claims/predicates.yaml`), as written.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SharedPredicates {
    pub holds: Vec<String>,
    pub fails: Vec<String>,
}

/// The shared predicates file, embedded.
pub(crate) const SHARED_PREDICATES: &str = include_str!("../../rules/claims/predicates.yaml");

/// Reads a shared predicates file; the error says where it is broken.
pub(crate) fn parse_shared(text: &str) -> Result<SharedPredicates, String> {
    let node = crate::syntax::yaml::parse(text)
        .map_err(|e| format!("line {}, column {}: {}", e.line, e.column, e.message))?;
    serde_json::from_value(node.to_json()?).map_err(|e| e.to_string())
}

/// The shared predicates, parsed once (a broken embedded file, which the unit tests rule out,
/// reads as none).
fn shared() -> &'static (Vec<Phrase<'static>>, Vec<Phrase<'static>>) {
    static SHARED: std::sync::OnceLock<(Vec<Phrase<'static>>, Vec<Phrase<'static>>)> =
        std::sync::OnceLock::new();
    static LISTS: std::sync::OnceLock<SharedPredicates> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| {
        let lists = LISTS.get_or_init(|| parse_shared(SHARED_PREDICATES).unwrap_or_default());
        (
            lists.holds.iter().map(|p| Phrase::parse(p)).collect(),
            lists.fails.iter().map(|p| Phrase::parse(p)).collect(),
        )
    })
}

/// What one analysis of a sentence gives every assumption: its words, the components it names
/// and its subject, and whether it is stated as a fact.
struct View {
    tokens: Vec<Token>,
    /// For each word, whether it is part of a name (joined to the next or the one before by
    /// `-`, `_`, `/` or `.`: `quayside-secrets-key`), not a word of its own.
    in_name: Vec<bool>,
    /// For a table row, the parts (cells) after the first whose column holds things (a
    /// "Store" or "Table" column), with what each names.
    row_entities: Vec<(usize, super::scope::Scope)>,
    /// Why what the sentence states is missing, when something says so: the heading above
    /// ("under the heading `Not done yet`") or a table row's status cell ("its `Status` cell
    /// says `no`").
    absent: Option<String>,
    /// A table row: every cell describes the thing its first cell names.
    row: bool,
    /// In a table row, where its headers stand (byte ranges of the text read).
    row_headers: Vec<std::ops::Range<usize>>,
    named: Vec<String>,
    subject: Vec<String>,
    /// The cues that make it, or a part of it, no statement of fact (question, hedge, plan,
    /// conditional, instruction), with the word each stands at.
    cues: Vec<(String, Option<usize>)>,
    /// For each word, the part of the sentence it is in: `;` separates parts, so "MFA is
    /// optional for clinicians; clinics may require it" states its first part.
    parts: Vec<usize>,
    /// What its words say of its scope.
    scope: super::scope::Scope,
    /// What the sentence before it in its block is about.
    inherited: Vec<String>,
    /// For a short sentence with no verb ("No wildcard principal."), the words of the sentence
    /// before it in its block, whose topic it goes on about; empty otherwise.
    context: Vec<Token>,
    /// Its relative clauses and the identifier each refers to.
    relatives: Vec<(u32, String)>,
    /// The IAM actions it names, and the assumptions each is evidence for.
    grants: Vec<super::actions::Grant>,
}

/// What one assumption makes of one sentence.
enum Outcome {
    /// No topic of the assumption.
    Silent,
    /// A topic, but no claim: the topic and why not.
    Skipped(String, String),
    /// A claim, and the words that decided it.
    Claim(Evidence, Claim),
}

/// The word ranges that decided a claim.
struct Evidence {
    predicates: Vec<std::ops::Range<usize>>,
    topics: Vec<std::ops::Range<usize>>,
}

impl Evidence {
    /// Whether every phrase of this claim lies inside a longer word of holding or failing of
    /// `other`: "isolat*" (tenant isolation) inside "isolated * subnets" (private data
    /// stores), "publicly accessible" inside "not publicly accessible".
    fn within(&self, other: &Evidence) -> bool {
        let inside = |a: &std::ops::Range<usize>| {
            other
                .predicates
                .iter()
                .any(|b| b.start <= a.start && a.end <= b.end && b.len() > a.len())
        };
        let mut all = self.predicates.iter().chain(&self.topics).peekable();
        all.peek().is_some() && all.all(inside)
    }
}

pub(crate) fn detect(doc: &Document, patterns: &ClaimPatterns) -> Vec<Claim> {
    read(doc, &[("", patterns)])
        .0
        .into_iter()
        .map(|(_, c)| c)
        .collect()
}

/// The claims of a document for each assumption (by index into `rules`), and the sentences
/// that mention a topic of some assumption without being read as a claim of any.
pub(crate) fn read(
    doc: &Document,
    rules: &[(&str, &ClaimPatterns)],
) -> (Vec<(usize, Claim)>, Vec<super::listing::Skipped>) {
    // The catalog's rules are compiled once per process; others (tests, corpora) here.
    let own: Vec<Option<Compiled>> = rules
        .iter()
        .map(|(_, p)| match compiled_of_catalog(p) {
            Some(_) => None,
            None => Some(Compiled::new(p)),
        })
        .collect();
    let compiled: Vec<&Compiled> = rules
        .iter()
        .zip(&own)
        .filter_map(|((_, p), own)| own.as_ref().or_else(|| compiled_of_catalog(p)))
        .collect();
    let components = ComponentIndex::new(&doc.components);
    let mut claims = Vec::new();
    // For each claim: whether the learned vocabulary read it, and its section.
    let mut origin: Vec<(bool, &str)> = Vec::new();
    let mut skipped = Vec::new();
    // The subject components of the previous sentence, for pronoun subjects.
    let mut previous: Option<(&str, Vec<String>)> = None;
    // The scope of the previous sentence, for pronoun subjects.
    let mut previous_scope: Option<(&str, super::scope::Scope)> = None;
    // What the sentence before is about, and its block: for a sentence of the same block
    // whose subject is only a control.
    let mut before: Option<(u32, Vec<String>)> = None;
    // The words of the sentence before, and its block: for a verbless sentence of the same
    // block, which goes on about its topic.
    let mut last_words: Option<(u32, Vec<Token>)> = None;
    // Each block's last sentence: its words and what it is about, for nested list items.
    let mut block_last: HashMap<u32, (Vec<Token>, Vec<String>)> = HashMap::new();
    // The words the document wrote capitalized inside its sentences so far.
    let mut proper: std::collections::HashSet<String> = std::collections::HashSet::new();
    // The last sentences that named things: their section, kind nouns and names.
    let mut earlier: Vec<(&str, Vec<(String, String)>)> = Vec::new();
    // A decision record (a document with a "Decision" section): its context and the
    // alternatives it weighed describe the situation before the decision and the options not
    // taken, not the design.
    // (Numbering left out: "## 2. Decision".)
    let top = |section: &str| {
        section
            .split(" > ")
            .next()
            .unwrap_or("")
            .trim()
            .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace())
            .to_lowercase()
    };
    let decision_record = doc
        .sentences
        .iter()
        .any(|s| top(&s.section).starts_with("decision"));
    // A record whose status says it is not (or no longer) the decision taken — proposed,
    // rejected, superseded — describes no design of today: none of its sentences is a claim.
    let status = if decision_record {
        record_status(&doc.sentences)
    } else {
        None
    };
    for sentence in &doc.sentences {
        // A table row is read as its cells under their headers ("Encryption: SSE-S3; Recovery:
        // PITR enabled"), about the thing its first cell names.
        let (row_text, row_headers) = match row_reading(sentence) {
            Some((text, headers)) => (Some(text), headers),
            None => (None, Vec::new()),
        };
        let text = row_text.as_deref().unwrap_or(&sentence.text);
        let mut tokens = tokenize(prefix(text, MAX_SENTENCE_WORDS * 16));
        tokens.truncate(MAX_SENTENCE_WORDS);
        if tokens.is_empty() {
            continue;
        }
        let named_at = components.named(&tokens);
        let pronoun = pronoun_subject(&tokens);
        let subject: Vec<String> = match &previous {
            Some((section, subject)) if pronoun && *section == sentence.section => subject.clone(),
            _ => components.subject(&tokens),
        };
        previous = Some((sentence.section.as_str(), subject.clone()));
        let mut scope = match sentence.cells.first() {
            Some((_, first)) if row_text.is_some() && variable_row(sentence) => {
                let description = sentence
                    .cells
                    .iter()
                    .find(|(h, _)| h.trim().eq_ignore_ascii_case("description"))
                    .or(sentence.cells.get(1))
                    .map_or("", |(_, c)| c.as_str());
                // The description's inline code, from the sentence's.
                let at = sentence.text.find(description).unwrap_or(usize::MAX);
                let code: Vec<std::ops::Range<usize>> = sentence
                    .code
                    .iter()
                    .filter(|c| at <= c.start && c.end <= at.saturating_add(description.len()))
                    .map(|c| c.start - at..c.end - at)
                    .collect();
                super::scope::variable_row(first, description, &code)
            }
            Some((_, first)) if row_text.is_some() => super::scope::row(first),
            _ => super::scope::read(text, &tokens, &sentence.code, &proper),
        };
        // A sentence is about its subject: where the subject names something, the components
        // named after it are objects, destinations or sources ("The settlement-batch function
        // only needs read access to the ledger table"; "CloudFront standard logs go to the
        // reelforge-cdn-logs bucket").
        let in_subject: Vec<String> = named_at
            .iter()
            .filter(|(_, i)| scope.subject.contains(i))
            .map(|(n, _)| n.clone())
            .collect();
        // Only a name that surely refers to a resource outweighs them: a component of the
        // document or an identifier (`custom:workspace_id`, `stallmart-payouts`), not a
        // description the code may not spell ("the LLM provider's API key").
        let subject_identifier =
            scope.of_subject && scope.names.iter().any(|n| n.contains(['-', '_', '/', ':']));
        let subject_component = !in_subject.is_empty();
        let subject_named = subject_component || subject_identifier;
        let mut named: Vec<String> = if subject_named {
            in_subject
        } else {
            named_at.into_iter().map(|(n, _)| n).collect()
        };
        match &previous_scope {
            Some((section, before)) if pronoun && *section == sentence.section => {
                scope.names.clone_from(&before.names);
                if !scope.names.is_empty() {
                    scope.why = format!("scope `{}` (the sentence before)", scope.names.join(", "));
                }
            }
            _ => {}
        }
        // "The key rotates …": a definite description that names nothing refers to the last
        // thing of its kind the section named; so does one whose sentence goes on to name
        // other things ("The key policy allows … to the orders-api roles"): they are objects.
        // A subject named only by its service ("The SQS queue") is such a description too;
        // with nothing of its kind named before, the service is all it says.
        let kinds = super::scope::definite_kinds(&tokens[scope.subject.start.min(tokens.len())..]);
        // And a demonstrative points back whatever words describe it ("this back-office
        // task" after "The hr-admin task …").
        let pointing = !kinds.is_empty()
            && !subject_component
            && tokens
                .get(scope.subject.start)
                .is_some_and(|t| matches!(t.word.as_str(), "this" | "that" | "these" | "those"));
        let generic = !kinds.is_empty()
            && scope.of_subject
            && !scope.names.iter().any(|n| super::scope::distinctive(n));
        if (scope.names.is_empty() || generic || pointing)
            && !scope.universal
            && scope.excluded.is_empty()
            && (!subject_named || pointing)
            && subject.is_empty()
            && !pronoun
        {
            let found = kinds.iter().find_map(|kind| {
                earlier
                    .iter()
                    .rev()
                    .filter(|(section, _)| *section == sentence.section)
                    .find_map(|(_, pairs)| {
                        let names: Vec<String> = pairs
                            .iter()
                            .filter(|(k, _)| k == kind)
                            .map(|(_, n)| n.clone())
                            .collect();
                        (!names.is_empty()).then_some((kind, names))
                    })
            });
            if let Some((kind, names)) = found {
                named.clear();
                scope.why = format!("scope `{}` (the {kind} named before)", names.join(", "));
                scope.names = names;
            }
        } else if scope.of_subject
            && !subject_named
            && scope.names.len() == 1
            && tokens
                .first()
                .is_some_and(|t| matches!(t.word.as_str(), "the" | "these" | "those"))
        {
            // A name shortened once introduced: after "the `lumen-deploy-<env>` roles", "the
            // deploy roles" are those roles, not others.
            let short = &scope.names[0];
            let mut words: Vec<&str> = short.split(' ').collect();
            let kind = words.pop().filter(|w| super::scope::is_kind(w)).map(fold);
            let full = kind.and_then(|kind| {
                earlier
                    .iter()
                    .rev()
                    .filter(|(section, _)| *section == sentence.section)
                    .flat_map(|(_, pairs)| pairs.iter())
                    .find(|(k, name)| {
                        let parts: Vec<&str> = name.split([' ', '-', '_', '/']).collect();
                        k == kind
                            && name != short
                            && parts.len() > words.len()
                            && !words.is_empty()
                            && words.iter().all(|w| parts.contains(w))
                    })
                    .map(|(_, name)| name.clone())
            });
            if let Some(full) = full {
                scope.why = format!("scope `{full}` (`{short}`, named before in full)");
                scope.names = vec![full];
            }
        }
        // What this sentence is about, for the next one of its block.
        let same_block = last_words
            .as_ref()
            .is_some_and(|(block, _)| *block == sentence.block);
        // The first sentence of a nested list item goes on about the last one of its parent.
        let parent = (!same_block && sentence.parent != 0)
            .then(|| block_last.get(&sentence.parent))
            .flatten();
        let mut inherited = match &before {
            Some((block, names)) if *block == sentence.block => names.clone(),
            _ => Vec::new(),
        };
        let fragment = row_text.is_none() && verbless(&tokens);
        let context = match (&last_words, parent) {
            (Some((_, words)), _) if same_block && fragment => words.clone(),
            (_, Some((words, about))) if fragment => {
                inherited.clone_from(about);
                words.clone()
            }
            _ => Vec::new(),
        };
        last_words = Some((sentence.block, tokens.clone()));
        let about: Vec<String> = if scope.of_subject || subject_named {
            scope.names.iter().chain(&named).cloned().collect()
        } else {
            inherited.clone()
        };
        if sentence.block != 0 {
            block_last.insert(
                sentence.block,
                (last_words_tokens(&last_words), about.clone()),
            );
        }
        before = Some((sentence.block, about));
        if row_text.is_none() {
            proper.extend(super::scope::proper_nouns(text, &tokens));
        }
        // What this sentence names, by kind, for the definite descriptions after it.
        let pairs = match sentence.cells.first() {
            Some(_) if row_text.is_some() => Vec::new(),
            _ => super::scope::kinded_names(text, &tokens, &sentence.code),
        };
        if !pairs.is_empty() {
            if earlier.len() >= EARLIER_SENTENCES {
                earlier.remove(0);
            }
            earlier.push((sentence.section.as_str(), pairs));
        }
        previous_scope = Some((sentence.section.as_str(), scope.clone()));
        let cues = cues(text, &tokens, !scope.excluded.is_empty());
        let parts = parts(text, &tokens);
        let heading = sentence.section.rsplit(" > ").next().unwrap_or("");
        let heading_words = tokenize(heading);
        let (plans, absent) = heading_kind(&heading_words);
        let mut cues = cues;
        if plans && !absent {
            cues.insert(0, (format!("under the heading `{heading}`"), None));
        }
        if is_reference_heading(&heading_words) {
            cues.insert(0, (format!("a reference, under `{heading}`"), None));
        }
        if let Some(status) = &status {
            cues.insert(0, (format!("the decision record is `{status}`"), None));
        }
        // A row that grades options, prices items or rates a risk; a line that names another
        // document by number and title.
        let weighed = if row_text.is_some() {
            super::comparison::weighing(&sentence.cells)
        } else {
            super::references::titled_reference(&sentence.text)
                .map(|id| format!("a reference to `{id}`"))
                .or_else(|| super::comparison::cost_line(&sentence.text))
        };
        if let Some(why) = weighed {
            cues.insert(0, (why, None));
        }
        if let Some(heading) = background_heading(
            &sentence.section,
            &super::nonclaims::file().headings.background,
        ) {
            cues.insert(
                0,
                (
                    format!("background, under `{heading}`: not the design"),
                    None,
                ),
            );
        } else if decision_record {
            if let Some(heading) = background_heading(
                &sentence.section,
                &super::nonclaims::file().headings.decision_record_background,
            ) {
                cues.insert(
                    0,
                    (
                        format!(
                            "the decision record's background, under `{heading}`: not the design"
                        ),
                        None,
                    ),
                );
            }
        }
        let row_entities = if row_text.is_some() {
            row_entities(sentence)
        } else {
            Vec::new()
        };
        let relatives = match sentence.cells.first() {
            Some(_) if row_text.is_some() => Vec::new(),
            _ => super::scope::relative_clauses(text, &tokens, &sentence.code),
        };
        let absent = if absent {
            Some(format!("under the heading `{heading}`"))
        } else if row_text.is_some() {
            failed_status(sentence)
        } else {
            None
        };
        let grants = super::actions::grants(text, &tokens);
        let in_name = joined_words(text, &tokens);
        let view = View {
            grants,
            in_name,
            context,
            row: row_text.is_some(),
            row_headers,
            relatives,
            inherited,
            row_entities,
            absent,
            tokens,
            named,
            subject,
            cues,
            parts,
            scope,
        };
        let mut vocabulary = Vec::new();
        let mut reason = None;
        let mut any = false;
        let mut here: Vec<(usize, Evidence, Claim)> = Vec::new();
        for (k, c) in compiled.iter().enumerate() {
            match claim_of(doc, sentence, &view, c, rules[k].0, None) {
                Outcome::Silent => {}
                Outcome::Skipped(topic, why) => {
                    vocabulary.push(format!("{}: `{topic}`", rules[k].0));
                    reason.get_or_insert(why);
                }
                Outcome::Claim(evidence, claim) => {
                    any = true;
                    here.push((k, evidence, claim));
                }
            }
        }
        // The longest reading wins: a claim whose every deciding phrase lies inside a longer
        // phrase another assumption read ("isolat*" inside "isolated database subnets",
        // "publicly accessible" inside "not publicly accessible") is that other claim's words.
        // And the sentence's own words beat its heading: a claim whose topic is only in the
        // heading ("## Backups" then "… replicas use the AWS owned key") gives way to one
        // whose topic the sentence names.
        let own_topic = here.iter().any(|(_, e, _)| !e.topics.is_empty());
        let kept: Vec<bool> = here
            .iter()
            .map(|(k, evidence, _)| {
                let heading_only = own_topic && evidence.topics.is_empty();
                let swallowed = here
                    .iter()
                    .any(|(j, other, _)| j != k && evidence.within(other));
                !(heading_only || swallowed)
            })
            .collect();
        let mut read_here: Vec<usize> = Vec::new();
        for ((k, _, claim), keep) in here.into_iter().zip(kept) {
            if keep {
                read_here.push(k);
                claims.push((k, claim));
                origin.push((false, sentence.section.as_str()));
            }
        }
        // The learned vocabulary: the assumptions a sentence stated as a fact talks about in
        // words no rule lists.
        if view.cues.is_empty() {
            for (k, claim) in learned_claims(doc, sentence, &view, rules, &compiled, &read_here) {
                any = true;
                claims.push((k, claim));
                origin.push((true, sentence.section.as_str()));
            }
        }
        if !any && !vocabulary.is_empty() {
            skipped.push(super::listing::Skipped {
                path: doc.path.clone(),
                line: sentence.line,
                text: sentence.text.clone(),
                vocabulary,
                reason: reason.unwrap_or_default(),
            });
        }
    }
    // A learned reading that contradicts what the rules' phrases read about the same thing in
    // the same section is the weaker one ("Users sign in with email and password. MFA is
    // mandatory for all users.").
    type Key<'s> = (usize, &'s str, Vec<String>, Vec<String>, Vec<String>);
    fn key<'s>(k: usize, c: &Claim, section: &'s str) -> Key<'s> {
        (
            k,
            section,
            c.components.clone(),
            c.mentions.clone(),
            c.excluded.clone(),
        )
    }
    let ruled: HashMap<Key, Vec<Polarity>> = {
        let mut m: HashMap<Key, Vec<Polarity>> = HashMap::new();
        for ((k, c), (learned, section)) in claims.iter().zip(&origin) {
            if !learned {
                m.entry(key(*k, c, section)).or_default().push(c.polarity);
            }
        }
        m
    };
    let claims = claims
        .into_iter()
        .zip(origin)
        .filter(|((k, c), (learned, section))| {
            !learned
                || ruled
                    .get(&key(*k, c, section))
                    .is_none_or(|ps| ps.contains(&c.polarity))
        })
        .map(|(c, _)| c)
        .collect();
    (claims, skipped)
}

/// What one assumption (`id`, compiled as `c`) makes of one sentence.
fn claim_of(
    doc: &Document,
    sentence: &super::Sentence,
    view: &View,
    c: &Compiled,
    id: &str,
    learned: Option<&Learned>,
) -> Outcome {
    let tokens = &view.tokens;
    // The IAM actions the sentence names that are evidence for this assumption, each as a
    // phrase of its words ("iam createpolicyversion"; `s3:*` is the word `s3`).
    let grants: Vec<(Phrase, usize, (&str, bool))> = view
        .grants
        .iter()
        .filter_map(|g| {
            let about = g.about.iter().find(|a| a.assumption == id)?;
            let words = tokens[g.at..(g.at + g.len).min(tokens.len())]
                .iter()
                .map(|t| PatternWord::Exact(t.word.clone()))
                .collect();
            Some((
                Phrase {
                    source: g.action.as_str(),
                    words,
                },
                g.at,
                (about.why.as_str(), about.absence_holds),
            ))
        })
        .collect();
    // The topic of a claim the learned vocabulary found: no phrase of the rule's.
    let no_phrase = Phrase {
        source: "",
        words: Vec::new(),
    };
    // The topic: one of the assumption's topics or controls in the sentence, else a control
    // in the heading above it ("## Multi-factor authentication" then "Required for everyone.").
    let in_sentence = c
        .topics
        .iter()
        .map(|p| (p, false))
        .chain(c.controls.iter().map(|p| (p, true)))
        .find(|(p, _)| !p.find(tokens).is_empty())
        .or_else(|| grants.first().map(|(p, _, _)| (p, false)));
    // Or, for a verbless sentence, a topic or control of the sentence before it in its
    // paragraph or list item ("`alias/pingwire` key policy: … . No wildcard principal."):
    // what has no verb goes on about what was just said.
    let (topic, control, borrowed) = match in_sentence {
        Some((p, control)) => {
            // A control anywhere in the sentence lets the shared words decide, whichever topic
            // came first ("second factor" is both).
            let control = control || c.controls.iter().any(|p| !p.find(tokens).is_empty());
            (p, control, None)
        }
        None => {
            let heading = tokenize(sentence.section.rsplit(" > ").next().unwrap_or(""));
            let before = c
                .topics
                .iter()
                .map(|p| (p, false))
                .chain(c.controls.iter().map(|p| (p, true)))
                .find(|(p, _)| !p.find(&view.context).is_empty());
            match c.controls.iter().find(|p| !p.find(&heading).is_empty()) {
                Some(p) => (p, true, Some("the heading")),
                None => match before {
                    Some((p, control)) => (p, control, Some("the sentence before")),
                    None if learned.is_some() => (&no_phrase, true, None),
                    None => return Outcome::Silent,
                },
            }
        }
    };
    let from_heading = borrowed.is_some();
    // "Secrets rotate automatically", "Semantic versioning for all charts": the assumption's
    // words said of another thing.
    if of_other_thing(tokens, &view.in_name, c, borrowed.is_some()) {
        return Outcome::Silent;
    }
    let topic_len = topic.words.len();
    // Security vocabulary, for the sentences `vouch claims` lists as not understood: a control,
    // or a topic of several words ("trust policy"); a lone noun such as "function" or "tenant"
    // is not.
    let vocabulary = control || topic_len >= 2;
    // The words a skipped sentence is listed for: its control, else its topic.
    let listed = c
        .controls
        .iter()
        .find(|p| !p.find(tokens).is_empty())
        .unwrap_or(topic)
        .source
        .to_string();
    // Every holds/fails match: (polarity after negation, negated or shared, position,
    // explanation). The explanation prefers the assumption's own words to the shared ones.
    let mut matches: Vec<(Polarity, (bool, bool), usize, String)> = Vec::new();
    // Where each match that starts at a word ends (the longest), for the evidence.
    let mut span_end: HashMap<usize, usize> = HashMap::new();
    let (shared_holds, shared_fails) = shared();
    let none: &[Phrase] = &[];
    let mut covered: Vec<std::ops::Range<usize>> = Vec::new();
    // The words of the assumption's controls in the sentence.
    let control_words: Vec<std::ops::Range<usize>> = c
        .controls
        .iter()
        .flat_map(|p| p.find(tokens).into_iter().map(|at| at..at + p.words.len()))
        .collect();
    if control {
        for p in &c.controls {
            covered.extend(p.find(tokens).into_iter().map(|at| at..at + p.words.len()));
        }
    }
    // The parts of the sentence (split at `;`, a table row's cells) that hold one of the
    // assumption's topics or controls: a predicate counts only in one of them, so "Encryption
    // at rest on; Recovery: none" says nothing of encryption being off.
    let mut topical: Vec<usize> = c
        .topics
        .iter()
        .chain(&c.controls)
        .flat_map(|p| p.find(tokens))
        .chain(grants.iter().map(|(_, at, _)| *at))
        .map(|at| view.parts.get(at).copied().unwrap_or(0))
        .collect();
    topical.sort_unstable();
    topical.dedup();
    let part_of = |at: usize| view.parts.get(at).copied().unwrap_or(0);
    // A table row is one thing, the one its first cell names, and every cell describes it: a
    // topic that is the value of a cell saying what kind of thing it is ("Runs on | ECS
    // Fargate": only the topic and kind or service words, no word of holding or failing)
    // makes the whole row about the topic, so "Public IP | yes" fails a compute assumption
    // for the row. A topic in a cell with its own word of holding or failing ("Encryption |
    // enabled") stays that cell's; one in a header ("Store") names the column, not the thing;
    // and one in the first cell is often the row's name, not its kind ("seller-admin").
    // (Letting the first cell's topic reach the whole row read one more claim of the
    // documents tuned on, with the wrong polarity, and none of those checked on; letting any
    // cell without a predicate do it read three claims checked on, none right.)
    let row_wide = view.row && {
        let (shared_holds, shared_fails) = shared();
        let mut phrases: Vec<&Phrase> = c.holds.iter().chain(&c.fails).collect();
        if control {
            phrases.extend(shared_holds.iter().chain(shared_fails));
        }
        let decided: Vec<usize> = phrases
            .iter()
            .flat_map(|p| p.find_predicate(tokens))
            .map(part_of)
            .collect();
        let in_header = |at: usize| {
            let span = &tokens[at].span;
            view.row_headers
                .iter()
                .any(|h| h.start <= span.start && span.end <= h.end)
        };
        // A cell that says what the thing is: its value is only the topic and the names of
        // kinds and services ("ECS Fargate", "Lambda").
        let kind_cell = |range: std::ops::Range<usize>| {
            let part = part_of(range.start);
            (0..tokens.len())
                .filter(|&i| part_of(i) == part && !in_header(i) && !range.contains(&i))
                .all(|i| {
                    let w = tokens[i].word.as_str();
                    super::scope::is_kind(w) || super::scope::is_service_word(w)
                })
        };
        c.topics
            .iter()
            .chain(&c.controls)
            .flat_map(|p| p.find(tokens).into_iter().map(|at| at..at + p.words.len()))
            .filter(|r| !in_header(r.start))
            .any(|r| {
                let part = part_of(r.start);
                part != 0 && !decided.contains(&part) && kind_cell(r)
            })
    };
    let in_topical = |at: usize| from_heading || row_wide || topical.contains(&part_of(at));
    let control_ends: Vec<usize> = c
        .controls
        .iter()
        .flat_map(|p| p.find(tokens).into_iter().map(|at| at + p.words.len()))
        .collect();
    // Each phrase with where it matches; an IAM action granted is a word of failing where it
    // stands.
    type Found<'p, 's> = Vec<(&'p Phrase<'s>, Vec<usize>, Option<(&'p str, bool)>)>;
    fn found<'p, 's>(list: &'p [Phrase<'s>], tokens: &[Token]) -> Found<'p, 's> {
        list.iter()
            .map(|p| (p, p.find_predicate(tokens), None))
            .collect()
    }
    let granted: Found = grants
        .iter()
        .map(|(p, at, about)| (p, vec![*at], Some(*about)))
        .collect();
    for (phrases, polarity, label, is_shared) in [
        (found(&c.holds, tokens), Polarity::Holds, "holds", false),
        (found(&c.fails, tokens), Polarity::Fails, "fails", false),
        (
            found(if control { &shared_holds[..] } else { none }, tokens),
            Polarity::Holds,
            "holds",
            true,
        ),
        (
            found(if control { &shared_fails[..] } else { none }, tokens),
            Polarity::Fails,
            "fails",
            true,
        ),
        (granted, Polarity::Fails, "fails", false),
    ] {
        for (phrase, positions, grant) in phrases {
            for at in positions {
                if !in_topical(at) {
                    continue;
                }
                covered.push(at..at + phrase.words.len());
                let end = span_end.entry(at).or_insert(at);
                *end = (*end).max(at + phrase.words.len());
                let negated =
                    negation(tokens, at).or_else(|| negated_grant(tokens, at + phrase.words.len()));
                // Refusing what fails is what holds: "denies requests without TLS".
                // Undoing what holds is what fails: "we removed the permissions boundary".
                // And so is a passive after it that refuses or undoes it: "TLS 1.0 is
                // disabled" holds, "the boundary was removed" fails.
                let end = at + phrase.words.len();
                let refused = match polarity {
                    Polarity::Fails => refusal(tokens, at)
                        .or_else(|| verb_before(tokens, at, UNDOING))
                        .or_else(|| passive_undoing(tokens, at, end)),
                    Polarity::Holds => verb_before(tokens, at, UNDOING).or_else(|| {
                        passive_undoing(tokens, at, end).filter(|v| !REFUSALS.contains(v))
                    }),
                };
                let source = phrase.source;
                matches.push(match (negated, refused) {
                    (Some(neg), None) => (
                        flip(polarity),
                        (true, is_shared),
                        at,
                        format!("{label} `{source}` negated by `{neg}`"),
                    ),
                    (None, Some(verb)) => (
                        flip(polarity),
                        (true, is_shared),
                        at,
                        format!(
                            "{label} `{source}` {} by `{verb}`",
                            if REFUSALS.contains(&verb) {
                                "refused"
                            } else {
                                "undone"
                            }
                        ),
                    ),
                    _ => (
                        polarity,
                        (false, is_shared),
                        at,
                        format!("{label} `{source}`"),
                    ),
                });
                if let (Some((why, absence_holds)), Some(last)) = (grant, matches.last_mut()) {
                    // An action said to be missing where only its grant says anything ("neither
                    // role holds `iam:*`" of least privilege): no evidence either way.
                    if last.0 == Polarity::Holds && !absence_holds {
                        matches.pop();
                        continue;
                    }
                    last.3 = format!("{} ({why})", last.3);
                }
            }
        }
    }
    // A control followed by `on` or `off` at the end of its clause: "versioning on",
    // "rotation is off".
    if control {
        for (i, t) in tokens.iter().enumerate() {
            let last = tokens.get(i + 1).is_none_or(|n| n.clause != t.clause);
            // Right after the control ("versioning on", "rotation is off").
            let after_control = control_ends.contains(&i)
                || (i >= 1
                    && control_ends.contains(&(i - 1))
                    && matches!(
                        tokens[i - 1].word.as_str(),
                        "is" | "are" | "was" | "turned" | "switched" | "set" | "to"
                    ));
            // The `on` right after an IAM action brings in its resource ("`iam:PassRole` on
            // `*`"), whatever follows it: no state.
            let resource = view.grants.iter().any(|g| g.at + g.len == i);
            if !after_control || resource {
                continue;
            }
            // "MFA: yes", "Backups: none": a key-value line's yes or no says the same.
            let polarity = match t.word.as_str() {
                "on" | "yes" if last => Polarity::Holds,
                "off" | "no" | "none" if last => Polarity::Fails,
                _ => continue,
            };
            let label = if polarity == Polarity::Holds {
                "holds"
            } else {
                "fails"
            };
            matches.push(match negation(tokens, i) {
                Some(neg) => (
                    flip(polarity),
                    (true, true),
                    i,
                    format!("{label} `{}` negated by `{neg}`", t.word),
                ),
                None => (polarity, (false, true), i, format!("{label} `{}`", t.word)),
            });
        }
    }
    // "`/templates` admin routes: Cognito authorizer": a label naming the topic, then a
    // colon and, as the whole value, the control itself, says the labeled thing has it.
    if control && matches.is_empty() && !from_heading && !view.row {
        let label_topic = |end: usize| {
            c.topics.iter().chain(&c.controls).any(|p| {
                p.find(&tokens[..end])
                    .iter()
                    .any(|&at| at + p.words.len() <= end)
            })
        };
        if let Some(at) = labeled_control(&sentence.text, tokens, &control_words, label_topic) {
            matches.push((
                Polarity::Holds,
                (false, true),
                at,
                format!(
                    "holds `{}` (the value of its label)",
                    control_words
                        .iter()
                        .find(|r| r.start == at)
                        .map(|r| tokens[r.clone()]
                            .iter()
                            .map(|t| t.word.as_str())
                            .collect::<Vec<_>>()
                            .join(" "))
                        .unwrap_or_default()
                ),
            ));
        }
    }
    // "encrypted with our CMK, **not** the default AWS-owned key": a clause that starts with
    // `not` names the alternative that was rejected; it decides nothing where the rest of the
    // sentence does.
    let contrast = |at: usize| {
        let clause = tokens[at].clause;
        let head = tokens[..at]
            .iter()
            .rposition(|t| t.clause != clause)
            .map_or(0, |k| k + 1);
        head > 0 && tokens[head].word == "not" && (at - head) <= VERB_NEGATION_REACH
    };
    if matches.iter().any(|m| !contrast(m.2)) {
        matches.retain(|m| !(m.1 .0 && contrast(m.2)));
    }
    // "We reference the certificate by its ARN, **rather than** keeping the key in encrypted
    // hieradata", "a CMK **instead of** the AWS-owned key": what follows `rather than` or
    // `instead of`, to the end of its clause, is the alternative not taken; it decides nothing.
    let rejected = rejected_alternatives(tokens);
    matches.retain(|m| !rejected.get(m.2).copied().unwrap_or(false));
    // Where no word of the rule's or the shared ones decides, the learned polarity does.
    if matches.is_empty() {
        if let Some(l) = learned {
            let (polarity, words) = &l.polarity;
            let label = if *polarity == Polarity::Fails {
                "fails"
            } else {
                "holds"
            };
            matches.push((
                *polarity,
                (true, true),
                0,
                format!("{label} by the learned words `{}`", words.join("`, `")),
            ));
        }
    }
    let polarity = if matches.iter().any(|m| m.0 == Polarity::Fails) {
        Polarity::Fails
    } else if matches.is_empty() && (from_heading || !vocabulary) {
        return Outcome::Silent;
    } else if matches.is_empty() {
        // The cue says more than the missing predicate: "Do we need MFA …?" is a question.
        let reason = view.cues.first().map_or_else(
            || "no words of holding or failing".to_string(),
            |(cue, _)| cue.clone(),
        );
        return Outcome::Skipped(listed, reason);
    } else {
        Polarity::Holds
    };
    // The explanation: a plain match before a negated one, then the first in the sentence.
    // The words that decided: every match of the claim's polarity, and the topic.
    let predicates: Vec<std::ops::Range<usize>> = matches
        .iter()
        .filter(|m| m.0 == polarity)
        .map(|m| m.2..span_end.get(&m.2).copied().unwrap_or(m.2 + 1))
        .collect();
    let topics: Vec<std::ops::Range<usize>> = if from_heading {
        Vec::new()
    } else {
        topic
            .find(tokens)
            .into_iter()
            .take(1)
            .map(|at| at..at + topic.words.len())
            .collect()
    };
    let evidence = Evidence { predicates, topics };
    let Some((_, _, at, why)) = matches
        .into_iter()
        .filter(|m| m.0 == polarity)
        .min_by_key(|m| (m.1, m.2))
    else {
        return Outcome::Silent;
    };
    // A cue in the part of the sentence that decides (or over the whole sentence) makes it no
    // claim.
    let part = view.parts.get(at).copied().unwrap_or(0);
    if let Some((cue, _)) = view
        .cues
        .iter()
        .find(|(_, i)| i.is_none_or(|i| view.parts.get(i).copied().unwrap_or(0) == part))
    {
        if !vocabulary {
            return Outcome::Silent;
        }
        return Outcome::Skipped(listed, cue.clone());
    }
    // Under a heading that says what is missing ("## Not done yet", "## Known gaps"), an
    // item names a control that is absent, whatever words it uses ("access logs on the WS
    // stage").
    let (polarity, why) = match &view.absent {
        Some(absent) if polarity == Polarity::Holds => {
            (Polarity::Fails, format!("{why}, fails {absent}"))
        }
        _ => (polarity, why),
    };
    // "Every API route requires …": a sentence whose subject is a universal quantifier over
    // a kind is about the whole system, even when it mentions a component later on.
    let first = sentence
        .text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let universal = matches!(first.as_str(), "every" | "all" | "each" | "no" | "none");
    let subject = view.subject.clone();
    let mut names = if universal && subject.is_empty() && view.scope.names.is_empty() {
        // "All KMS keys rotate …" is about every key, not about the system as a whole.
        super::resolve::quantified_kind(&sentence.text)
            .map(|noun| vec![format!("every {noun}")])
            .unwrap_or_default()
    } else if view.named.is_empty() && subject.is_empty() {
        // "API Gateway writes access logs …" is about that service's resources.
        super::resolve::leading_service(&sentence.text)
            .map(|service| vec![format!("every {service}")])
            .unwrap_or_default()
    } else {
        view.named.clone()
    };
    names.extend(subject);
    let mut why = why;
    // The scope the words give counts where the document's own components and quantifiers
    // say nothing.
    let mut mentions: Vec<String> = Vec::new();
    if !view.scope.universal && names.is_empty() {
        // A name made of the topic's or the predicate's words is the control, not a component
        // ("CloudTrail is enabled", "Strict-Transport-Security is added").
        let covered_words: std::collections::HashSet<&str> = covered
            .iter()
            .flat_map(|r| tokens[r.clone()].iter().map(|t| t.word.as_str()))
            .collect();
        let own = |n: &String| {
            n.split([' ', '-', '/', '_'])
                .all(|w| covered_words.contains(w))
        };
        mentions.extend(view.scope.names.iter().filter(|n| !own(n)).cloned());
        mentions.sort();
        mentions.dedup();
        if !mentions.is_empty() && !view.scope.why.is_empty() {
            why = format!("{why}, {}", view.scope.why);
        }
        // A sentence whose subject is only the control ("`fp-raw-archive` is encrypted with
        // the same key. Versioning is on …") goes on about what the sentence before it in
        // its paragraph or list item is about.
        // Not a bare plural: "Backups are tested …" is about backups in general.
        let subject = view.scope.subject.clone();
        let bare_plural = tokens
            .get(subject.start)
            .is_some_and(|t| t.word.len() > 3 && t.word.ends_with('s') && !t.word.ends_with("ss"));
        let control_subject = !subject.is_empty()
            && !bare_plural
            && subject.clone().all(|i| {
                control_words.iter().any(|r| r.contains(&i))
                    || covered.iter().any(|r| r.contains(&i))
                    || matches!(tokens[i].word.as_str(), "the" | "a" | "an" | "our" | "its")
            });
        if mentions.is_empty()
            && view.scope.excluded.is_empty()
            && (control_subject || borrowed == Some("the sentence before"))
            && !view.inherited.is_empty()
        {
            mentions = view.inherited.clone();
            why = format!(
                "{why}, scope `{}` (the sentence before)",
                mentions.join(", ")
            );
        }
        // A sentence that names nothing is about what its heading names ("### guests (RDS)"
        // then "Automated backups, retention 21 days.").
        if mentions.is_empty() && view.scope.excluded.is_empty() {
            let heading = sentence.section.rsplit(" > ").next().unwrap_or("");
            mentions = super::scope::heading(heading);
            if !mentions.is_empty() {
                why = format!("{why}, scope `{}` (the heading)", mentions.join(", "));
            }
        }
    }
    // Where the document's components name part of the subject ("The origination-api and
    // decision-engine services": only the first is a component), the subject's other names
    // count too.
    if !names.is_empty() && !view.scope.universal && view.scope.of_subject {
        let known: std::collections::HashSet<String> = names
            .iter()
            .flat_map(|n| super::text::name_words(n))
            .collect();
        for n in &view.scope.names {
            let words = super::text::name_words(n);
            let identifier = n.contains(['-', '_', '/']);
            if identifier && !words.iter().any(|w| known.contains(w)) && !mentions.contains(n) {
                mentions.push(n.clone());
            }
        }
    }
    // In a table row a cell describes the thing the nearest cell to its left names, when that
    // cell's column holds things ("Component | Store | Key": the key column describes the
    // store, not the component).
    // A claim decided inside ", which …" is about what the clause refers to.
    if let Some((_, name)) = view
        .relatives
        .iter()
        .find(|(clause, _)| tokens.get(at).is_some_and(|t| t.clause == *clause))
    {
        names.clear();
        mentions = vec![name.clone()];
        why = format!("{why}, scope `{name}` (what `which` refers to)");
    }
    let decided_in = view.parts.get(at).copied().unwrap_or(0);
    if let Some((_, entity)) = view
        .row_entities
        .iter()
        .filter(|(part, _)| *part <= decided_in)
        .max_by_key(|(part, _)| *part)
        .filter(|(_, e)| !e.names.is_empty())
    {
        names = view
            .named
            .iter()
            .filter(|n| entity.names.iter().any(|e| e == *n))
            .cloned()
            .collect();
        mentions = entity
            .names
            .iter()
            .filter(|n| !names.contains(n))
            .cloned()
            .collect();
        why = format!("{why}, {}", entity.why);
    }
    let excluded = view.scope.excluded.clone();
    if !excluded.is_empty() {
        why = format!("{why}, {}", view.scope.why);
    }
    names.sort();
    names.dedup();
    Outcome::Claim(
        evidence,
        Claim {
            polarity,
            path: doc.path.clone(),
            line: sentence.line,
            text: sentence.text.clone(),
            components: names,
            mentions,
            excluded,
            matched: match learned {
                Some(l) if topic.source.is_empty() => format!("{}, {why}", l.why),
                _ => format!(
                    "topic `{}`{}, {why}",
                    topic.source,
                    borrowed.map(|b| format!(" ({b})")).unwrap_or_default()
                ),
            },
        },
    )
}

/// Whether the assumption's words in a sentence are said of another thing
/// ([`super::ClaimPatterns::other_things`]): every clause where a topic or control of the
/// assumption stands names one of its other things and none of its own ("Database credentials
/// rotate every 90 days": credentials; "the Secrets Manager CMK rotates yearly": a key of its
/// own). A topic borrowed from the heading or the sentence before, or none at all (the learned
/// vocabulary's), is checked against the whole sentence.
fn of_other_thing(tokens: &[Token], in_name: &[bool], c: &Compiled, borrowed: bool) -> bool {
    if c.other_things.is_empty() {
        return false;
    }
    let spans = |phrases: &[Phrase]| -> Vec<std::ops::Range<usize>> {
        phrases
            .iter()
            .flat_map(|p| p.find(tokens).into_iter().map(|at| at..at + p.words.len()))
            .collect()
    };
    let clauses = |phrases: &mut dyn Iterator<Item = &Phrase>| -> Vec<u32> {
        phrases
            .flat_map(|p| p.find(tokens))
            .map(|at| tokens[at].clause)
            .collect()
    };
    // A word of a name (`payroll-secrets-key`, "dual-key") names no thing of its own.
    let free =
        |r: &std::ops::Range<usize>| !r.clone().any(|i| in_name.get(i).copied().unwrap_or(false));
    let other_spans: Vec<std::ops::Range<usize>> =
        spans(&c.other_things).into_iter().filter(free).collect();
    let other: Vec<u32> = other_spans.iter().map(|r| tokens[r.start].clause).collect();
    if other.is_empty() {
        return false;
    }
    // An own thing inside another one is that other thing: the `key` of "API key".
    let own: Vec<u32> = spans(&c.own_things)
        .into_iter()
        .filter(free)
        .filter(|r| {
            !other_spans
                .iter()
                .any(|o| o.start <= r.start && r.end <= o.end)
        })
        .map(|r| tokens[r.start].clause)
        .collect();
    let topical = clauses(&mut c.topics.iter().chain(&c.controls));
    if borrowed || topical.is_empty() {
        return own.is_empty();
    }
    // A clause that names no thing at all ("Policies are versioned, tested, and reviewed like
    // code": "versioned" alone between commas) is about what the sentence names.
    let named = |k: &u32| other.contains(k) || own.contains(k);
    topical.iter().all(|k| {
        if named(k) {
            other.contains(k) && !own.contains(k)
        } else {
            own.is_empty()
        }
    })
}

/// For each word of `text`, whether a `-`, `_`, `/` or `.` joins it to the word before or
/// after it, with no space: it is part of a name (`quayside-secrets-key`, `app/secrets`).
fn joined_words(text: &str, tokens: &[Token]) -> Vec<bool> {
    let joined = |a: &Token, b: &Token| {
        text.get(a.span.end..b.span.start)
            .is_some_and(|gap| gap.len() == 1 && matches!(gap, "-" | "_" | "/" | "."))
    };
    (0..tokens.len())
        .map(|i| {
            (i > 0 && joined(&tokens[i - 1], &tokens[i]))
                || tokens.get(i + 1).is_some_and(|n| joined(&tokens[i], n))
        })
        .collect()
}

/// The words of the sentence kept in `last_words`.
fn last_words_tokens(last: &Option<(u32, Vec<Token>)>) -> Vec<Token> {
    last.as_ref().map(|(_, w)| w.clone()).unwrap_or_default()
}

/// Most words of a sentence [`verbless`] reads as going on about the sentence before.
const MAX_VERBLESS_WORDS: usize = 12;

/// Whether a sentence is a short fragment with no verb ("No wildcard principal.",
/// "Outbound-only via the NAT gateway."): it says something of what the sentence before
/// named.
fn verbless(tokens: &[Token]) -> bool {
    tokens.len() <= MAX_VERBLESS_WORDS
        && tokens.iter().all(|t| {
            let w = t.word.as_str();
            !(super::scope::is_verb(w) || PRESENT.contains(&w) || PAST.contains(&w))
        })
}

/// Most words of a label before a colon ("`/templates` admin routes: …").
const MAX_LABEL_WORDS: usize = 6;

/// Where a control stands as the value of a "Label: value" line, verbless ("`/templates`
/// admin routes: Cognito authorizer, `pingwire-admins` group"): the label is a few words with
/// no auxiliary verb that name the topic (`label_topic` of the label's word count), and the value starts
/// with the control (after an article) and has no verb or negation in its clause. `None`
/// otherwise.
fn labeled_control(
    text: &str,
    tokens: &[Token],
    controls: &[std::ops::Range<usize>],
    label_topic: impl Fn(usize) -> bool,
) -> Option<usize> {
    let colon = text
        .char_indices()
        .find(|(i, c)| *c == ':' && text[i + 1..].starts_with(char::is_whitespace))?
        .0;
    let label = tokens.iter().take_while(|t| t.span.end <= colon).count();
    if label == 0 || label > MAX_LABEL_WORDS || label >= tokens.len() {
        return None;
    }
    // Not `is_verb`: a label's nouns are often verbs too ("admin routes").
    if tokens[..label]
        .iter()
        .any(|t| PRESENT.contains(&t.word.as_str()) || PAST.contains(&t.word.as_str()))
        || !label_topic(label)
    {
        return None;
    }
    let mut at = label;
    while tokens
        .get(at)
        .is_some_and(|t| matches!(t.word.as_str(), "a" | "an" | "the"))
    {
        at += 1;
    }
    let clause = tokens.get(at)?.clause;
    let verbless = tokens[label..]
        .iter()
        .take_while(|t| t.clause == clause)
        .all(|t| {
            !super::scope::is_verb(&t.word)
                && !VERB_NEGATIONS.contains(&t.word.as_str())
                && !NOUN_NEGATIONS.contains(&t.word.as_str())
        });
    (verbless && controls.iter().any(|r| r.start == at)).then_some(at)
}

/// For each word, whether it stands after `rather than` or `instead of` in its clause (the
/// alternative a sentence rejects). One pass.
fn rejected_alternatives(tokens: &[Token]) -> Vec<bool> {
    let mut out = vec![false; tokens.len()];
    let mut open: Option<u32> = None;
    for (i, t) in tokens.iter().enumerate() {
        if open.is_some_and(|c| c != t.clause) {
            open = None;
        }
        let next = tokens.get(i + 1).map(|n| n.word.as_str());
        if matches!(
            (t.word.as_str(), next),
            ("rather", Some("than")) | ("instead", Some("of"))
        ) {
            open = Some(t.clause);
        }
        out[i] = open.is_some();
    }
    out
}

/// Past-tense auxiliaries, and the present ones that keep a sentence about today.
const PAST: &[&str] = &["was", "were"];
const PRESENT: &[&str] = &[
    "is", "are", "has", "have", "does", "do", "can", "cannot", "must",
];

/// Whether a sentence says how things are today, as a learned claim needs: not only what was
/// ("The bastion security group allowed SSH from anywhere until March"), and not a pointer to
/// a ticket or another document ("PAY-412 covers the key policy"). The rules' own phrases
/// are specific enough to read past tense where it still holds ("was enabled at launch").
fn present_statement(text: &str, tokens: &[Token]) -> bool {
    let has = |list: &[&str]| tokens.iter().any(|t| list.contains(&t.word.as_str()));
    if has(PAST) && !has(PRESENT) {
        return false;
    }
    // A ticket or document number: capitals, a dash, digits ("SEC-88", "ISP-004").
    let ticket = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .any(|w| {
            w.split_once('-').is_some_and(|(a, b)| {
                a.len() >= 2
                    && a.chars().all(|c| c.is_ascii_uppercase())
                    && !b.is_empty()
                    && b.chars().all(|c| c.is_ascii_digit())
            })
        });
    !ticket
}

/// What the learned vocabulary read of a sentence for one assumption: why, and its polarity.
struct Learned {
    why: String,
    polarity: (Polarity, Vec<String>),
}

/// How much likelier than no claim at all (natural log-odds) a sentence's learned topic must be
/// for the sentence to be read as a claim about it: e^14, so that a sentence that merely uses
/// the vocabulary (history, rationale, a table's key schema) stays no claim. (Lower thresholds
/// read a few more claims of the checked-on documents but lose precision, and misread the
/// fixture project's document.)
const LEARNED_THRESHOLD: f64 = 14.0;
/// A second assumption of the same sentence must score at least this part of the first's.
const LEARNED_RATIO: f64 = 0.8;
/// At most this many learned claims per sentence.
const MAX_LEARNED: usize = 2;

/// The claims the learned vocabulary reads in a sentence the rules' phrases read nothing from:
/// each assumption whose score passes [`LEARNED_THRESHOLD`], at most [`MAX_LEARNED`]. (Adding
/// learned claims beside the rules' ones read more of the documents tuned on and nothing more
/// of the ones checked on.)
fn learned_claims(
    doc: &Document,
    sentence: &super::Sentence,
    view: &View,
    rules: &[(&str, &ClaimPatterns)],
    compiled: &[&Compiled],
    read: &[usize],
) -> Vec<(usize, Claim)> {
    if !read.is_empty() {
        return Vec::new();
    }
    // Rules outside the catalog (a test's own patterns) have no learned vocabulary.
    if !rules
        .iter()
        .any(|(id, _)| crate::assumptions::catalog().iter().any(|r| r.id == *id))
    {
        return Vec::new();
    }
    if !present_statement(&sentence.text, &view.tokens) {
        return Vec::new();
    }
    let model = super::topic::Model::get();
    let topics = model.topics(&view.tokens);
    let Some(best) = topics.first().map(|t| t.score) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for t in topics.iter().take(MAX_LEARNED) {
        if t.score < LEARNED_THRESHOLD || t.score < best * LEARNED_RATIO {
            break;
        }
        let Some(k) = rules.iter().position(|(id, _)| *id == t.assumption) else {
            continue;
        };
        let (fails, words) = model.fails(&view.tokens);
        let negated = view.tokens.iter().any(|t| {
            matches!(
                t.word.as_str(),
                "not" | "no" | "never" | "without" | "none" | "nothing" | "nobody" | "nor"
            )
        });
        // The learned words say a control fails only where the sentence negates something:
        // without a negation, "Plain HTTP requests are redirected to HTTPS" describes the
        // control at work, whatever words failing claims of the training documents shared.
        if fails && !negated {
            continue;
        }
        let learned = Learned {
            why: format!(
                "learned topic `{}` (score {:.1})",
                t.words.join("`, `"),
                t.score
            ),
            polarity: (
                if fails {
                    Polarity::Fails
                } else {
                    Polarity::Holds
                },
                words,
            ),
        };
        if let Outcome::Claim(_, claim) =
            claim_of(doc, sentence, view, compiled[k], rules[k].0, Some(&learned))
        {
            out.push((k, claim));
        }
    }
    out
}

/// Cell values that say a control is in place, or that it is not.
#[rustfmt::skip]
const YES_CELLS: &[&str] = &[
    "yes", "y", "on", "true", "enabled", "✓", "✔", "✔️", "✅", "☑", "☑️", "x", "pass", "passed",
    "done",
];
#[rustfmt::skip]
const NO_CELLS: &[&str] = &[
    "no", "n", "off", "false", "disabled", "none", "-", "—", "–", "✗", "✘", "❌", "✖", "✖️",
    "n/a", "fail", "failed", "missing", "not done",
];

/// A table row as text to read: its first cell, then each other cell under its header, as its
/// own clause ("payments table; Encryption CMK; Recovery PITR enabled"); a yes cell says its
/// header is enabled, a no cell negates it ("Public IP | no" → "not Public IP"). `None` for
/// prose, or a row with no header.
pub(super) fn row_text(sentence: &super::Sentence) -> Option<String> {
    row_reading(sentence).map(|(text, _)| text)
}

/// [`row_text`], and where in it the headers stand (byte ranges): what names a column, not
/// what the row has.
fn row_reading(sentence: &super::Sentence) -> Option<(String, Vec<std::ops::Range<usize>>)> {
    if sentence.cells.len() < 2 || sentence.cells.iter().all(|(h, _)| h.is_empty()) {
        return None;
    }
    let mut text = sentence.cells[0].1.clone();
    let mut headers = Vec::new();
    for (header, cell) in sentence.cells[1..].iter().filter(|(_, c)| !c.is_empty()) {
        text.push_str("; ");
        let value = cell_value(cell);
        let value = value.as_str();
        let (before, after) = if YES_CELLS.contains(&value) {
            ("", " enabled")
        } else if NO_CELLS.contains(&value) {
            ("not ", "")
        } else {
            ("", " ")
        };
        text.push_str(before);
        headers.push(text.len()..text.len() + header.len());
        text.push_str(header);
        text.push_str(after);
        if !(YES_CELLS.contains(&value) || NO_CELLS.contains(&value)) {
            text.push_str(cell);
        }
    }
    Some((text, headers))
}

/// Whether a table row is a module's input or output: its first cell is a variable's name and
/// the table says of each its type or default ("Name | Description | Type | Default").
fn variable_row(sentence: &super::Sentence) -> bool {
    sentence
        .cells
        .first()
        .is_some_and(|(_, c)| super::scope::is_variable(c))
        && sentence.cells.iter().any(|(h, _)| {
            matches!(
                h.trim().to_lowercase().as_str(),
                "type" | "default" | "required"
            )
        })
}

/// Column headers of a checklist's verdict: a row whose cell under one of them says no
/// ("Status | ✗", "Done | no") states what the rest of the row names is missing.
#[rustfmt::skip]
const STATUS_HEADERS: &[&str] = &[
    "status", "state", "result", "verdict", "done", "in place", "implemented", "met",
    "compliant", "ok", "pass", "passed", "check", "checked", "enforced", "enabled", "verified",
    "ready", "complete", "completed", "outcome", "finding",
];

/// Why a table row's checklist verdict says that what the row states is missing: "its
/// `Status` cell says `no`", when a cell under a [`STATUS_HEADERS`] column holds a no.
fn failed_status(sentence: &super::Sentence) -> Option<String> {
    sentence.cells.iter().skip(1).find_map(|(header, cell)| {
        let h = header.trim().to_lowercase();
        let h = h.trim_end_matches('?').trim();
        let value = cell_value(cell);
        (STATUS_HEADERS.contains(&h) && NO_CELLS.contains(&value.as_str()))
            .then(|| format!("its `{}` cell says `{}`", header.trim(), cell.trim()))
    })
}

/// A cell's value for [`YES_CELLS`] and [`NO_CELLS`]: lowercase, without a parenthesized
/// remark after it ("no (legacy)") or around it ("(none)"), nor a final full stop.
fn cell_value(cell: &str) -> String {
    let value = cell.trim().to_lowercase();
    let value = value.split(" (").next().unwrap_or("").trim();
    let value = value.strip_suffix('.').unwrap_or(value).trim();
    let value = value
        .strip_prefix('(')
        .and_then(|v| v.strip_suffix(')'))
        .unwrap_or(value)
        .trim();
    value.to_string()
}

/// Column headers whose cells name things (data stores, mostly) rather than say something of
/// the row's subject.
#[rustfmt::skip]
const ENTITY_HEADERS: &[&str] = &[
    "store", "stores", "data store", "datastore", "storage", "table", "tables", "bucket",
    "buckets", "database", "databases", "db", "queue", "queues", "resource", "resources",
    "data", "stream", "cache",
];

/// The cells of a row after the first whose header is in [`ENTITY_HEADERS`], by the part of
/// [`row_text`] they become, with what each names ("listings (DynamoDB)" → `listings`).
fn row_entities(sentence: &super::Sentence) -> Vec<(usize, super::scope::Scope)> {
    let mut out = Vec::new();
    let mut part = 0;
    for (header, cell) in sentence.cells.iter().skip(1) {
        if cell.is_empty() {
            continue;
        }
        part += 1;
        let extra = cell.matches(';').count();
        let header = header.trim().to_lowercase();
        if ENTITY_HEADERS.contains(&header.as_str()) {
            let value = cell_value(cell);
            let value = value.as_str();
            if !(value.is_empty() || NO_CELLS.contains(&value) || YES_CELLS.contains(&value)) {
                out.push((part, super::scope::row(cell)));
            }
        }
        part += extra;
    }
    out
}

/// The text up to `max` bytes, cut at a character boundary.
fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

fn flip(p: Polarity) -> Polarity {
    match p {
        Polarity::Holds => Polarity::Fails,
        Polarity::Fails => Polarity::Holds,
    }
}

/// The document's components as folded words, by first word, longest first.
struct ComponentIndex {
    by_first: HashMap<String, Vec<(String, Vec<String>)>>,
}

impl ComponentIndex {
    fn new(components: &[String]) -> Self {
        let mut by_first: HashMap<String, Vec<(String, Vec<String>)>> = HashMap::new();
        for c in components {
            let words: Vec<String> = tokenize(c)
                .into_iter()
                .map(|t| fold(&t.word).to_string())
                .collect();
            if let Some(first) = words.first() {
                by_first
                    .entry(first.clone())
                    .or_default()
                    .push((c.clone(), words));
            }
        }
        for list in by_first.values_mut() {
            list.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
        }
        ComponentIndex { by_first }
    }

    /// The component at token `i`, longest first, and its length in words.
    fn at(&self, folded: &[&str], i: usize) -> Option<(&String, usize)> {
        let list = self.by_first.get(*folded.get(i)?)?;
        list.iter()
            .find(|(_, words)| {
                folded.len() >= i + words.len()
                    && folded[i..i + words.len()]
                        .iter()
                        .zip(words)
                        .all(|(a, b)| a == b)
            })
            .map(|(name, words)| (name, words.len()))
    }

    /// The components the sentence starts with, its subject: "The request handler and the report
    /// worker run …" → both; "The request handler writes to the jobs table" → the handler only.
    fn subject(&self, tokens: &[Token]) -> Vec<String> {
        const LEAD: &[&str] = &[
            "the", "a", "an", "our", "each", "every", "both", "all", "its", "their", "and", "or",
        ];
        let folded: Vec<&str> = tokens.iter().map(|t| fold(&t.word)).collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < folded.len() {
            if let Some((name, len)) = self.at(&folded, i) {
                out.push(name.clone());
                i += len;
            } else if LEAD.contains(&folded[i]) {
                i += 1;
            } else {
                break;
            }
        }
        out
    }

    /// The components a sentence names, each with the token it starts at. Read left to
    /// right, the longest name wins: where "tenant data table" matches, "tenant data" does not.
    fn named(&self, tokens: &[Token]) -> Vec<(String, usize)> {
        let folded: Vec<&str> = tokens.iter().map(|t| fold(&t.word)).collect();
        let mut out: Vec<(String, usize)> = Vec::new();
        let mut i = 0;
        while i < folded.len() {
            match self.at(&folded, i) {
                Some((name, len)) => {
                    if !out.iter().any(|(n, _)| n == name) {
                        out.push((name.clone(), i));
                    }
                    i += len;
                }
                None => i += 1,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(text: &str) -> Option<String> {
        hedge(text, &tokenize(text))
    }

    #[test]
    fn claims_hedge_cues() {
        assert_eq!(cue("Is MFA on? "), Some("question".into()));
        assert_eq!(cue("Is MFA on (really?)"), Some("question".into()));
        assert_eq!(
            cue("If we enable it, MFA is on."),
            Some("conditional `if`".into())
        );
        assert_eq!(
            cue("We plan to enforce MFA."),
            Some("hedge `we plan`".into())
        );
        assert_eq!(
            cue("The plan is to enforce MFA."),
            Some("plan `the plan`".into())
        );
        assert_eq!(cue("MFA won't be optional."), Some("hedge `will`".into()));
        assert_eq!(
            cue("A later release may add keys."),
            Some("hedge `later`".into())
        );
        assert_eq!(cue("A release may add keys."), Some("hedge `may`".into()));
        assert_eq!(
            cue("Keys are reconsidered yearly."),
            None,
            "a prefix of a word only"
        );
        assert_eq!(cue("We considered it."), Some("hedge `considered`".into()));
        assert_eq!(cue("The function may only read the table."), None);
        assert_eq!(
            cue("No Lambda or ECS role may hold AdministratorAccess."),
            None,
            "a prohibition"
        );
        assert_eq!(cue("Only the provisioning service may set it."), None);
        assert_eq!(
            cue("The partner role may assume crest-audit without an external id."),
            None,
            "a permission without a control"
        );
        assert_eq!(
            cue("A tenant with no key may get one."),
            Some("hedge `may`".into())
        );
        assert_eq!(
            cue("All but one, except admins."),
            Some("exception `except`".into())
        );
        assert_eq!(cue("MFA is mandatory."), None);
        // Conditions, work in progress, tickets and former states.
        for (text, want) in [
            (
                "When a tenant opts in, MFA is enforced for its users.",
                Some("conditional `when … opts`"),
            ),
            (
                "When egress_mode = nat, functions reach S3 through the NAT.",
                Some("conditional `when … =`"),
            ),
            (
                "When a user signs in, the token carries the tenant id.",
                None,
            ),
            (
                "As long as the flag is set, MFA is required.",
                Some("conditional `as long as`"),
            ),
            (
                "We are working on enabling access logs.",
                Some("hedge `working on`"),
            ),
            (
                "Before the migration, the database was publicly accessible.",
                Some("past `before`"),
            ),
            ("Before it is written, every object is encrypted.", None),
            ("There is a ticket to add HSTS.", Some("hedge `ticket to`")),
        ] {
            assert_eq!(cue(text).as_deref(), want, "{text}");
        }
        assert_eq!(cue("CloudFront accepts TLS 1.2 or later."), None);
        assert_eq!(cue("Reads are eventually consistent."), None);
        assert_eq!(cue("Keys shall be rotated yearly."), None);
        assert_eq!(
            cue("Do we need MFA for the console"),
            Some("question `do`".into())
        );
        assert_eq!(
            cue("MFA is required if the tenant turns it on."),
            Some("conditional `if`".into())
        );
        assert_eq!(
            cue("The bucket seems to block public access."),
            Some("hedge `seems`".into())
        );
        assert_eq!(
            cue("Rotation is going to be enabled."),
            Some("hedge `going to`".into())
        );
    }

    #[test]
    fn claims_shared_predicates_file_reads() {
        let shared = parse_shared(SHARED_PREDICATES).expect("rules/claims/predicates.yaml");
        assert!(shared.holds.iter().any(|p| p == "in place"));
        assert!(shared.fails.iter().any(|p| p == "optional"));
        assert!(parse_shared("holds: [a]\nfails: [b]\nextra: []\n").is_err());
    }

    #[test]
    fn claims_instructions_and_references_are_cues() {
        let cue = |text: &str| cues(text, &tokenize(text), false).into_iter().next();
        assert_eq!(
            cue("Turn on S3 access logging for the raw bucket.").map(|c| c.0),
            Some("instruction `turn`".into())
        );
        assert_eq!(
            cue("Tomas: check the replica's flag.").map(|c| c.0),
            Some("instruction `check`".into())
        );
        assert!(cue("Versioning: enabled.").is_none());
        assert!(cue("Privilege escalation is not possible here.").is_none());
        let (c, at) = cue("MFA is optional; clinics may require it.").unwrap();
        assert_eq!((c.as_str(), at), ("hedge `may`", Some(4)));
    }

    #[test]
    fn claims_row_cells_describe_the_thing_to_their_left() {
        let sentence = crate::claims::Sentence {
            line: 1,
            text: "checkout-svc | orders (Aurora) | `stallmart-orders` CMK | checkout-svc only"
                .to_string(),
            section: String::new(),
            code: Vec::new(),
            cells: vec![
                ("Component".into(), "checkout-svc".into()),
                ("Store".into(), "orders (Aurora)".into()),
                ("Key".into(), "stallmart-orders CMK".into()),
                ("Access".into(), "checkout-svc only; nobody else".into()),
            ],
            block: 1,
            parent: 0,
        };
        let entities = row_entities(&sentence);
        assert_eq!(entities.len(), 1);
        assert_eq!(entities[0].0, 1, "the store is the row's second part");
        assert_eq!(entities[0].1.names, ["orders"]);
        let doc = crate::claims::Document {
            path: "d.md".into(),
            sentences: vec![sentence],
            components: Vec::new(),
        };
        let cmk = ClaimPatterns {
            topics: vec!["cmk".into()],
            holds: vec!["cmk".into()],
            ..Default::default()
        };
        let claims = detect(&doc, &cmk);
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].mentions, ["orders"], "{:?}", claims[0]);
        assert!(claims[0].components.is_empty());
    }

    #[test]
    fn claims_a_row_is_about_the_thing_its_first_cells_name() {
        let in_vpc = patterns(
            &["fargate", "lambda*"],
            &["private subnet*"],
            &["public ip*"],
        );
        let table = |public: &str| {
            format!(
                "| Component | Runs on | Subnets | Public IP |\n|---|---|---|---|\n\
                 | media-svc | ECS Fargate | public-a/b | {public} |\n"
            )
        };
        // The kind cell ("ECS Fargate") says what the row is; the "Public IP" column says
        // something of it.
        assert_eq!(polarity_of(&table("yes"), &in_vpc), Some(Polarity::Fails));
        assert_eq!(polarity_of(&table("no"), &in_vpc), Some(Polarity::Holds));
        // A topic in a cell with its own word of holding keeps the other cells out: the
        // backups column says nothing of encryption.
        let encryption = ClaimPatterns {
            topics: vec!["encrypt*".into()],
            controls: vec!["encryption".into()],
            ..Default::default()
        };
        let stores =
            "| Store | Encryption | Backups |\n|---|---|---|\n| orders | enabled | disabled |\n";
        assert_eq!(polarity_of(stores, &encryption), Some(Polarity::Holds));
        // In prose, the parts of a sentence keep their own words: the NAT gateway's public IP
        // says nothing of the tasks.
        assert_eq!(
            polarity_of(
                "Fargate tasks run in private subnets; the NAT gateway has a public IP.",
                &in_vpc
            ),
            Some(Polarity::Holds)
        );
    }

    #[test]
    fn claims_a_checklist_row_marked_no_fails() {
        let mfa = patterns(&["mfa"], &["required"], &["optional"]);
        let checklist = |verdict: &str| {
            format!("| Control | Status |\n|---|---|\n| MFA required for admins | {verdict} |\n")
        };
        assert_eq!(polarity_of(&checklist("✅"), &mfa), Some(Polarity::Holds));
        assert_eq!(polarity_of(&checklist("❌"), &mfa), Some(Polarity::Fails));
        assert_eq!(polarity_of(&checklist("no"), &mfa), Some(Polarity::Fails));
        assert_eq!(
            polarity_of(&checklist("(none)"), &mfa),
            Some(Polarity::Fails),
            "a parenthesized none is a none"
        );
        // A column that is not a verdict says nothing of the row as a whole.
        let owners =
            "| Control | Owner | Tested |\n|---|---|---|\n| MFA required for admins | none | yes |\n";
        assert_eq!(polarity_of(owners, &mfa), Some(Polarity::Holds));
    }

    #[test]
    fn claims_a_label_takes_its_value() {
        let authorizer = ClaimPatterns {
            topics: vec!["route*".into()],
            controls: vec!["cognito authorizer".into(), "mfa".into()],
            ..Default::default()
        };
        let read = |line: &str| polarity_of(&format!("- {line}\n"), &authorizer);
        assert_eq!(
            read("`/templates` admin routes: Cognito authorizer, `pingwire-admins` group."),
            Some(Polarity::Holds)
        );
        // The label must name the topic, and the value must be the control itself.
        assert_eq!(read("Option B: Cognito authorizer."), None);
        assert_eq!(
            read("Admin routes: we dropped the Cognito authorizer."),
            None
        );
        // A control's yes or no after its label.
        assert_eq!(read("MFA: yes."), Some(Polarity::Holds));
        assert_eq!(read("MFA: no."), Some(Polarity::Fails));
        assert_eq!(read("MFA: none"), Some(Polarity::Fails));
    }

    #[test]
    fn claims_a_verbless_sentence_goes_on_about_the_one_before() {
        let key_policy = patterns(&["key polic*"], &["only"], &["wildcard principal*"]);
        let claims_of = |text: &str| {
            let doc = crate::claims::read_document("d.md", text, false);
            detect(&doc, &key_policy)
                .into_iter()
                .map(|c| (c.text, c.polarity))
                .collect::<Vec<_>>()
        };
        let item = "- The `alias/app` key policy names the app roles. No wildcard principal.\n";
        assert_eq!(
            claims_of(item),
            [("No wildcard principal.".to_string(), Polarity::Holds)],
            "the fragment takes the key policy from the sentence before"
        );
        // A sentence with a verb says what it says; another block starts afresh.
        assert!(claims_of("- The `alias/app` key policy names the app roles. Nobody uses a wildcard principal there.\n")
            .iter()
            .all(|(text, _)| !text.starts_with("Nobody")));
        assert!(claims_of(
            "- The `alias/app` key policy names the app roles.\n- No wildcard principal.\n"
        )
        .is_empty());
    }

    #[test]
    fn claims_a_verbless_nested_item_goes_on_about_its_parent() {
        let in_vpc = patterns(&["fargate"], &["private subnet*"], &["public ip*"]);
        let doc = crate::claims::read_document(
            "d.md",
            "- The app tier runs on ECS Fargate:\n  - No public IP.\n- No public IP.\n",
            false,
        );
        let parents: Vec<(u32, u32)> = doc.sentences.iter().map(|s| (s.block, s.parent)).collect();
        assert_eq!(parents, [(1, 0), (2, 1), (3, 0)]);
        let claims = detect(&doc, &in_vpc);
        assert_eq!(claims.len(), 1, "{claims:?}");
        assert_eq!((claims[0].line, claims[0].polarity), (2, Polarity::Holds));
    }

    /// Patterns of topics, holding and failing phrases, for a test.
    fn patterns(topics: &[&str], holds: &[&str], fails: &[&str]) -> ClaimPatterns {
        let own = |list: &[&str]| list.iter().map(|p| p.to_string()).collect();
        ClaimPatterns {
            topics: own(topics),
            holds: own(holds),
            fails: own(fails),
            ..Default::default()
        }
    }

    /// The polarity `patterns` read in one sentence of prose.
    fn polarity_of(text: &str, patterns: &ClaimPatterns) -> Option<Polarity> {
        let doc = crate::claims::read_document("d.md", text, false);
        detect(&doc, patterns).first().map(|c| c.polarity)
    }

    #[test]
    fn claims_undoing_a_control_fails_it() {
        let boundary = patterns(
            &["boundary", "force_ssl", "wildcard"],
            &["boundary", "rds.force_ssl"],
            &["wildcard"],
        );
        let read = |t: &str| polarity_of(t, &boundary);
        assert_eq!(read("The role has a boundary."), Some(Polarity::Holds));
        assert_eq!(
            read("We removed the boundary from the deploy role."),
            Some(Polarity::Fails)
        );
        assert_eq!(
            read("We have not overridden rds.force_ssl."),
            Some(Polarity::Holds),
            "a negated undoing cancels out"
        );
        assert_eq!(
            read("The team overrode rds.force_ssl."),
            Some(Polarity::Fails)
        );
        assert_eq!(
            read("We revoked the wildcard grant."),
            Some(Polarity::Holds),
            "undoing what fails"
        );
        assert_eq!(
            read("Nobody removed the wildcard grant."),
            Some(Polarity::Fails)
        );
        assert_eq!(
            read("The wildcard grant was removed."),
            Some(Polarity::Holds),
            "a passive after what fails"
        );
        assert_eq!(
            read("The wildcard grant is not removed."),
            Some(Polarity::Fails)
        );
        assert_eq!(
            read("The boundary was removed in March."),
            Some(Polarity::Fails),
            "a passive after what holds"
        );
        assert_eq!(read("The role lacks a boundary."), Some(Polarity::Fails));
    }

    #[test]
    fn claims_a_rejected_alternative_decides_nothing() {
        let cmk = patterns(&["key", "encrypted"], &["cmk", "encrypted"], &["aws-owned"]);
        assert_eq!(
            polarity_of("The table uses a CMK rather than the AWS-owned key.", &cmk),
            Some(Polarity::Holds)
        );
        assert_eq!(
            polarity_of("The table uses a CMK instead of the AWS-owned key.", &cmk),
            Some(Polarity::Holds)
        );
        assert_eq!(
            polarity_of(
                "We reference the key by ARN, rather than keeping it in an encrypted file.",
                &cmk
            ),
            None
        );
        assert_eq!(
            polarity_of("Rather than a CMK, the table uses the AWS-owned key.", &cmk),
            Some(Polarity::Fails),
            "the clause ends at the comma"
        );
    }

    #[test]
    fn claims_a_decision_records_context_is_no_claim() {
        let cmk = patterns(&["cmk", "aws-owned"], &["cmk"], &["aws-owned"]);
        let record = "# ADR 3: keys\n\n## Context\n\nToday the table uses the AWS-owned key.\n\n\
                      ## Decision\n\nThe table uses a CMK.\n\n## Alternatives considered\n\n\
                      Keeping the AWS-owned key.\n";
        let doc = crate::claims::read_document("adr.md", record, false);
        let claims = detect(&doc, &cmk);
        assert_eq!(claims.len(), 1, "{claims:?}");
        assert_eq!(claims[0].polarity, Polarity::Holds);
        // Without a Decision section, a "Context" section is prose like any other.
        let notes = "# Notes\n\n## Context\n\nToday the table uses the AWS-owned key.\n";
        let doc = crate::claims::read_document("notes.md", notes, false);
        assert_eq!(detect(&doc, &cmk).len(), 1);
    }

    #[test]
    fn claims_a_decision_record_not_in_force_states_no_design() {
        let cmk = patterns(&["cmk", "aws-owned"], &["cmk"], &["aws-owned"]);
        let record = |status: &str| {
            format!(
                "# ADR 4: keys\n\n{status}\n\n## Context\n\nWe need keys.\n\n\
                 ## Decision\n\nThe table uses a CMK.\n"
            )
        };
        let read = |status: &str| {
            let doc = crate::claims::read_document("adr.md", &record(status), false);
            detect(&doc, &cmk).len()
        };
        // Proposed, rejected or superseded: the decision is not today's design.
        assert_eq!(read("## Status\n\n🤔 Proposed"), 0);
        assert_eq!(read("Status: Superseded by ADR 9"), 0);
        assert_eq!(read("* Status: rejected"), 0);
        // In force, even when it names what it replaces; or no status at all.
        assert_eq!(read("## Status\n\nAccepted, supersedes ADR 2."), 1);
        assert_eq!(read("Status: ✅ Accepted"), 1);
        assert_eq!(read(""), 1);
        // A "status" word outside a decision record is prose.
        let notes = "# Notes\n\nStatus: draft\n\nThe table uses a CMK.\n";
        let doc = crate::claims::read_document("notes.md", notes, false);
        assert_eq!(detect(&doc, &cmk).len(), 1);
    }

    #[test]
    fn claims_the_items_of_a_references_section_are_no_claims() {
        let cmk = patterns(&["cmk", "aws-owned"], &["cmk"], &["aws-owned"]);
        let doc = "# Design\n\nThe table uses a CMK.\n\n## References\n\n\
                   - AWS guide: the table uses a CMK when configured\n\n## Key references\n\n\
                   The queue uses a CMK.\n";
        let doc = crate::claims::read_document("d.md", doc, false);
        let lines: Vec<u32> = detect(&doc, &cmk).iter().map(|c| c.line).collect();
        assert_eq!(
            lines,
            [3, 11],
            "the References item is not read; 'Key references' is prose"
        );
    }

    /// The names each claim `patterns` read in `text` narrows to.
    fn mentions_of(text: &str, patterns: &ClaimPatterns) -> Vec<Vec<String>> {
        let doc = crate::claims::read_document("d.md", text, false);
        detect(&doc, patterns)
            .into_iter()
            .map(|c| c.mentions)
            .collect()
    }

    #[test]
    fn claims_a_control_as_subject_goes_on_about_the_sentence_before() {
        let versioning = ClaimPatterns {
            controls: vec!["versioning".to_string()],
            holds: vec!["is on".to_string()],
            ..Default::default()
        };
        // In the same list item, the control is the subject: about what the item is about.
        assert_eq!(
            mentions_of(
                "- `fp-raw-archive` is encrypted. Versioning is on.\n",
                &versioning
            ),
            [["fp-raw-archive"]]
        );
        // Not across list items, nor when the subject names the thing itself.
        assert_eq!(
            mentions_of(
                "- `fp-raw-archive` is encrypted.\n- Versioning is on.\n",
                &versioning
            ),
            [Vec::<String>::new()]
        );
        assert_eq!(
            mentions_of(
                "`fp-raw` is encrypted. Versioning on `fp-logs` is on.\n",
                &versioning
            ),
            [["fp-logs"]]
        );
    }

    #[test]
    fn claims_a_demonstrative_points_back() {
        let data = patterns(&["data access"], &[], &["full data access"]);
        assert_eq!(
            mentions_of(
                "The `hr-admin` task updates employee rows. \
                 We accept that this back-office task has full data access.\n",
                &data
            ),
            [["hr-admin"]]
        );
    }

    #[test]
    fn claims_a_shortened_name_is_the_one_named_in_full() {
        let boundary = patterns(&["permissions boundary"], &["carry"], &[]);
        assert_eq!(
            mentions_of(
                "The `lumen-deploy-<env>` roles trust GitHub. \
                 The deploy roles carry a permissions boundary.\n",
                &boundary
            ),
            [["lumen-deploy"]]
        );
        // Nothing longer named before: the words are the name.
        assert_eq!(
            mentions_of(
                "The deploy roles carry a permissions boundary.\n",
                &boundary
            ),
            [["deploy roles"]]
        );
    }

    #[test]
    fn claims_managed_policies_and_services_are_no_keys() {
        let cmk = patterns(
            &["aws-managed", "customer-managed"],
            &["customer-managed"],
            &["aws-managed"],
        );
        let read = |t: &str| polarity_of(t, &cmk);
        assert_eq!(read("We use AWS-managed services where we can."), None);
        assert_eq!(read("The role has an AWS-managed policy attached."), None);
        assert_eq!(read("Roles use customer-managed policies."), None);
        assert_eq!(
            read("The table is encrypted with the AWS-managed key."),
            Some(Polarity::Fails)
        );
        assert_eq!(
            read("Tables use customer-managed keys."),
            Some(Polarity::Holds)
        );
    }

    #[test]
    fn claims_negative_quantifiers_fail_and_name_nothing() {
        let boundary = patterns(&["boundary"], &["boundary"], &[]);
        assert_eq!(
            polarity_of("Few roles carry a boundary.", &boundary),
            Some(Polarity::Fails)
        );
        assert_eq!(
            polarity_of("A few roles carry a boundary.", &boundary),
            Some(Polarity::Holds)
        );
        let doc = crate::claims::read_document("d.md", "Neither role carries a boundary.", false);
        let claims = detect(&doc, &boundary);
        assert_eq!(claims[0].polarity, Polarity::Fails);
        assert!(claims[0].mentions.is_empty(), "{:?}", claims[0]);
    }

    #[test]
    fn claims_a_granted_iam_action_fails_and_a_refused_one_holds() {
        let none = patterns(&[], &[], &[]);
        let read_as = |text: &str| {
            let doc = crate::claims::read_document("d.md", text, false);
            read(&doc, &[("iam.no-privilege-escalation", &none)])
                .0
                .first()
                .map(|(_, c)| c.polarity)
        };
        assert_eq!(
            read_as("The deploy role holds iam:CreatePolicyVersion on its own policy."),
            Some(Polarity::Fails)
        );
        assert_eq!(
            read_as("An SCP denies iam:CreatePolicyVersion to every workload role."),
            Some(Polarity::Holds)
        );
        assert_eq!(
            read_as("No workload role holds iam:CreatePolicyVersion."),
            Some(Polarity::Holds)
        );
        assert_eq!(
            read_as("The deploy role has iam:CreatePolicyVersion, which is not granted elsewhere."),
            Some(Polarity::Fails)
        );
        assert_eq!(
            read_as("The build role lost iam:CreatePolicyVersion last sprint."),
            Some(Polarity::Holds)
        );
        assert_eq!(
            read_as("The build role reads the reports bucket."),
            None,
            "no action named"
        );
    }

    #[test]
    fn claims_a_broad_grant_missing_is_no_least_privilege() {
        let none = patterns(&[], &[], &[]);
        let read_as = |text: &str| {
            let doc = crate::claims::read_document("d.md", text, false);
            read(&doc, &[("iam.compute.least-privilege", &none)])
                .0
                .first()
                .map(|(_, c)| c.polarity)
        };
        assert_eq!(
            read_as("The loader role has dynamodb:* on the orders table."),
            Some(Polarity::Fails)
        );
        // One service's wildcard missing says nothing of the role's other grants.
        assert_eq!(read_as("Neither role holds iam:* or sts:AssumeRole."), None);
        assert_eq!(
            read_as("Key policies allow no root kms:* delegation."),
            None
        );
        // Every action missing is what "no wildcard actions" says.
        assert_eq!(read_as("No * actions anywhere."), Some(Polarity::Holds));
    }

    #[test]
    fn claims_negation_reach() {
        let t = tokenize("functions with no internet access run in private subnets");
        assert_eq!(negation(&t, 7), None, "`no` reaches two words");
        assert_eq!(negation(&t, 3), Some("no"));
        let t = tokenize("the role has no permission to read records");
        assert_eq!(negation(&t, 6), Some("no"), "no noun to verb");
        let t = tokenize("none of the functions run in a vpc");
        assert_eq!(negation(&t, 5), Some("none"));
        let t = tokenize("it is not, as of today, required");
        assert_eq!(negation(&t, 6), None, "a comma ends the clause");
        let t = tokenize("the policy refuses requests that do not use tls");
        assert_eq!(negation(&t, 7), None, "refusal cancels");
        let t = tokenize("no role may hold administratoraccess, poweruseraccess or iamfullaccess");
        assert_eq!(negation(&t, 5), Some("no"), "every item of a list");
        assert_eq!(negation(&t, 7), Some("no"), "every item of a list");
        let t = tokenize("tasks run in private subnets (no igw route, no public ips)");
        assert_eq!(negation(&t, 5), None);
    }
}
