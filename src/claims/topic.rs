//! The learned topic vocabulary: which assumption a sentence talks about when none of the rule
//! files' phrases names it, and whether what it says holds or fails when none of their words of
//! holding or failing decides.
//!
//! People write "the functions are VPC-bound" or "every function has its own role" with words no
//! rule lists. A hand list grows with every document and fits the documents it was written for;
//! word statistics learned from labeled sentences carry over to new phrasings much better. The
//! model is small and explainable: per assumption, a weight for each word stem and pair of stems
//! (how much more often it occurs in sentences labeled with that assumption than in the others),
//! and one weight per stem for failing against holding. A sentence's score for an assumption is
//! the sum of the weights of its stems, and the claim says which stems decided.
//!
//! It is trained once per run, deterministically and offline, from data in the repository: the
//! rule files' own claim vocabulary and suggestion sentences, and the labeled documents of the
//! dev split's tuning half (embedded at build time, see `build.rs`). The other half of the dev
//! split and the held-out split are never trained on, so their scores measure how it generalizes.

use super::text::{fold, tokenize, Token};
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod training {
    include!(concat!(env!("OUT_DIR"), "/claim_training.rs"));
}

/// Words too common to say anything about a topic.
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    "the", "a", "an", "of", "to", "in", "on", "for", "and", "or", "is", "are", "be", "been", "by",
    "with", "it", "its", "that", "this", "these", "those", "as", "at", "from", "we", "our", "was",
    "were", "has", "have", "had", "which", "into", "their", "they", "them", "there", "each",
    "every", "all", "any", "also", "than", "then", "so", "but", "if", "only", "one", "two", "s",
    "can", "may", "will", "would", "should", "do", "does", "did", "via", "per", "both", "what",
    "who", "when", "where", "how", "us", "you", "your", "i", "he", "she", "his", "her",
];

/// Words that negate what follows them in their clause, for the polarity features.
const NEGATIONS: &[&str] = &[
    "not", "no", "never", "without", "none", "nothing", "nobody", "nor", "neither",
];
/// How many words after a negation it reaches.
const NEGATION_REACH: usize = 4;

/// How many leading characters of a (singular) word make its stem: "rotation", "rotates" and
/// "rotated" are all `rotat`, "encrypted" and "encryption" `encry`.
const STEM_CHARS: usize = 5;

/// Smoothing of the counts: a stem seen once is weak evidence.
const SMOOTHING: f64 = 0.5;

/// A topic stem must occur in at least this many training sentences in all: a name that one
/// document uses once ("grocer") is that document's, not a topic's.
const MIN_TOPIC_SENTENCES: u32 = 2;

/// A polarity stem must occur in at least this many labeled claims.
const MIN_POLARITY_CLAIMS: u32 = 3;

/// The stem of a word: its singular, cut to [`STEM_CHARS`] characters.
fn stem(word: &str) -> String {
    fold(word).chars().take(STEM_CHARS).collect()
}

/// The topic features of a sentence: the stems of its words that are not stop words, and each
/// pair of such stems that follow each other in one clause (`vpc_bound`, `own_role`).
fn topic_features(tokens: &[Token]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut last: Option<(u32, String)> = None;
    for t in tokens {
        if STOP_WORDS.contains(&t.word.as_str()) || NEGATIONS.contains(&t.word.as_str()) {
            continue;
        }
        let s = stem(&t.word);
        if let Some((clause, prev)) = &last {
            if *clause == t.clause {
                out.insert(format!("{prev}_{s}"));
            }
        }
        out.insert(s.clone());
        last = Some((t.clause, s));
    }
    out
}

/// The polarity features of a sentence: its words (singular), and `not_`-marked words for the
/// ones a negation reaches ("no NAT gateway" gives `not_nat`), and the negation itself.
fn polarity_features(tokens: &[Token]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut negated_until: Option<(u32, usize)> = None;
    for (i, t) in tokens.iter().enumerate() {
        let w = t.word.as_str();
        if NEGATIONS.contains(&w) {
            out.insert("(negation)".to_string());
            negated_until = Some((t.clause, i + NEGATION_REACH));
            continue;
        }
        if STOP_WORDS.contains(&w) {
            continue;
        }
        // Whole words, not stems: "options" is not "optional".
        let s = fold(w).to_string();
        match negated_until {
            Some((clause, end)) if clause == t.clause && i <= end => {
                out.insert(format!("not_{s}"));
            }
            _ => {
                out.insert(s);
            }
        }
    }
    out
}

/// The trained model.
pub(crate) struct Model {
    /// The assumptions, in catalog order; the class after the last is "no claim".
    classes: Vec<String>,
    /// Per topic feature, its log-probability in each class (the last: no claim).
    topic: HashMap<String, Vec<f64>>,
    /// Each class's log-prior.
    prior: Vec<f64>,
    /// Per polarity feature, the log-odds of failing against holding it adds.
    polarity: HashMap<String, f64>,
    /// The log-odds of failing before any word is read.
    polarity_prior: f64,
}

