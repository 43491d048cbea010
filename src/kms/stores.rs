//! Which key protects each data store.

use super::defaults::{self, DefaultRow, Outcome};
use super::{AtRest, Evidence, KeyKind, StoreEncryption};
use crate::model::{table, Kind};
use crate::model::{Model, Part, Prop, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

/// What a value of an encryption flag means.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Meaning {
    /// Encrypted with a KMS key: the key property decides which.
    Kms,
    /// Encrypted with the service's own keys.
    Service,
    Off,
    /// The provider default applies (DynamoDB: the AWS-owned key), not "none".
    Default,
}

struct Flag {
    prop: Prop,
    /// (value as written, canonical spelling; what it means).
    values: Vec<(&'static str, Meaning)>,
}

impl Flag {
    /// A boolean flag reads `true`/`false`; any other reads text.
    fn boolean(&self) -> bool {
        self.values
            .iter()
            .any(|(v, _)| *v == "true" || *v == "false")
    }
}

/// Which properties of a data-store kind carry its encryption at rest
/// (`rules/encryption-at-rest.tsv`).
struct Store {
    kind: Kind,
    flag: Option<Flag>,
    /// The key reference, read when encryption is on (`None`: the store has no key setting,
    /// its flag's meanings alone decide, as for DAX).
    key: Option<Prop>,
    /// The key is read first; the flag only when no key is set (SQS).
    key_first: bool,
    /// A key needs the flag on: AWS refuses a key for storage left unencrypted (RDS, DocumentDB,
    /// Neptune, EFS, EBS), so such a store is not created as written.
    key_needs_flag: bool,
    /// A boolean property that must be true for the setting to bind what is stored: when it is
    /// false each client chooses for itself (an Athena workgroup's result encryption without
    /// EnforceWorkGroupConfiguration), so which key protects the data is outside the tree.
    binding: Option<Prop>,
}

/// The start of the note on a key that names a key for storage left unencrypted, where AWS
/// refuses the pair (`key-needs-flag` in `rules/encryption-at-rest.tsv`).
pub const KEY_REFUSED: &str = "AWS refuses a key for storage left unencrypted";

/// Every data-store kind and the properties of its encryption at rest. When the code leaves
/// one out, the property's default applies (an AWS-managed key, a flag's value), else the row
/// of `rules/defaults.tsv` for what a value cannot say (the AWS-owned key, service-managed keys,
/// a default that depends on another setting). Adding a data store is its property rows and
/// one row of `rules/encryption-at-rest.tsv`.
fn stores() -> &'static [Store] {
    static STORES: OnceLock<Vec<Store>> = OnceLock::new();
    STORES.get_or_init(|| {
        let file = "rules/encryption-at-rest.tsv";
        table::rows(include_str!("../../rules/encryption-at-rest.tsv"))
            .map(|(line, cols)| {
                // The binding cell is optional: rows written before it have five cells.
                let (kind, flag, values, key, order, binding) = match cols[..] {
                    [kind, flag, values, key, order] => (kind, flag, values, key, order, "-"),
                    [kind, flag, values, key, order, binding] => {
                        (kind, flag, values, key, order, binding)
                    }
                    _ => panic!("{file}:{line}: expected 5 or 6 cells"),
                };
                let kind = table::kind(file, line, kind);
                let prop = |name: &str| table::prop(file, line, kind, name);
                let flag = (flag != "-").then(|| Flag {
                    prop: prop(flag),
                    values: values
                        .split_whitespace()
                        .map(|pair| {
                            let (v, m) = pair.rsplit_once('=').unwrap_or_else(|| {
                                panic!("{file}:{line}: {pair} is not value=meaning")
                            });
                            let m = match m {
                                "kms" => Meaning::Kms,
                                "service" => Meaning::Service,
                                "off" => Meaning::Off,
                                "default" => Meaning::Default,
                                _ => panic!("{file}:{line}: unknown meaning {m}"),
                            };
                            (v, m)
                        })
                        .collect(),
                });
                Store {
                    kind,
                    flag,
                    key: (key != "-").then(|| prop(key)),
                    key_first: order == "key-first",
                    key_needs_flag: order == "key-needs-flag",
                    binding: (binding != "-").then(|| prop(binding)),
                }
            })
            .collect()
    })
}

