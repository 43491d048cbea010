//! Instance metadata: every EC2 instance, launch template and launch configuration, and every
//! SageMaker notebook instance, requires session tokens (IMDSv2) or switches the metadata
//! service off.
//!
//! With IMDSv1 a single GET to `169.254.169.254` returns the instance role's credentials, so a
//! server-side request forgery in any process on the host hands them out. IMDSv2 needs a PUT
//! with a hop limit first, which such a forgery cannot make. The setting is read where EC2
//! takes it from: the resource itself, else the launch template an instance launches from, else
//! the account's instance metadata defaults of its deployment, else AWS's default (tokens
//! optional, from the property table with its source).

use super::{no_params, Cause, Check, Facts, Finding, Outcome, Params};
use crate::model::{images, Found, Kind, Label, Model, Prop, Value};
use crate::source::Span;
use std::collections::HashMap;

pub(super) fn checks() -> Vec<Check> {
    vec![Check {
        name: "ec2.imdsv2-required",
        about: "each EC2 instance, launch template and launch configuration requires IMDSv2 session tokens (or disables the metadata service), on itself, through its launch template or through the account's instance metadata defaults; each SageMaker notebook instance requires version 2 itself",
        run: imdsv2_required,
        validate: no_params,
    }]
}

/// The image id property of each kind that launches instances.
fn image_of(kind: Kind) -> Option<Prop> {
    match kind {
        Kind::Ec2Instance => Some(Prop::Ec2InstanceImageId),
        Kind::Ec2LaunchTemplate => Some(Prop::Ec2LaunchTemplateImageId),
        Kind::Ec2LaunchConfiguration => Some(Prop::Ec2LaunchConfigurationImageId),
        _ => None,
    }
}

/// A pass when the image resource `i` (or the launch template it launches from, `t`) names is
/// known to be registered with ImdsSupport v2.0 (`model::images`).
fn image_requires_tokens(model: &Model, i: usize, t: Option<usize>) -> Option<Finding> {
    let own = image_of(model.resources[i].kind).and_then(|p| model.prop_set(i, p).map(|f| (i, f)));
    let (holder, f) = own.or_else(|| {
        let t = t?;
        image_of(model.resources[t].kind).and_then(|p| model.prop_set(t, p).map(|f| (t, f)))
    })?;
    let (why, at) = images::requires_imdsv2(model, &model.resources[holder].unit, &f.value)?;
    Some(
        Finding::pass(
            i,
            format!("metadata requests need session tokens by default: {why}"),
        )
        .at(f.span(model, holder))
        .at_all(at),
    )
}

/// A kind that runs instances with a metadata service: the property that says whether requests
/// need session tokens, the one that can switch the service off, and whether EC2 launches the
/// instances (then a launch template, the account's instance metadata defaults and the image
/// decide what the resource leaves out; SageMaker runs notebook instances in its own account,
/// where none of these apply).
struct Launcher {
    kind: Kind,
    tokens: Prop,
    endpoint: Option<Prop>,
    ec2: bool,
}

const LAUNCHERS: &[Launcher] = &[
    Launcher {
        kind: Kind::Ec2Instance,
        tokens: Prop::Ec2InstanceMetadataOptionsHttpTokens,
        endpoint: Some(Prop::Ec2InstanceMetadataOptionsHttpEndpoint),
        ec2: true,
    },
    Launcher {
        kind: Kind::Ec2LaunchTemplate,
        tokens: Prop::Ec2LaunchTemplateMetadataOptionsHttpTokens,
        endpoint: Some(Prop::Ec2LaunchTemplateMetadataOptionsHttpEndpoint),
        ec2: true,
    },
    Launcher {
        kind: Kind::Ec2LaunchConfiguration,
        tokens: Prop::Ec2LaunchConfigurationMetadataOptionsHttpTokens,
        endpoint: Some(Prop::Ec2LaunchConfigurationMetadataOptionsHttpEndpoint),
        ec2: true,
    },
    Launcher {
        kind: Kind::SagemakerNotebookInstance,
        tokens: Prop::SagemakerNotebookInstanceMinimumInstanceMetadataServiceVersion,
        endpoint: None,
        ec2: false,
    },
];

fn launcher(kind: Kind) -> Option<&'static Launcher> {
    LAUNCHERS.iter().find(|l| l.kind == kind)
}

/// What the code writes on one resource about its metadata service.
enum Written {
    /// The resource decides: the outcome, what was found, where.
    Decided(Outcome, String, Span),
    /// Nothing is written: the next place EC2 looks decides.
    Unset,
}

fn text(found: &Found) -> Option<String> {
    found.value.as_str().map(str::to_ascii_lowercase)
}

