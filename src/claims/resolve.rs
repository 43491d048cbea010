//! From a component named in a document ("report worker") to the resources it refers to.
//!
//! Both sides become lowercase words with plurals folded ([`super::text::name_words`]): the
//! component's name and each resource's address (`module.report_worker.aws_lambda_function.this`,
//! `ReportWorker`). The trailing kind nouns of the name ("function", "table", "key", …) say what
//! kind of thing it is, not which one, so they are dropped; what is left are the distinctive
//! words, and a resource matches when all of them are among its address's words.

use super::text::name_words;
use crate::model::Kind;
use crate::model::Model;

/// Nouns that say what kind of resource a name is about, and the kinds they stand for. They are
/// dropped from the end of a name: "admin function" is the resource named `admin`. "handler" and
/// "worker" are not among them: they are part of names ("request handler", `RequestHandler`).
const KIND_NOUNS: &[(&str, &[Kind])] = &[
    ("function", &[Kind::LambdaFunction]),
    ("lambda", &[Kind::LambdaFunction]),
    ("trigger", &[Kind::LambdaFunction]),
    ("role", &[Kind::IamRole]),
    ("table", &[Kind::DynamodbTable]),
    ("bucket", &[Kind::S3Bucket]),
    ("queue", &[Kind::SqsQueue]),
    ("topic", &[Kind::SnsTopic]),
    ("key", &[Kind::KmsKey]),
    ("api", &[Kind::ApigatewayRestApi, Kind::Apigatewayv2Api]),
    ("pool", &[Kind::CognitoUserPool, Kind::CognitoIdentityPool]),
];

/// Words that name no resource in particular.
const FILLER: &[&str] = &["the", "a", "an", "our", "aws", "amazon"];

/// Nouns a quantified subject may hold that name no kind of resource: "every API route",
/// "all service-to-service calls" are about the system as a whole.
const NOT_KINDS: &[&str] = &[
    "route",
    "endpoint",
    "call",
    "request",
    "user",
    "data",
    "store",
    "service",
    "resource",
    "item",
    "object",
    "tenant",
    "component",
    "log",
    "traffic",
];

/// The kind noun a sentence that opens with a quantifier is about ("All KMS keys rotate …" →
/// `key`), when the first words after the quantifier hold one and no noun that names no kind.
pub(crate) fn quantified_kind(sentence: &str) -> Option<&'static str> {
    let words: Vec<String> = sentence
        .split_whitespace()
        .skip(1)
        .take(3)
        .map(|w| {
            let w = w
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_ascii_lowercase();
            w.strip_suffix('s').map(str::to_string).unwrap_or(w)
        })
        .collect();
    if words.iter().any(|w| NOT_KINDS.contains(&w.as_str())) {
        return None;
    }
    words
        .iter()
        .rev()
        .find_map(|w| KIND_NOUNS.iter().find(|(n, _)| n == w).map(|(n, _)| *n))
}

/// AWS services a sentence may have as its subject, and the prefix of the kinds they run.
const SERVICES: &[(&str, &str)] = &[
    ("api gateway", "apigateway"),
    ("cloudfront", "cloudfront."),
    ("cloudtrail", "cloudtrail."),
    ("cognito", "cognito."),
    ("dynamodb", "dynamodb."),
    ("rds", "rds."),
    ("s3", "s3."),
    ("secrets manager", "secretsmanager."),
    ("sns", "sns."),
    ("sqs", "sqs."),
];

/// The service a sentence is about when it opens with one as its only, active subject ("API
/// Gateway writes access logs …"; not "DynamoDB and S3 are …", not "DynamoDB is reached …").
pub(crate) fn leading_service(sentence: &str) -> Option<&'static str> {
    let lower = sentence.to_ascii_lowercase();
    let lower = lower.strip_prefix("the ").unwrap_or(&lower);
    SERVICES.iter().find_map(|(name, _)| {
        let rest = lower.strip_prefix(name)?.strip_prefix(' ')?;
        let next = rest.split_whitespace().next().unwrap_or("");
        // A passive sentence ("DynamoDB is reached through …") is about who reaches it; "the
        // RDS instance", "the SQS queue" is one resource, not the service.
        (!matches!(
            next,
            "and" | "or" | "," | "&" | "is" | "are" | "was" | "were"
        ) && !super::scope::is_kind(next.trim_matches(|c: char| !c.is_alphanumeric())))
        .then_some(*name)
    })
}

/// See [`super::resolve_component`].
pub(crate) fn resolve(model: &Model, component: &str, kinds: &[Kind]) -> Vec<usize> {
    if let Some(service) = component.strip_prefix("every ") {
        if let Some((_, prefix)) = SERVICES.iter().find(|(n, _)| *n == service) {
            return model
                .resources
                .iter()
                .enumerate()
                .filter(|(_, r)| r.facet.is_none() && r.kind.as_str().starts_with(prefix))
                .filter(|(_, r)| kinds.is_empty() || kinds.contains(&r.kind))
                .map(|(i, _)| i)
                .collect();
        }
    }
    if let Some(noun) = component.strip_prefix("every ") {
        let implied: &[Kind] = KIND_NOUNS
            .iter()
            .find(|(n, _)| *n == noun)
            .map_or(&[], |(_, k)| k);
        let kinds = if kinds.is_empty() { implied } else { kinds };
        if kinds.is_empty() {
            return Vec::new();
        }
        return model
            .resources
            .iter()
            .enumerate()
            .filter(|(_, r)| r.facet.is_none() && kinds.contains(&r.kind))
            .map(|(i, _)| i)
            .collect();
    }
    let mut words = name_words(component);
    words.retain(|w| !FILLER.contains(&w.as_str()));
    // The head noun decides the kind when the caller does not.
    let implied: &[Kind] = words
        .last()
        .and_then(|w| KIND_NOUNS.iter().find(|(n, _)| n == w))
        .map_or(&[], |(_, k)| k);
    let full = words.clone();
    while words
        .last()
        .is_some_and(|w| KIND_NOUNS.iter().any(|(n, _)| n == w))
    {
        words.pop();
    }
    if words.is_empty() {
        return Vec::new();
    }
    let given = !kinds.is_empty();
    let kinds = if given { kinds } else { implied };
    let out = matching(model, &words, kinds);
    // "The orders API runs as …" where `orders_api` is a function: when the head noun's kinds
    // match nothing, the head noun may be part of the name.
    if out.is_empty() && !given && full.len() > words.len() {
        return matching(model, &full, &[]);
    }
    out
}

/// Resources of `kinds` (any when empty) whose address holds every word, or spells them as one
/// word ("back-office function" is `backoffice`).
fn matching(model: &Model, words: &[String], kinds: &[Kind]) -> Vec<usize> {
    let joined = words.concat();
    let mut out: Vec<usize> = model
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| r.facet.is_none())
        .filter(|(_, r)| kinds.is_empty() || kinds.contains(&r.kind))
        .filter(|(_, r)| {
            let address = name_words(&r.address);
            words.iter().all(|w| address.contains(w))
                || (words.len() > 1 && spells(&address, &joined))
        })
        .map(|(i, _)| i)
        .collect();
    out.sort_unstable();
    out
}

/// True when a run of consecutive address words, written together, is `joined`.
fn spells(address: &[String], joined: &str) -> bool {
    (0..address.len()).any(|start| {
        let mut run = String::new();
        for w in &address[start..] {
            run.push_str(w);
            if run == joined {
                return true;
            }
            if run.len() >= joined.len() {
                break;
            }
        }
        false
    })
}