/// The parts of a data-store kind: one row of the table each, in table order (most kinds have
/// one; a WorkSpace has its root and user volumes, a Glue security configuration its S3,
/// CloudWatch and job bookmark encryption).
fn parts_of(kind: Kind) -> impl Iterator<Item = &'static Store> {
    stores().iter().filter(move |s| s.kind == kind)
}

/// Is this a kind [`protection`] reports on (a data store encrypted at rest)?
pub fn is_data_store(kind: Kind) -> bool {
    parts_of(kind).next().is_some()
}

/// Whether a store kind is encrypted with KMS keys it does not name itself: an Aurora global
/// database has no key of its own, each member cluster names one in its region (and is a store
/// of its own). Its flag says whether it is encrypted; which key is its members' question.
pub fn keyed_by_members(kind: Kind) -> bool {
    let mut parts = parts_of(kind).peekable();
    parts.peek().is_some()
        && parts.all(|p| {
            p.key.is_none()
                && p.flag
                    .as_ref()
                    .is_some_and(|f| f.values.iter().any(|(_, m)| *m == Meaning::Kms))
        })
}

/// How weak a part's reading is, lowest first: unencrypted, then a key that is not the
/// account's own, then what the code does not settle, then a key the account controls. A store
/// is as weak as its weakest part; of equals the first in table order decides.
fn weakness(found: &(AtRest, KeyKind)) -> (u8, u8) {
    let at_rest = match found.0 {
        AtRest::Unencrypted => 0,
        AtRest::Unknown { .. } => 1,
        AtRest::Encrypted => 2,
    };
    let key = match found.1 {
        KeyKind::None => 0,
        KeyKind::AwsOwned | KeyKind::AwsManaged { .. } | KeyKind::ServiceManaged => 1,
        KeyKind::Unknown { .. } => 2,
        KeyKind::External { .. } => 3,
        KeyKind::Alias { .. } | KeyKind::CustomerManaged { .. } => 4,
    };
    (at_rest, key)
}

/// A property set on a resource: the resource holding it (itself or a facet), the concrete
/// path there and the value.
pub(crate) struct Setting<'m> {
    pub(crate) holder: usize,
    pub(crate) path: String,
    pub(crate) value: Cow<'m, Value>,
}

/// The first value of `prop` the code sets on resource `index` (or its facets).
pub(crate) fn setting(model: &Model, index: usize, prop: Prop) -> Option<Setting<'_>> {
    let found = model.prop_set(index, prop)?;
    let (holder, path) = found.attribute()?;
    let (holder, path) = (holder, path.to_string());
    Some(Setting {
        holder,
        path,
        value: found.value,
    })
}

/// The key a store's code names, if it names one. An empty string names none: the provider
/// sends nothing for it (`key_arn = ""` is Terraform's zero value, read as unset), so the
/// store takes the key it would take without the attribute.
fn key_setting<'m>(model: &'m Model, index: usize, store: &Store) -> Option<Setting<'m>> {
    store
        .key
        .and_then(|k| setting(model, index, k))
        .filter(|s| s.value.as_str() != Some(""))
}

/// Why a value cannot be read as a constant.
pub(crate) fn unsettled(attribute: &str, v: &Value) -> String {
    match v.first_unknown() {
        Some(u) => format!(
            "{attribute} is unknown: {} ({})",
            u.detail,
            u.reason.describe()
        ),
        None => format!("{attribute} is not a constant: {v}"),
    }
}

/// Aliases in the tree by (unit, name).
pub(crate) struct Aliases<'m> {
    by_name: HashMap<(&'m str, &'m str), usize>,
}