/// What the model reads of a sentence for one assumption.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Topic {
    pub assumption: String,
    /// How much likelier the assumption is than no claim at all (natural log-odds).
    pub score: f64,
    /// The stems that weighed most for it against no claim, heaviest first.
    pub words: Vec<String>,
}

/// One training sentence: its tokens, and the (assumption, fails) pairs it is labeled with
/// (none for a sentence that claims nothing).
struct Example {
    tokens: Vec<Token>,
    labels: Vec<(String, bool)>,
}

impl Model {
    /// The model trained on the catalog's vocabulary and the embedded training documents.
    pub(crate) fn get() -> &'static Model {
        static MODEL: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
        MODEL.get_or_init(|| Model::train(&examples()))
    }

    /// A multinomial naive Bayes over the assumptions and "no claim": a sentence counts its
    /// features once towards each assumption it is labeled with, or towards no claim.
    fn train(examples: &[Example]) -> Model {
        let classes: Vec<String> = crate::assumptions::catalog()
            .iter()
            .map(|r| r.id.clone())
            .collect();
        let none = classes.len();
        let index: HashMap<&str, usize> = classes
            .iter()
            .enumerate()
            .map(|(k, c)| (c.as_str(), k))
            .collect();
        let mut sentences = vec![0u32; none + 1];
        let mut features_in = vec![0u32; none + 1];
        let mut sentences_with: BTreeMap<String, u32> = BTreeMap::new();
        let mut counts: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        let mut holds = 0u32;
        let mut fails = 0u32;
        let mut pol: BTreeMap<String, (u32, u32)> = BTreeMap::new();
        for e in examples {
            let mut ks: BTreeSet<usize> = e
                .labels
                .iter()
                .filter_map(|(a, _)| index.get(a.as_str()).copied())
                .collect();
            if ks.is_empty() {
                ks.insert(none);
            }
            let features = topic_features(&e.tokens);
            for &k in &ks {
                sentences[k] += 1;
                features_in[k] += features.len() as u32;
            }
            for f in features {
                *sentences_with.entry(f.clone()).or_default() += 1;
                let c = counts.entry(f).or_insert_with(|| vec![0; none + 1]);
                for &k in &ks {
                    c[k] += 1;
                }
            }
            let fail = e.labels.iter().filter(|(_, f)| *f).count() as u32;
            let hold = e.labels.len() as u32 - fail;
            if fail + hold > 0 {
                holds += hold;
                fails += fail;
                for f in polarity_features(&e.tokens) {
                    let c = pol.entry(f).or_default();
                    c.0 += hold;
                    c.1 += fail;
                }
            }
        }
        counts.retain(|f, _| sentences_with[f] >= MIN_TOPIC_SENTENCES);
        let vocabulary = counts.len() as f64;
        let total: f64 = sentences.iter().map(|&n| f64::from(n)).sum();
        let prior = sentences
            .iter()
            .map(|&n| ((f64::from(n) + SMOOTHING) / (total + SMOOTHING)).ln())
            .collect();
        let topic = counts
            .into_iter()
            .map(|(f, c)| {
                let logs = c
                    .iter()
                    .zip(&features_in)
                    .map(|(&n, &t)| {
                        ((f64::from(n) + SMOOTHING) / (f64::from(t) + SMOOTHING * vocabulary)).ln()
                    })
                    .collect();
                (f, logs)
            })
            .collect();
        let (h, fl) = (f64::from(holds), f64::from(fails));
        let polarity_prior = ((fl + SMOOTHING) / (h + SMOOTHING)).ln();
        let polarity = pol
            .into_iter()
            .filter(|(_, (a, b))| a + b >= MIN_POLARITY_CLAIMS)
            .map(|(f, (a, b))| {
                let w =
                    ((f64::from(b) + SMOOTHING) / (f64::from(a) + SMOOTHING)).ln() - polarity_prior;
                (f, w)
            })
            .collect();
        Model {
            classes,
            topic,
            prior,
            polarity,
            polarity_prior,
        }
    }

    /// The assumptions likelier than no claim for a sentence's words, best first: each with
    /// its log-odds against no claim and the stems that weighed most for it.
    pub(crate) fn topics(&self, tokens: &[Token]) -> Vec<Topic> {
        let none = self.classes.len();
        let mut scores = self.prior.clone();
        let features: Vec<(&String, &Vec<f64>)> = topic_features(tokens)
            .into_iter()
            .filter_map(|f| self.topic.get_key_value(&f))
            .collect();
        if features.is_empty() {
            return Vec::new();
        }
        for (_, logs) in &features {
            for (s, l) in scores.iter_mut().zip(logs.iter()) {
                *s += l;
            }
        }
        let mut out: Vec<Topic> = (0..none)
            .filter(|&k| scores[k] > scores[none])
            .map(|k| {
                let mut ws: Vec<(f64, &String)> = features
                    .iter()
                    .map(|(f, logs)| (logs[k] - logs[none], *f))
                    .filter(|(w, _)| *w > 0.0)
                    .collect();
                ws.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
                Topic {
                    assumption: self.classes[k].clone(),
                    score: scores[k] - scores[none],
                    words: ws.into_iter().take(3).map(|(_, f)| f.clone()).collect(),
                }
            })
            .collect();
        out.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.assumption.cmp(&b.assumption))
        });
        out
    }

    /// Whether a sentence's words say that what it claims fails, and the stems that weighed
    /// most that way.
    pub(crate) fn fails(&self, tokens: &[Token]) -> (bool, Vec<String>) {
        let mut ws: Vec<(f64, String)> = polarity_features(tokens)
            .into_iter()
            .filter_map(|f| self.polarity.get(&f).map(|&w| (w, f)))
            .collect();
        let score = self.polarity_prior + ws.iter().map(|(w, _)| w).sum::<f64>();
        let fails = score > 0.0;
        ws.retain(|(w, _)| (*w > 0.0) == fails);
        ws.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()).then_with(|| a.1.cmp(&b.1)));
        (fails, ws.into_iter().take(3).map(|(_, f)| f).collect())
    }
}