/// The metadata settings resource `i` writes itself (not defaults).
fn written(model: &Model, i: usize) -> Written {
    let Some(l) = launcher(model.resources[i].kind) else {
        return Written::Unset;
    };
    let tokens = l.tokens;
    if let Some(f) = l.endpoint.and_then(|e| model.prop_set(i, e)) {
        let span = f.span(model, i);
        match text(&f).as_deref() {
            Some("disabled") => {
                return Written::Decided(
                    Outcome::Pass,
                    "the instance metadata service is disabled".into(),
                    span,
                )
            }
            Some(_) => {}
            None => {
                return Written::Decided(
                    Outcome::of_value(&f.value),
                    "whether the instance metadata service is enabled is not settled".into(),
                    span,
                )
            }
        }
    }
    match model.prop_set(i, tokens) {
        None => Written::Unset,
        Some(f) => {
            let span = f.span(model, i);
            match text(&f).as_deref() {
                Some("required") => Written::Decided(
                    Outcome::Pass,
                    "metadata requests need session tokens (IMDSv2 required)".into(),
                    span,
                ),
                Some(other) => Written::Decided(
                    Outcome::Fail,
                    format!(
                        "metadata tokens are `{other}`: IMDSv1 requests without a token return the role's credentials"
                    ),
                    span,
                ),
                None => Written::Decided(
                    Outcome::of_value(&f.value),
                    "whether metadata requests need session tokens is not settled".into(),
                    span,
                ),
            }
        }
    }
}

/// The launch template an instance launches from: in the tree, or the value naming one that
/// is not.
enum Template {
    None,
    InTree(usize, Span),
    Elsewhere(Value, Span),
}

fn template_of(model: &Model, i: usize) -> Template {
    let Some(f) = model.prop_set(i, Prop::Ec2InstanceLaunchTemplate) else {
        return Template::None;
    };
    let span = f.span(model, i);
    let target = model.edges_from(i).find(|e| {
        e.label == Label::LaunchesFrom && model.resources[e.to].kind == Kind::Ec2LaunchTemplate
    });
    match target {
        Some(e) => Template::InTree(e.to, span),
        None => Template::Elsewhere(f.value.into_owned(), span),
    }
}

fn imdsv2_required(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    // The account's instance metadata defaults, one per deployment unit (the first declared).
    let mut account: HashMap<&str, usize> = HashMap::new();
    for i in facts.of_kind(Kind::Ec2InstanceMetadataDefaults) {
        account.entry(model.resources[i].unit.as_str()).or_insert(i);
    }
    let mut out = Vec::new();
    for l in LAUNCHERS {
        for i in facts.of_kind(l.kind) {
            out.push(decide(model, i, l, &account));
        }
    }
    out.sort_by_key(|f| f.subject);
    out
}

fn decide(model: &Model, i: usize, l: &Launcher, account: &HashMap<&str, usize>) -> Finding {
    let r = &model.resources[i];
    if let Written::Decided(outcome, detail, span) = written(model, i) {
        return Finding::new(i, outcome, detail).at(span);
    }
    let tokens = l.tokens;
    if !l.ec2 {
        return Finding::fail(
            i,
            format!(
                "metadata requests do not need session tokens: provider default: {}",
                tokens.default().map(|(_, s)| s).unwrap_or("IMDSv1 allowed")
            ),
        )
        .at(r.span);
    }
    let mut via: Vec<Span> = Vec::new();
    let mut template = None;
    if r.kind == Kind::Ec2Instance {
        match template_of(model, i) {
            Template::None => {}
            Template::InTree(t, span) => {
                if let Written::Decided(outcome, detail, at) = written(model, t) {
                    let detail = format!(
                        "{detail}, as its launch template {} says",
                        model.resources[t].address
                    );
                    return Finding::new(i, outcome, detail).at(at).at(span);
                }
                template = Some(t);
                via.push(span);
            }
            Template::Elsewhere(v, span) => {
                let outcome = match v.first_unknown() {
                    Some(u) => Outcome::from_unknown(u),
                    None => Outcome::unknown(
                        Cause::OutsideTree,
                        format!(
                            "launch template {} is not declared in the scanned tree",
                            v.written()
                        ),
                    ),
                };
                return Finding::new(
                    i,
                    outcome,
                    "the instance launches from a template outside the scanned tree, which may set its metadata options",
                )
                .at(span);
            }
        }
    }
    if let Some(&d) = account.get(r.unit.as_str()) {
        if let Some(f) = model.prop_set(d, Prop::Ec2InstanceMetadataDefaultsHttpTokens) {
            let span = f.span(model, d);
            let who = &model.resources[d].address;
            match text(&f).as_deref() {
                Some("required") => {
                    return Finding::pass(
                        i,
                        format!("the account's instance metadata defaults ({who}) require session tokens"),
                    )
                    .at(span)
                    .at_all(via)
                }
                Some("optional") => {
                    return Finding::fail(
                        i,
                        format!("the account's instance metadata defaults ({who}) leave session tokens optional: IMDSv1 requests return the role's credentials"),
                    )
                    .at(span)
                    .at_all(via)
                }
                Some(_) => {}
                None => {
                    return Finding::new(
                        i,
                        Outcome::of_value(&f.value),
                        format!("whether the account's instance metadata defaults ({who}) require session tokens is not settled"),
                    )
                    .at(span)
                    .at_all(via)
                }
            }
        }
    }
    if let Some(f) = image_requires_tokens(model, i, template) {
        return f.at_all(via);
    }
    let source = tokens
        .default()
        .map(|(_, s)| s)
        .unwrap_or("the EC2 launch default");
    Finding::fail(
        i,
        format!(
            "metadata tokens are not required anywhere EC2 reads them: provider default: {source}"
        ),
    )
    .at(r.span)
    .at_all(via)
}