impl<'m> Aliases<'m> {
    pub(crate) fn new(model: &'m Model) -> Aliases<'m> {
        let mut by_name = HashMap::new();
        for (i, r) in model.resources.iter().enumerate() {
            if r.kind != Kind::KmsAlias || r.facet.is_some() {
                continue;
            }
            if let Some(name) = model
                .prop_set(i, Prop::KmsAliasName)
                .and_then(|f| match f.value {
                    Cow::Borrowed(v) => v.as_str(),
                    Cow::Owned(_) => None,
                })
            {
                by_name.entry((r.unit.as_str(), name)).or_insert(i);
            }
        }
        Aliases { by_name }
    }
}

/// The key an alias in the tree points at, when that key is in the tree.
pub(crate) fn alias_target(model: &Model, alias: usize) -> Option<usize> {
    let r = &model.resources[alias];
    let found = model.prop_set(alias, Prop::KmsAliasTargetKeyId)?;
    let target = match &*found.value {
        Value::Ref(t) => Some(t.resource.as_str()),
        Value::Template(parts) => parts.iter().find_map(|p| match p {
            Part::Ref(t) => Some(t.resource.as_str()),
            _ => None,
        }),
        _ => None,
    }?;
    let i = model.index_of(&r.unit, target)?;
    is_key_kind(model.resources[i].kind).then_some(i)
}

fn is_key_kind(kind: Kind) -> bool {
    matches!(kind, Kind::KmsKey | Kind::KmsReplicaKey)
}

/// What a key reference written on a resource names: a key or alias in the tree, an AWS-managed
/// key, or a key from outside the tree.
pub fn resolve_key(model: &Model, from: usize, value: &Value) -> KeyKind {
    resolve_with(model, &Aliases::new(model), from, value)
}

fn resolve_ref(model: &Model, unit: &str, target: &str, value: &Value) -> KeyKind {
    match model.index_of(unit, target) {
        Some(i) if is_key_kind(model.resources[i].kind) => KeyKind::CustomerManaged { key: i },
        Some(i) if model.resources[i].kind == Kind::KmsAlias => KeyKind::Alias {
            alias: i,
            key: alias_target(model, i),
        },
        _ => KeyKind::External {
            value: value.clone(),
        },
    }
}

/// The alias part of a key name or ARN (`alias/x` from `arn:aws:kms:…:alias/x`).
fn alias_part(text: &str) -> Option<&str> {
    text.find("alias/").map(|i| &text[i..])
}

fn resolve_with(model: &Model, aliases: &Aliases, from: usize, value: &Value) -> KeyKind {
    let unit = model.resources[from].unit.as_str();
    let by_alias_name = |name: &str| -> Option<KeyKind> {
        if defaults::aws_managed_alias(name).is_some() {
            return Some(KeyKind::AwsManaged {
                alias: name.to_string(),
            });
        }
        aliases
            .by_name
            .get(&(unit, name))
            .map(|&alias| KeyKind::Alias {
                alias,
                key: alias_target(model, alias),
            })
    };
    match value {
        Value::Ref(r) => resolve_ref(model, unit, &r.resource, value),
        Value::String(s) => {
            alias_part(s)
                .and_then(by_alias_name)
                .unwrap_or_else(|| KeyKind::External {
                    value: value.clone(),
                })
        }
        Value::Template(parts) => {
            if parts.iter().any(|p| matches!(p, Part::Unknown(_))) {
                return KeyKind::External {
                    value: value.clone(),
                };
            }
            if let Some(r) = parts.iter().find_map(|p| match p {
                Part::Ref(r) => Some(r),
                _ => None,
            }) {
                return resolve_ref(model, unit, &r.resource, value);
            }
            let text: String = parts
                .iter()
                .map(|p| match p {
                    Part::Text(t) => t.as_str(),
                    _ => "*",
                })
                .collect();
            alias_part(&text)
                .filter(|a| !a.contains('*'))
                .and_then(by_alias_name)
                .unwrap_or_else(|| KeyKind::External {
                    value: value.clone(),
                })
        }
        _ => KeyKind::External {
            value: value.clone(),
        },
    }
}

/// The outcome of a provider default, with its evidence at the resource.
fn from_default(
    model: &Model,
    source: usize,
    row: Option<&'static DefaultRow>,
    path: &str,
    evidence: &mut Vec<Evidence>,
) -> (AtRest, KeyKind) {
    let Some(row) = row else {
        let reason = format!("{path} is not set and no provider default is known");
        evidence.push(Evidence::at(model, source, "").noted(reason.clone()));
        return (
            AtRest::Unknown {
                reason: reason.clone(),
            },
            KeyKind::Unknown { reason },
        );
    };
    evidence.push(Evidence::at(model, source, "").noted(row.note()));
    match &row.outcome {
        Outcome::AwsOwned => (AtRest::Encrypted, KeyKind::AwsOwned),
        Outcome::AwsManaged { alias } => (
            AtRest::Encrypted,
            KeyKind::AwsManaged {
                alias: alias.clone(),
            },
        ),
        Outcome::ServiceManaged => (AtRest::Encrypted, KeyKind::ServiceManaged),
        Outcome::Unencrypted => (AtRest::Unencrypted, KeyKind::None),
        Outcome::Open | Outcome::OpenOrAwsOwned => {
            let reason = format!("{path} is not set: {}", row.meaning);
            (
                AtRest::Unknown {
                    reason: reason.clone(),
                },
                KeyKind::Unknown { reason },
            )
        }
        Outcome::Encrypted | Outcome::Value { .. } => {
            let reason = format!(
                "the provider default of {path} ({}) does not name a key",
                row.default
            );
            (AtRest::Encrypted, KeyKind::Unknown { reason })
        }
    }
}

struct Reader<'a, 'm> {
    model: &'m Model,
    aliases: &'a Aliases<'m>,
    ebs: &'a EbsAccount<'m>,
    evidence: Vec<Evidence>,
}

/// The account's EBS encryption settings of each deployment unit (the first declared of each):
/// encryption by default, and the default key it uses. Found once, so that reading a volume is
/// a lookup rather than a scan of the tree.
struct EbsAccount<'m> {
    by_default: HashMap<&'m str, usize>,
    default_key: HashMap<&'m str, usize>,
}

