//! The `vouch` command line: parses arguments, runs the library, prints, sets the exit status.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use vouch::diagnostics::Severity;
use vouch::report;

/// mimalloc: a third of a large scan's time went to the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "vouch",
    version,
    about = "Decides the assumptions of a threat model from the Terraform and CloudFormation that implement it."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decide every assumption of the threat model from the code, the answers and the document.
    Scan(ScanArgs),
    /// Print the questions the code cannot settle; `--write` adds them to the answers file.
    Questions(QuestionsArgs),
    /// Ask the open questions one by one and record the answers.
    Clarify(ClarifyArgs),
    /// Print what an assumption checks, why it matters and an example (no ID: list them).
    Explain(ExplainArgs),
    /// List what vouch sees: resources, references, unresolved values, unreadable files.
    Inventory(InventoryArgs),
    /// Who can do what to which resource, and the policy line that grants it.
    Access(AccessArgs),
    /// Privilege-escalation paths and exposure paths, each step with file and line.
    Paths(PathsArgs),
    /// What vouch reads in the architecture documents: every claim (assumption, polarity, scope,
    /// why), then the sentences with security vocabulary it did not read as claims.
    Claims(ClaimsArgs),
}

#[derive(Args)]
struct ClaimsArgs {
    /// Directory whose documents are read (found as `scan` finds them).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Architecture document to read (repeatable); default: as `scan` finds them.
    #[arg(long, value_name = "FILE")]
    doc: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Score the reader on a labeled corpus split (a directory of NN-name.md and
    /// NN-name.labels.yaml) instead.
    #[arg(long, value_name = "DIR")]
    score: Option<PathBuf>,
    /// With --score: every sentence read or labeled differently, with what was expected and read.
    #[arg(long)]
    verbose: bool,
}

#[derive(Args)]
struct PathsArgs {
    #[command(flatten)]
    input: InputArgs,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Args)]
struct AccessArgs {
    #[command(flatten)]
    input: InputArgs,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Only principals whose address (or the address of compute running as them) contains this.
    #[arg(long)]
    principal: Option<String>,
    /// Only resources whose address contains this.
    #[arg(long)]
    resource: Option<String>,
    /// Only access that includes an action matching this pattern (`s3:Get*`, `kms:Decrypt`).
    #[arg(long)]
    action: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Args)]
struct InputArgs {
    /// Directory (or single file) to read.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Glob of paths to leave out, relative to PATH (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Terraform variable file to apply to every root (repeatable, applied in order).
    #[arg(long = "var-file", value_name = "FILE")]
    var_file: Vec<PathBuf>,
    /// Terraform variable value, NAME=VALUE (repeatable; wins over files).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_pair)]
    var: Vec<(String, String)>,
    /// CloudFormation parameter value, NAME=VALUE (repeatable).
    #[arg(long = "parameter", value_name = "NAME=VALUE", value_parser = parse_pair)]
    parameter: Vec<(String, String)>,
    /// Terraform plan JSON (`terraform show -json PLAN`) to read (repeatable).
    #[arg(long, value_name = "FILE")]
    plan: Vec<PathBuf>,
    /// Files larger than this many bytes are reported and skipped.
    #[arg(long, value_name = "BYTES", default_value_t = vouch::load::DEFAULT_MAX_FILE_SIZE)]
    max_file_size: u64,
}

#[derive(Args)]
struct InventoryArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Print how long each phase took to standard error.
    #[arg(long, hide = true)]
    timings: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Include every resource's evaluated attributes in the JSON.
    #[arg(long)]
    values: bool,
}

#[derive(Args)]
struct ScanArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    assess: AssessArgs,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Fail (exit 1) when an invalid or contradicted assumption has a threat at or above this.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    fail_on: FailOn,
    /// Also fail (exit 1) while any question is open.
    #[arg(long)]
    fail_on_open: bool,
    /// Print how long each assumption's checks took to standard error.
    #[arg(long, hide = true)]
    timings: bool,
}

#[derive(Args)]
struct AssessArgs {
    /// Architecture document to reconcile with the code (repeatable). Default: ARCHITECTURE.md or
    /// DESIGN.md at PATH or under docs/, docs/**/architecture*.md, docs/adr/*.md, else the README.
    #[arg(long, value_name = "FILE")]
    doc: Vec<PathBuf>,
    /// The answers file. Default: PATH/.vouch/answers.yaml.
    #[arg(long, value_name = "FILE")]
    answers: Option<PathBuf>,
    /// Decide only this assumption (repeatable).
    #[arg(long, value_name = "ID")]
    only: Vec<String>,
}