/// The training sentences: each rule's claim vocabulary and suggestions, the shared predicates,
/// and every sentence of the embedded labeled documents (the ones the labels do not list claim
/// nothing).
fn examples() -> Vec<Example> {
    let mut out = Vec::new();
    let phrase = |p: &str| tokenize(&p.replace('*', " "));
    for rule in crate::assumptions::catalog() {
        let c = &rule.claims;
        for p in c.topics.iter().chain(&c.controls) {
            out.push(Example {
                tokens: phrase(p),
                labels: vec![(rule.id.clone(), false)],
            });
        }
        for (list, fails) in [(&c.holds, false), (&c.fails, true)] {
            for p in list {
                out.push(Example {
                    tokens: phrase(p),
                    labels: vec![(rule.id.clone(), fails)],
                });
            }
        }
        for (s, fails) in [
            (&rule.suggestion.holds, false),
            (&rule.suggestion.fails, true),
        ] {
            out.push(Example {
                tokens: tokenize(s),
                labels: vec![(rule.id.clone(), fails)],
            });
        }
    }
    for (name, text, labels) in training::CLAIM_TRAINING {
        let doc = super::read_document(name, text, false);
        let (entries, _) = super::corpus::parse_labels(name, labels);
        let (at, _) = super::corpus::label_sentences(&doc, &entries);
        let mut labeled: BTreeMap<usize, Vec<(String, bool)>> = BTreeMap::new();
        for (i, entry) in at {
            labeled.entry(i).or_default().extend(
                entry
                    .claims
                    .iter()
                    .map(|c| (c.assumption.clone(), c.polarity == super::Polarity::Fails)),
            );
        }
        for (i, sentence) in doc.sentences.iter().enumerate() {
            let text = super::detect::row_text(sentence);
            let tokens = tokenize(text.as_deref().unwrap_or(&sentence.text));
            out.push(Example {
                tokens,
                labels: labeled.remove(&i).unwrap_or_default(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learned_topics_name_an_assumption_in_words_no_rule_lists() {
        let model = Model::get();
        // No rule lists "dedicated … of its own"; the training sentences about one role per
        // function use these words.
        let tokens = tokenize("Each Lambda function gets a dedicated execution role of its own.");
        let topics = model.topics(&tokens);
        assert_eq!(
            topics.first().map(|t| t.assumption.as_str()),
            Some("iam.compute.role-per-function"),
            "{topics:?}"
        );
        assert!(!topics[0].words.is_empty());
        assert!(topics[0].score > 0.0);
        // Words of no assumption: nothing is likelier than no claim.
        assert!(model
            .topics(&tokenize("The team meets on Tuesdays to plan the sprint."))
            .iter()
            .all(|t| t.score < 10.0));
        // Same input, same reading.
        assert_eq!(model.topics(&tokens), topics);
    }

    #[test]
    fn learned_polarity_reads_negation_and_failing_words() {
        let model = Model::get();
        assert!(model.fails(&tokenize("The queue is not encrypted.")).0);
        assert!(
            !model
                .fails(&tokenize("The queue is encrypted with our own key."))
                .0
        );
    }

    #[test]
    fn stems_and_features() {
        assert_eq!(stem("rotations"), "rotat");
        assert_eq!(stem("key"), "key");
        let f = topic_features(&tokenize("Functions are VPC-bound."));
        assert!(f.contains("vpc_bound"), "{f:?}");
        let p = polarity_features(&tokenize("There is no NAT gateway."));
        assert!(p.contains("not_nat"), "{p:?}");
    }
}