impl<'m> EbsAccount<'m> {
    fn new(model: &'m Model) -> EbsAccount<'m> {
        let mut by_default = HashMap::new();
        let mut default_key = HashMap::new();
        for (i, r) in model.resources.iter().enumerate() {
            let map = match r.kind {
                Kind::Ec2EbsEncryptionByDefault => &mut by_default,
                Kind::Ec2EbsDefaultKmsKey => &mut default_key,
                _ => continue,
            };
            map.entry(r.unit.as_str()).or_insert(i);
        }
        EbsAccount {
            by_default,
            default_key,
        }
    }
}

/// A flag's state, with the resource and path that set it.
enum FlagState {
    Absent,
    /// Off; `true` when off means the provider default.
    Off(usize, String, bool),
    Kms(usize, String),
    Service(usize, String),
    /// With why the value is not known, when the value has an unknown in it.
    Unknown(usize, String, String, Option<crate::model::Reason>),
}

impl Reader<'_, '_> {
    /// Whether an instance (or a launch template or configuration) lists block devices but
    /// none for its root volume: that volume comes from the image, as the image's snapshot and
    /// the account's default leave it, so devices that encrypt do not settle it. The root is
    /// the Terraform root block, or a mapping of the device names images boot from.
    fn root_volume_silent(&self, source: usize) -> bool {
        /// The root device names of Amazon's and the common Linux and Windows images.
        const ROOT_DEVICE_NAMES: [&str; 4] = ["/dev/xvda", "/dev/sda1", "/dev/sda", "root"];
        let model = self.model;
        let Some(prop) = Prop::named(model.resources[source].kind, "BlockDeviceName") else {
            return false;
        };
        let names = model.props(source, prop);
        !names.is_empty()
            && !names.iter().any(|f| {
                f.value
                    .as_str()
                    .is_some_and(|n| ROOT_DEVICE_NAMES.contains(&n))
                    || f.value.first_unknown().is_some()
            })
    }

    /// The flag as set. Where its path crosses a list (every block device of an instance), the
    /// weakest element decides: off, then unknown, then service keys, then KMS.
    fn flag(&self, source: usize, flag: &Flag) -> FlagState {
        let rank = |s: &FlagState| match s {
            FlagState::Off(..) => 0,
            FlagState::Unknown(..) => 1,
            FlagState::Service(..) => 2,
            FlagState::Kms(..) => 3,
            FlagState::Absent => 4,
        };
        let mut weakest = FlagState::Absent;
        let unset =
            self.model.unset_in_any_list(source, flag.prop) || self.root_volume_silent(source);
        for found in self.model.props(source, flag.prop) {
            let Some((holder, path)) = found.attribute() else {
                continue;
            };
            let state = classify(flag, holder, path.to_string(), &found.value);
            if rank(&state) < rank(&weakest) {
                weakest = state;
            }
        }
        // A device of the same list that says nothing is as the default leaves it: weaker than
        // one that encrypts, so the default decides (a question, or the account's default).
        if unset && rank(&weakest) >= 2 {
            return FlagState::Absent;
        }
        weakest
    }