#[derive(Args)]
struct QuestionsArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    assess: AssessArgs,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Add the open questions, unanswered, to the answers file (created if missing; nothing in it
    /// is lost; written atomically).
    #[arg(long)]
    write: bool,
}

#[derive(Args)]
struct ClarifyArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    assess: AssessArgs,
    /// Who is answering (recorded as `by:`).
    #[arg(long)]
    by: Option<String>,
}

#[derive(Args)]
struct ExplainArgs {
    /// An assumption id, such as `iam.compute.least-privilege`.
    id: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
enum FailOn {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl FailOn {
    fn threshold(self) -> Option<vouch::assumptions::Severity> {
        use vouch::assumptions::Severity;
        match self {
            FailOn::None => None,
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
        }
    }
}

fn assess_options(a: &AssessArgs) -> vouch::AssessOptions {
    vouch::AssessOptions {
        docs: a.doc.clone(),
        answers: a.answers.clone(),
        only: a.only.clone(),
    }
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected NAME=VALUE, got {s:?}")),
    }
}

fn options(input: &InputArgs) -> vouch::ScanOptions {
    vouch::ScanOptions {
        load: vouch::load::LoadOptions {
            excludes: input.exclude.clone(),
            max_file_size: Some(input.max_file_size),
            plans: input.plan.clone(),
            extra_vars: input.var_file.clone(),
        },
        vars: vouch::terraform::VarOptions {
            var_files: input.var_file.clone(),
            vars: input.var.clone(),
        },
        params: vouch::cloudformation::ParamOptions {
            parameters: input.parameter.clone(),
        },
    }
}

/// Writes to stdout; a closed pipe (`vouch … | head`) is not an error.
fn emit(text: &str) -> bool {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => false,
        Err(_) => false,
    }
}

