//! Signs that a system serves several tenants, anywhere in the code.
//!
//! The tenancy assumptions (tenant isolation, tenant encryption context, tenant claims) are about
//! multi-tenant systems. A tree with no sign of tenancy — no tenant-named resource, unit or
//! module instance (a stack or `for_each` per tenant), no tenant key or attribute, no
//! `dynamodb:LeadingKeys` binding — and a document that never speaks of tenants is single-tenant
//! code: asking tenant questions about it is noise, so those assumptions are `not_applicable`,
//! with the reason. This module reads raw attribute names and values, so it lives with the model.

use super::{Model, Value};

/// Words that name a tenant in a name (`tenant_id`, `orgId`, `custom:workspace`).
pub const TENANT_WORDS: &[&str] = &[
    "tenant",
    "tenants",
    "org",
    "orgs",
    "organization",
    "organisation",
    "company",
    "workspace",
];

/// Whether a name holds a tenant word, split at non-alphanumerics and camel case
/// (`custom:tenantId`, `org_id`, `TenantTable`).
pub fn names_tenant(name: &str) -> bool {
    let name = name.trim_start_matches("custom:");
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if (!c.is_ascii_alphanumeric() || (c.is_ascii_uppercase() && prev_lower)) && !cur.is_empty()
        {
            words.push(std::mem::take(&mut cur));
        }
        if c.is_ascii_alphanumeric() {
            cur.push(c.to_ascii_lowercase());
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
        .iter()
        .any(|w| TENANT_WORDS.contains(&w.as_str()) || w.starts_with("tenan"))
}

/// A text that speaks of tenancy: a tenant word, or a `LeadingKeys` binding. AWS's own
/// condition keys (`aws:PrincipalOrgID`, an organization of accounts, not a tenant) are not.
fn speaks_of_tenancy(text: &str) -> bool {
    if text.len() > 4096 {
        // Long text (a script, a document body) is not a name.
        return text.to_ascii_lowercase().contains("tenant");
    }
    if text.to_ascii_lowercase().contains("leadingkeys") {
        return true;
    }
    text.split(|c: char| c.is_whitespace() || c == '"' || c == ',')
        .filter(|t| !t.to_ascii_lowercase().starts_with("aws:") && !t.contains("${aws:"))
        .any(names_tenant)
}

/// The first sign of tenancy in the model: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenancySign {
    /// The resource it was found in (`None` for a deployment unit's name).
    pub resource: Option<usize>,
    pub what: String,
}

fn value_sign(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => speaks_of_tenancy(s).then(|| s.to_string()),
        Value::List(l) => l.iter().find_map(value_sign),
        Value::Map(m) => m.iter().find_map(|(k, v)| {
            if speaks_of_tenancy(k) {
                Some(k.to_string())
            } else {
                value_sign(v)
            }
        }),
        Value::Encoded(inner) => value_sign(inner),
        Value::Template(parts) => parts.iter().find_map(|p| match p {
            super::Part::Text(t) => speaks_of_tenancy(t).then(|| t.clone()),
            super::Part::Ref(r) => names_tenant(&r.resource).then(|| r.resource.clone()),
            _ => None,
        }),
        Value::Ref(r) => names_tenant(&r.resource).then(|| r.resource.clone()),
        Value::Unknown(u) => names_tenant(&u.detail).then(|| u.detail.clone()),
        _ => None,
    }
}

impl Model {
    /// The first sign that the system serves tenants: a unit, resource address, attribute name
    /// or value that names a tenant (a stack or module instance per tenant included), or a
    /// `dynamodb:LeadingKeys` binding. One pass over the model.
    pub fn tenancy_sign(&self) -> Option<TenancySign> {
        if let Some(u) = self.units.iter().find(|u| names_tenant(&u.id)) {
            return Some(TenancySign {
                resource: None,
                what: format!("deployment unit {}", u.id),
            });
        }
        for (i, r) in self.resources.iter().enumerate() {
            if names_tenant(&r.address) {
                return Some(TenancySign {
                    resource: Some(i),
                    what: format!("resource {}", r.address),
                });
            }
            for (k, v) in &r.attributes {
                let found = if names_tenant(k) {
                    Some(k.to_string())
                } else {
                    value_sign(v)
                };
                if let Some(text) = found {
                    let shown: String = text.chars().take(80).collect();
                    return Some(TenancySign {
                        resource: Some(i),
                        what: format!("{}.{k}: {shown}", r.address),
                    });
                }
            }
        }
        None
    }
}

/// Whether an architecture document speaks of tenants at all.
pub fn document_speaks_of_tenants(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("tenant") || lower.contains("multi-customer") || lower.contains("per customer")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_words_in_names_and_texts() {
        for yes in [
            "tenant_id",
            "custom:orgId",
            "TenantTable",
            "workspace-data",
            "tenants",
        ] {
            assert!(names_tenant(yes), "{yes}");
        }
        for no in ["orders", "storage", "organizations_account", "contenant"] {
            assert!(!names_tenant(no), "{no}");
        }
        assert!(speaks_of_tenancy("dynamodb:LeadingKeys"));
        assert!(!speaks_of_tenancy("aws:PrincipalOrgID"));
        assert!(!speaks_of_tenancy("${aws:PrincipalOrgID}"));
        assert!(document_speaks_of_tenants("Each Tenant has its own table."));
        assert!(!document_speaks_of_tenants(
            "A single-customer billing service."
        ));
    }
}