    /// The flag's default row, read with the store's key: where the row leaves encryption open
    /// between off and AWS's own key (`open-or-aws-owned`), a store that names no key has no
    /// customer-managed key either way, so the key is AWS-owned while encryption stays a
    /// question; a key the code names is read as written.
    fn flag_default(
        &mut self,
        source: usize,
        store: &Store,
        row: Option<&'static DefaultRow>,
        flag_path: &str,
    ) -> (AtRest, KeyKind) {
        let model = self.model;
        let (at_rest, key) = from_default(model, source, row, flag_path, &mut self.evidence);
        if !row.is_some_and(|d| d.outcome == Outcome::OpenOrAwsOwned) {
            return (at_rest, key);
        }
        let key = match key_setting(model, source, store) {
            Some(Setting {
                holder,
                path,
                value,
            }) => {
                self.evidence
                    .push(Evidence::at(model, holder, &path).valued(&value));
                resolve_with(model, self.aliases, source, &value)
            }
            None => KeyKind::AwsOwned,
        };
        (at_rest, key)
    }

    /// The key when the code names none: the property's documented default (an AWS-managed
    /// key), else the row of `rules/defaults.tsv` (service-managed, unencrypted, …).
    fn key_default(&mut self, source: usize, store: &Store) -> (AtRest, KeyKind) {
        let model = self.model;
        let Some(key) = store.key else {
            let kind = model.resources[source].kind;
            let reason = if keyed_by_members(kind) {
                format!("{kind} has no key of its own: each member names its key in its region")
            } else {
                format!("{kind} has no key setting")
            };
            return (AtRest::Encrypted, KeyKind::Unknown { reason });
        };
        if let Some((value, doc)) = key.default() {
            self.evidence
                .push(Evidence::at(model, source, "").noted(format!("provider default: {doc}")));
            return (
                AtRest::Encrypted,
                resolve_with(model, self.aliases, source, &value),
            );
        }
        let (key_path, row) = defaults::of_prop(model, source, key);
        from_default(model, source, row, &key_path, &mut self.evidence)
    }

    /// Reads the key once encryption is on (or for stores that are always encrypted).
    fn key(&mut self, source: usize, store: &Store) -> (AtRest, KeyKind) {
        let model = self.model;
        let Some(key) = store.key else {
            return self.key_default(source, store);
        };
        let (_, row) = defaults::of_prop(model, source, key);
        match key_setting(model, source, store) {
            Some(Setting {
                holder,
                path,
                value,
            }) => {
                let v = value.as_ref();
                let key = resolve_with(model, self.aliases, source, v);
                let mut ev = Evidence::at(model, holder, &path).valued(v);
                if let KeyKind::AwsManaged { alias } = &key {
                    if let Some(row) = defaults::aws_managed_alias(alias) {
                        ev = ev.noted(row.meaning);
                    }
                }
                self.evidence.push(ev);
                // A wholly unknown key on a store that the default leaves unencrypted: whether
                // it is encrypted at all is open.
                let at_rest = match (v, row.map(|d| &d.outcome)) {
                    (Value::Unknown(_), Some(Outcome::Unencrypted)) if store.flag.is_none() => {
                        AtRest::Unknown {
                            reason: unsettled(&path, v),
                        }
                    }
                    _ => AtRest::Encrypted,
                };
                (at_rest, key)
            }
            None => self.key_default(source, store),
        }
    }

    /// Reads a part, then its binding: a setting clients may override leaves the key to them.
    fn read(&mut self, source: usize, store: &Store) -> (AtRest, KeyKind) {
        let found = self.read_part(source, store);
        let Some(binding) = store.binding else {
            return found;
        };
        let model = self.model;
        let mut default_note = None;
        let (holder, path, binds) = match model.prop(source, binding) {
            Some(f) => {
                default_note = super::defaults::note_of(&f);
                let (holder, path) = f
                    .attribute()
                    .map(|(h, p)| (h, p.to_string()))
                    .unwrap_or((source, String::new()));
                let value = f.value.into_owned();
                (holder, path, value.as_bool().ok_or(Some(value)))
            }
            None => (source, String::new(), Err(None)),
        };
        let reason = match binds {
            Ok(true) => return found,
            Err(None) => format!(
                "{} is not set and no provider default is known",
                binding.canonical()
            ),
            Ok(false) => format!(
                "{} is {}: each client may override this setting with its own, so the key that protects what it stores is the client's choice",
                binding.canonical(),
                match &default_note {
                    Some(note) => format!("false when left out ({note})"),
                    None => "false".into(),
                }
            ),
            Err(Some(v)) => unsettled(binding.canonical(), &v),
        };
        self.evidence
            .push(Evidence::at(model, holder, &path).noted(reason.clone()));
        match found.0 {
            AtRest::Encrypted => (AtRest::Encrypted, KeyKind::Unknown { reason }),
            _ => found,
        }
    }