fn print_diagnostics(diagnostics: &[vouch::diagnostics::Diagnostic], scan: &vouch::Scan) {
    let color = std::io::stderr().is_terminal();
    let mut err = std::io::stderr().lock();
    for d in diagnostics {
        let text = report::diagnostics::render(d, &scan.loaded.sources, color);
        if err.write_all(text.as_bytes()).is_err() {
            return;
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Evaluation recurses through expressions and modules: give rayon's workers room.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(32 * 1024 * 1024)
        .build_global();
    let input = match &cli.command {
        Command::Inventory(a) => &a.input,
        Command::Scan(a) => &a.input,
        Command::Access(a) => &a.input,
        Command::Paths(a) => &a.input,
        Command::Questions(a) => &a.input,
        Command::Clarify(a) => &a.input,
        Command::Explain(a) => return explain(a),
        Command::Claims(a) => return claims(a),
    };
    let scan = vouch::scan(&input.path, &options(input));
    let peak_before_output = peak_rss_mb();
    let t_out = std::time::Instant::now();
    let mut code = if scan.has_errors() { 2 } else { 0 };
    match &cli.command {
        Command::Paths(a) => {
            let access = vouch::iam::access::Access::compute(&scan.model);
            let paths = report::paths::paths(&scan, &access);
            match a.format {
                Format::Json => emit(&report::paths::to_json(&paths)),
                Format::Text => {
                    print_diagnostics(&scan.diagnostics, &scan);
                    emit(&report::paths::to_text(&paths))
                }
            };
        }
        Command::Access(a) => {
            let access = vouch::iam::access::Access::compute(&scan.model);
            let filter = report::access::Filter {
                principal: a.principal.clone(),
                resource: a.resource.clone(),
                action: a.action.clone(),
            };
            let rows = report::access::rows(&scan, &access, &filter);
            match a.format {
                Format::Json => stream(|w| report::access::write_json(&rows, w)),
                Format::Text => {
                    print_diagnostics(&scan.diagnostics, &scan);
                    emit(&report::access::to_text(&rows));
                }
            };
        }
        Command::Inventory(a) => match a.format {
            Format::Json => stream(|w| report::inventory::write_json(&scan, a.values, w)),
            Format::Text => {
                print_diagnostics(&scan.diagnostics, &scan);
                emit(&report::inventory::to_text(&scan));
            }
        },
        Command::Scan(a) => {
            let (rep, c, _) = assess_and_report(&scan, &a.input, &a.assess);
            code = code.max(c);
            match a.format {
                Format::Json => emit(&report::scan::to_json(&rep)),
                Format::Text => emit(&report::scan::to_text(
                    &rep,
                    &a.input.path.display().to_string(),
                )),
            };
            if a.timings {
                let mut t = rep.timings.clone();
                t.sort_by_key(|x| std::cmp::Reverse(x.1));
                for (id, d) in t {
                    eprintln!("{:>9.3}s  {id}", d.as_secs_f64());
                }
            }
            if code == 0 && gate_fails(&rep, a.fail_on, a.fail_on_open) {
                code = 1;
            }
        }
        Command::Questions(a) => {
            code = code.max(questions(&scan, a));
        }
        Command::Clarify(a) => {
            code = code.max(clarify(&scan, a));
        }
        Command::Explain(_) | Command::Claims(_) => {
            unreachable!("explain and claims return before scanning")
        }
    }
    if let Command::Inventory(InventoryArgs { timings: true, .. }) = &cli.command {
        let t = scan.timings;
        eprintln!(
            "parse {:.3}s  evaluate {:.3}s  link {:.3}s  output {:.3}s  peak RSS before output {} MB, after {} MB",
            t.parse.as_secs_f64(),
            t.evaluate.as_secs_f64(),
            t.link.as_secs_f64(),
            t_out.elapsed().as_secs_f64(),
            peak_before_output,
            peak_rss_mb()
        );
    }
    // Freeing a large model one allocation at a time takes longer than the OS takes to reclaim it.
    std::mem::forget(scan);
    ExitCode::from(code)
}

/// The gate (docs/model.md, "The scan's exit status"): an invalid or contradicted assumption whose threat is at or above
/// `--fail-on`, or, with `--fail-on-open`, any open question.
fn gate_fails(rep: &vouch::reconcile::Report, fail_on: FailOn, fail_on_open: bool) -> bool {
    use vouch::assumptions::Status;
    let threshold = fail_on.threshold();
    let failing = rep.assumptions.iter().any(|a| {
        matches!(a.status, Status::Invalid | Status::Contradicted)
            && match (threshold, vouch::assumptions::rule(&a.id)) {
                (Some(t), Some(rule)) => rule.threat.severity.invalid >= t,
                _ => false,
            }
    });
    failing || (fail_on_open && !rep.questions.is_empty())
}

fn explain(a: &ExplainArgs) -> ExitCode {
    let catalog = vouch::assumptions::catalog();
    match &a.id {
        None => {
            let text = match a.format {
                Format::Json => serde_json::to_string_pretty(catalog).unwrap_or_default() + "\n",
                Format::Text => report::explain::list(catalog),
            };
            emit(&text);
            ExitCode::SUCCESS
        }
        Some(id) => match vouch::assumptions::rule(id) {
            Some(rule) => {
                let text = match a.format {
                    Format::Json => serde_json::to_string_pretty(rule).unwrap_or_default() + "\n",
                    Format::Text => report::explain::rule(rule),
                };
                emit(&text);
                ExitCode::SUCCESS
            }
            None => {
                let near: Vec<&str> = catalog
                    .iter()
                    .map(|r| r.id.as_str())
                    .filter(|r| r.split('.').next() == id.split('.').next())
                    .collect();
                eprintln!("error: no assumption `{id}`");
                if !near.is_empty() {
                    eprintln!("  similar: {}", near.join(", "));
                }
                eprintln!("  `vouch explain` lists them all");
                ExitCode::from(2)
            }
        },
    }
}

/// `vouch claims`: the claims read from the documents, or (`--score`) the reader's score on a
/// labeled corpus split. Exit 2 when a document or a labels file could not be read.
fn claims(a: &ClaimsArgs) -> ExitCode {
    use vouch::claims::{corpus, listing};
    if let Some(dir) = &a.score {
        let score = corpus::score_split(dir, &corpus::catalog_patterns());
        let name = dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let text = match a.format {
            Format::Json => {
                serde_json::to_string_pretty(&corpus::to_json(&score)).unwrap_or_default() + "\n"
            }
            Format::Text => corpus::to_text(&name, &score, a.verbose),
        };
        emit(&text);
        return ExitCode::from(if score.errors.is_empty() { 0 } else { 2 });
    }
    let (reading, errors) = listing::read_path(&a.path, &a.doc);
    for e in &errors {
        eprintln!("error: {e}");
    }
    let text = match a.format {
        Format::Json => {
            serde_json::to_string_pretty(&listing::to_json(&reading)).unwrap_or_default() + "\n"
        }
        Format::Text => listing::to_text(&reading),
    };
    emit(&text);
    ExitCode::from(if errors.is_empty() { 0 } else { 2 })
}

/// The process's peak resident set size in MB, where the OS tells it (Linux).
fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// Streams output through a buffer; a closed pipe ends the output quietly.
fn stream(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) {
    let stdout = std::io::stdout().lock();
    let mut w = std::io::BufWriter::with_capacity(1 << 16, stdout);
    // An error here is a closed pipe or stdout: nothing more to say.
    let _ = write(&mut w).and_then(|_| w.flush());
}

/// The open questions of a report, as the answers file writes them.
fn pending(rep: &vouch::reconcile::Report) -> Vec<vouch::answers::Pending> {
    rep.questions
        .iter()
        .map(|q| vouch::answers::Pending {
            question: q.id.clone(),
            assumption: q.assumption.clone(),
            text: q.text.clone(),
            resources: q
                .resources
                .iter()
                .map(|r| format!("{} {}", r.origin.short(), r.resource))
                .collect(),
            reason: q.reason.clone(),
        })
        .collect()
}

/// Prints diagnostics about the answers file and documents, with their own text for snippets.
fn print_assess_diagnostics(diags: &[vouch::diagnostics::Diagnostic], files: &[PathBuf]) {
    let color = std::io::stderr().is_terminal();
    let mut err = std::io::stderr().lock();
    for d in diags {
        let text = files
            .iter()
            .find(|f| f.to_string_lossy().replace('\\', "/").ends_with(&d.path))
            .and_then(|f| std::fs::read_to_string(f).ok());
        let out = report::diagnostics::render_with(d, text.as_deref(), color);
        if err.write_all(out.as_bytes()).is_err() {
            return;
        }
    }
}

fn assess_and_report(
    scan: &vouch::Scan,
    input: &InputArgs,
    assess: &AssessArgs,
) -> (vouch::reconcile::Report, u8, PathBuf) {
    let options = assess_options(assess);
    let (rep, diags) = vouch::assess(scan, &input.path, &options);
    let answers = vouch::answers_path(&input.path, &options);
    let mut files = vec![answers.clone()];
    files.extend(assess.doc.iter().cloned());
    print_diagnostics(&scan.diagnostics, scan);
    print_assess_diagnostics(&diags, &files);
    let code = if diags.iter().any(|d| d.severity == Severity::Error) {
        2
    } else {
        0
    };
    (rep, code, answers)
}

fn questions(scan: &vouch::Scan, a: &QuestionsArgs) -> u8 {
    let (rep, code, answers) = assess_and_report(scan, &a.input, &a.assess);
    if a.write {
        if code == 2 {
            eprintln!("error: the answers file could not be read cleanly; it was left as it is");
            return 2;
        }
        match vouch::answers::append_pending(&answers, &pending(&rep)) {
            Ok(n) => eprintln!(
                "{n} question(s) added to {} ({} open in all)",
                answers.display(),
                rep.questions.len()
            ),
            Err(e) => {
                eprintln!("error: could not update {}: {e}", answers.display());
                return 2;
            }
        }
    }
    match a.format {
        Format::Json => {
            emit(&(serde_json::to_string_pretty(&rep.questions).unwrap_or_default() + "\n"))
        }
        Format::Text => emit(&report::scan::questions_text(&rep)),
    };
    code
}

fn clarify(scan: &vouch::Scan, a: &ClarifyArgs) -> u8 {
    let (rep, code, answers) = assess_and_report(scan, &a.input, &a.assess);
    if code == 2 {
        eprintln!("error: the answers file could not be read cleanly; fix it before answering");
        return 2;
    }
    let pending = pending(&rep);
    if pending.is_empty() {
        eprintln!("No open questions: the code, the answers and the document settle everything.");
        return 0;
    }
    let stdin = std::io::stdin();
    let today = vouch::answers::today();
    // Each answer is written as soon as it is given: an interrupted session keeps them.
    let record = |g: &vouch::answers::Given| {
        vouch::answers::record(
            &answers,
            &g.pending,
            g.holds,
            &g.detail,
            a.by.as_deref(),
            &today,
        )
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("could not record the answer to {}: {e}", g.pending.question),
            )
        })
    };
    let given =
        match vouch::answers::clarify_with(&pending, stdin.lock(), std::io::stderr(), record) {
            Ok(g) => g,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        };
    eprintln!(
        "{} answer(s) recorded in {}; {} question(s) left open.",
        given.len(),
        answers.display(),
        pending.len() - given.len()
    );
    0
}
