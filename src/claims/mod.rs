//! Claims of the architecture document (placeholder for the patterns type; the reader lands
//! from the `claims` branch).

/// The claim patterns of one assumption, as written in its rule file.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClaimPatterns {
    pub topics: Vec<String>,
    #[serde(default)]
    pub holds: Vec<String>,
    #[serde(default)]
    pub fails: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    Holds,
    Fails,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Claim {
    pub polarity: Polarity,
    pub path: String,
    pub line: u32,
    pub text: String,
    pub components: Vec<String>,
    pub matched: String,
}