    fn read_part(&mut self, source: usize, store: &Store) -> (AtRest, KeyKind) {
        let found = self.read_settings(source, store);
        if store.key_needs_flag && matches!(found.0, AtRest::Unencrypted) {
            if let Some(key) = key_setting(self.model, source, store) {
                let flag = store
                    .flag
                    .as_ref()
                    .map(|f| f.prop.canonical())
                    .unwrap_or("");
                self.evidence.push(
                    Evidence::at(self.model, key.holder, &key.path).noted(format!(
                        "{KEY_REFUSED}: {} is set while {flag} is off, so the resource is not created as written",
                        key.path
                    )),
                );
            }
        }
        found
    }

    fn read_settings(&mut self, source: usize, store: &Store) -> (AtRest, KeyKind) {
        let model = self.model;
        let Some(flag) = &store.flag else {
            return self.key(source, store);
        };
        if store.key_first {
            if let Some(Setting {
                holder,
                path,
                value,
            }) = key_setting(model, source, store)
            {
                self.evidence
                    .push(Evidence::at(model, holder, &path).valued(&value));
                return (
                    AtRest::Encrypted,
                    resolve_with(model, self.aliases, source, &value),
                );
            }
        }
        match self.flag(source, flag) {
            FlagState::Absent => {
                if let Some(found) = self.ebs_default(source, store) {
                    return found;
                }
                // Taken from a resource outside the tree: not the default.
                if let Some(reason) = crate::model::inherits::outside(model, source, flag.prop) {
                    self.evidence
                        .push(Evidence::at(model, source, "").noted(reason.clone()));
                    return (
                        AtRest::Unknown {
                            reason: reason.clone(),
                        },
                        KeyKind::Unknown { reason },
                    );
                }
                // A row of rules/defaults.tsv qualified by another setting of this resource
                // (Aurora Serverless v1 is always encrypted) is more specific than the
                // property's documented default.
                let (flag_path, row) = defaults::of_prop(model, source, flag.prop);
                let qualified = row.filter(|d| d.qualifier.is_some());
                // The property's documented default, read as the flag would be.
                if let Some((value, doc)) = flag.prop.default().filter(|_| qualified.is_none()) {
                    self.evidence.push(
                        Evidence::at(model, source, "").noted(format!("provider default: {doc}")),
                    );
                    return match classify(flag, source, String::new(), &value) {
                        FlagState::Kms(..) => self.key(source, store),
                        FlagState::Service(..) => (AtRest::Encrypted, KeyKind::ServiceManaged),
                        // Off meaning "the provider default applies": its row says what that is.
                        FlagState::Off(_, _, true) if row.is_some() => {
                            self.flag_default(source, store, row, &flag_path)
                        }
                        FlagState::Off(..) => (AtRest::Unencrypted, KeyKind::None),
                        FlagState::Absent | FlagState::Unknown(..) => {
                            let reason = format!(
                                "the default of {} ({value}) is not a setting vouch reads",
                                flag.prop.canonical()
                            );
                            (
                                AtRest::Unknown {
                                    reason: reason.clone(),
                                },
                                KeyKind::Unknown { reason },
                            )
                        }
                    };
                }
                if row.is_some_and(|d| d.outcome == Outcome::Encrypted) {
                    self.evidence.push(
                        Evidence::at(model, source, "")
                            .noted(row.map(|d| d.note()).unwrap_or_default()),
                    );
                    return self.key(source, store);
                }
                self.flag_default(source, store, row, &flag_path)
            }
            FlagState::Off(holder, path, true) => {
                self.evidence.push(Evidence::at(model, holder, &path));
                let (flag_path, row) = defaults::of_prop(model, source, flag.prop);
                self.flag_default(source, store, row, &flag_path)
            }
            FlagState::Off(holder, path, false) => {
                self.evidence.push(Evidence::at(model, holder, &path));
                (AtRest::Unencrypted, KeyKind::None)
            }
            FlagState::Service(holder, path) => {
                self.evidence.push(Evidence::at(model, holder, &path));
                (AtRest::Encrypted, KeyKind::ServiceManaged)
            }
            FlagState::Kms(holder, path) => {
                self.evidence.push(Evidence::at(model, holder, &path));
                self.key(source, store)
            }
            FlagState::Unknown(holder, path, reason, unknown) => {
                let mut ev = Evidence::at(model, holder, &path);
                ev.unknown = unknown;
                self.evidence.push(ev);
                let key = match key_setting(model, source, store) {
                    Some(Setting {
                        holder: kholder,
                        path: kpath,
                        value,
                    }) => {
                        self.evidence
                            .push(Evidence::at(model, kholder, &kpath).valued(&value));
                        resolve_with(model, self.aliases, source, &value)
                    }
                    None => KeyKind::Unknown {
                        reason: reason.clone(),
                    },
                };
                (AtRest::Unknown { reason }, key)
            }
        }
    }

    /// EBS volumes, and the block devices of instances, launch templates and launch
    /// configurations, without an encryption flag: encrypted when the unit enables EBS encryption by default.
    fn ebs_default(&mut self, source: usize, store: &Store) -> Option<(AtRest, KeyKind)> {
        let model = self.model;
        let r = &model.resources[source];
        if !matches!(
            r.kind,
            Kind::Ec2Volume
                | Kind::Ec2Instance
                | Kind::Ec2LaunchTemplate
                | Kind::Ec2LaunchConfiguration
        ) {
            return None;
        }
        let i = *self.ebs.by_default.get(r.unit.as_str())?;
        let by_default = &model.resources[i];
        let enabled = setting(model, i, Prop::Ec2EbsEncryptionByDefaultEnabled);
        let mut ev = match &enabled {
            Some(e) => Evidence::at(model, e.holder, &e.path).valued(&e.value),
            None => Evidence::at(model, i, ""),
        };
        let state = match &enabled {
            Some(e) => e.value.as_bool(),
            None => {
                let found = model.prop(i, Prop::Ec2EbsEncryptionByDefaultEnabled);
                if let Some(note) = found.as_ref().and_then(defaults::note_of) {
                    ev = ev.noted(note);
                }
                Some(found.and_then(|f| f.value.as_bool()).unwrap_or(true))
            }
        };
        match state {
            Some(false) => None,
            None => {
                self.evidence.push(ev);
                let e = enabled?;
                let reason = unsettled(&format!("{}.{}", by_default.address, e.path), &e.value);
                Some((
                    AtRest::Unknown {
                        reason: reason.clone(),
                    },
                    KeyKind::Unknown { reason },
                ))
            }
            Some(true) => {
                self.evidence.push(ev);
                let key = self.ebs.default_key.get(r.unit.as_str()).and_then(|&k| {
                    setting(model, k, Prop::Ec2EbsDefaultKmsKeyKeyArn).map(|s| (k, s))
                });
                let kind = match key {
                    Some((k, s)) => {
                        self.evidence
                            .push(Evidence::at(model, s.holder, &s.path).valued(&s.value));
                        resolve_with(model, self.aliases, k, &s.value)
                    }
                    None => self.key_default(source, store).1,
                };
                Some((AtRest::Encrypted, kind))
            }
        }
    }
}

fn unknown_reason(v: &Value) -> Option<crate::model::Reason> {
    v.first_unknown().map(|u| u.reason)
}

/// What a flag's value says: a KMS key, the service's keys, off, the default, or not known.
fn classify(flag: &Flag, holder: usize, path: String, v: &Value) -> FlagState {
    let spelled = if flag.boolean() {
        v.as_bool().map(|b| b.to_string())
    } else {
        v.as_str().map(str::to_string)
    };
    let Some(spelled) = spelled else {
        let reason = unsettled(&path, v);
        return FlagState::Unknown(holder, path, reason, unknown_reason(v));
    };
    match flag
        .values
        .iter()
        .find(|(x, _)| x.eq_ignore_ascii_case(&spelled))
        .map(|(_, m)| *m)
    {
        Some(Meaning::Kms) => FlagState::Kms(holder, path),
        Some(Meaning::Service) => FlagState::Service(holder, path),
        Some(Meaning::Off) => FlagState::Off(holder, path, false),
        Some(Meaning::Default) => FlagState::Off(holder, path, true),
        None => {
            let reason = format!("{path} has a value vouch does not know: {spelled:?}");
            FlagState::Unknown(holder, path, reason, None)
        }
    }
}

/// Is this resource an SSM parameter that is not a SecureString (then it is not a store here)?
fn plain_parameter(model: &Model, index: usize) -> bool {
    if model.resources[index].kind != Kind::SsmParameter {
        return false;
    }
    match model
        .prop_set(index, Prop::SsmParameterType)
        .as_ref()
        .map(|f| f.value.as_ref())
    {
        Some(Value::String(t)) => t != "SecureString",
        Some(_) => false,
        None => true,
    }
}

/// Resources of a store kind that keep no data of their own when the property is set, because
/// another resource holds it and is read as a store itself: a Firehose stream that reads from a
/// Kinesis stream or an MSK cluster keeps its records there, and AWS accepts server-side
/// encryption only on a Direct PUT stream
/// (https://docs.aws.amazon.com/firehose/latest/dev/encryption.html,
/// https://docs.aws.amazon.com/firehose/latest/APIReference/API_StartDeliveryStreamEncryption.html);
/// a cache cluster that is a node of a replication group is encrypted as the group is.
const HELD_ELSEWHERE: &[(Kind, Prop)] = &[
    (
        Kind::FirehoseDeliveryStream,
        Prop::FirehoseDeliveryStreamKinesisStreamARN,
    ),
    (
        Kind::FirehoseDeliveryStream,
        Prop::FirehoseDeliveryStreamMSKClusterARN,
    ),
    (
        Kind::ElasticacheCluster,
        Prop::ElasticacheClusterReplicationGroupId,
    ),
];

fn held_elsewhere(model: &Model, index: usize) -> bool {
    let kind = model.resources[index].kind;
    HELD_ELSEWHERE
        .iter()
        .any(|&(k, p)| k == kind && model.prop_set(index, p).is_some())
}

/// How every data store in the model is encrypted at rest, in model order.
pub fn protection(model: &Model) -> Vec<StoreEncryption> {
    let aliases = Aliases::new(model);
    let ebs = EbsAccount::new(model);
    let mut facets: HashMap<usize, Vec<usize>> = HashMap::new();
    for (&facet, &parent) in &model.parents {
        if model.resources[facet].facet == Some("encryption") {
            facets.entry(parent).or_default().push(facet);
        }
    }
    let mut out = Vec::new();
    for (i, r) in model.resources.iter().enumerate() {
        if !is_data_store(r.kind)
            || r.facet.is_some()
            || plain_parameter(model, i)
            || held_elsewhere(model, i)
        {
            continue;
        }
        // S3 in Terraform: the encryption facet, when there is one, holds the settings.
        let source = facets
            .get(&i)
            .and_then(|f| f.iter().min().copied())
            .unwrap_or(i);
        let mut reader = Reader {
            model,
            aliases: &aliases,
            ebs: &ebs,
            evidence: Vec::new(),
        };
        // The weakest part decides, and its evidence comes first: it is where the finding is.
        let mut found: Option<(AtRest, KeyKind)> = None;
        let mut by_part = Vec::new();
        let mut deciding = 0;
        for part in parts_of(r.kind) {
            let read = reader.read(source, part);
            if found.as_ref().is_none_or(|f| weakness(&read) < weakness(f)) {
                found = Some(read);
                deciding = by_part.len();
            }
            by_part.push(std::mem::take(&mut reader.evidence));
        }
        let Some(mut found) = found else {
            continue;
        };
        reader.evidence = by_part.remove(deciding);
        reader.evidence.extend(by_part.into_iter().flatten());
        if let Some(t) = setting(model, i, Prop::SsmParameterType) {
            if !matches!(*t.value, Value::String(_)) {
                let reason = unsettled(&t.path, &t.value);
                found.0 = AtRest::Unknown { reason };
            }
        }
        let (at_rest, key) = found;
        let mut evidence = reader.evidence;
        evidence.dedup();
        out.push(StoreEncryption {
            store: i,
            kind: r.kind,
            at_rest,
            key,
            evidence,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_of_the_store_table_reads_properties_of_its_kind() {
        let all = stores();
        assert!(all.len() >= 15);
        for s in all {
            if let Some(k) = s.key {
                assert_eq!(k.kind(), s.kind, "{}", s.kind.as_str());
            }
            assert!(s.key.is_some() || s.flag.is_some(), "{}", s.kind.as_str());
            if let Some(b) = s.binding {
                assert_eq!(b.kind(), s.kind, "{}", s.kind.as_str());
            }
            if let Some(f) = &s.flag {
                assert_eq!(f.prop.kind(), s.kind, "{}", s.kind.as_str());
                assert!(!f.values.is_empty(), "{}", s.kind.as_str());
            }
        }
    }
}
