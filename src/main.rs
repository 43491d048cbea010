//! The `vouch` command line: parses arguments, runs the library, prints, sets the exit status.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use vouch::diagnostics::Severity;
use vouch::report;

/// mimalloc: a third of a large scan's time went to the system allocator. Built without
/// transparent huge pages (`no_thp`): each 2 MB page mimalloc advised huge was zeroed whole at
/// first touch, about a third of a small repository's CPU (terragoat: 15 such pages, 30 MB
/// zeroed, per scan), while a large tree's CPU is the same either way.
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
    /// Print only errors on standard error: no warnings, no progress bar.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
    /// Show everything: each problem in the inputs with its source (by default, one line per
    /// file), every assumption of every system (`scan`), every sentence (`claims --score`).
    #[arg(long, short = 'v', global = true)]
    verbose: bool,
}

/// `--quiet`, set once at start.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// `--verbose`, set once at start.
static VERBOSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn verbose() -> bool {
    VERBOSE.load(std::sync::atomic::Ordering::Relaxed)
}

/// The progress bar on standard error (indicatif): one bar per step of the scan, a spinner for
/// a step whose size is not known, removed before anything else is printed.
struct Bar {
    current: std::sync::Mutex<Option<indicatif::ProgressBar>>,
    color: bool,
}

impl Bar {
    /// A bar when standard error is a terminal and `--quiet` is not given; otherwise none.
    fn install() {
        if quiet() || !std::io::stderr().is_terminal() {
            return;
        }
        vouch::progress::show_with(Box::new(Bar {
            current: std::sync::Mutex::new(None),
            color: stderr_color(),
        }));
    }
}

impl vouch::progress::Progress for Bar {
    fn step(&self, what: &'static str, total: u64) {
        use indicatif::{ProgressBar, ProgressStyle};
        let template = match (total, self.color) {
            (0, _) => "{spinner} {prefix} {elapsed}",
            (_, true) => "{prefix:>26} [{bar:30.cyan/blue}] {pos}/{len} {elapsed}",
            (_, false) => "{prefix:>26} [{bar:30}] {pos}/{len} {elapsed}",
        };
        let bar = if total == 0 {
            ProgressBar::new_spinner()
        } else {
            ProgressBar::new(total)
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(what);
        if total == 0 {
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
        }
        if let Ok(mut current) = self.current.lock() {
            if let Some(old) = current.replace(bar) {
                old.finish_and_clear();
            }
        }
    }

    fn advance(&self, n: u64) {
        if let Ok(current) = self.current.lock() {
            if let Some(bar) = current.as_ref() {
                bar.inc(n);
            }
        }
    }

    fn finish(&self) {
        if let Ok(mut current) = self.current.lock() {
            if let Some(bar) = current.take() {
                bar.finish_and_clear();
            }
        }
    }
}

/// Colour on standard error only for a terminal, and never when `NO_COLOR` is set
/// (<https://no-color.org>: any non-empty value).
fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[derive(Subcommand)]
enum Command {
    /// Decide every assumption of the threat model from the code, the answers and the document.
    #[command(
        after_help = "Exit status: 0 the gate passes; 1 a finding at or above --fail-on \
        (or, with --fail-on-open, an open question; with a baseline, only new ones count); \
        2 a usage error or an input that could not be read (unless --allow-parse-errors). \
        See docs/pre-merge.md."
    )]
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
    /// Compare the IAM of the live AWS account with the roles the code declares.
    Drift(DriftArgs),
    /// Record today's findings and open questions in `.vouch/baseline.json` (replacing the
    /// baseline there: only this command writes it), so that `scan --baseline` reports and gates
    /// only on what is new.
    Baseline(BaselineArgs),
    /// What vouch reads in the architecture documents: every claim (assumption, polarity, scope,
    /// why), then the sentences with security vocabulary it did not read as claims.
    Claims(ClaimsArgs),
}

#[derive(Args)]
struct BaselineArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    assess: AssessArgs,
    /// Where to write it. Default: PATH/.vouch/baseline.json.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// What `vouch scan` prints.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ScanFormat {
    Text,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other review tools.
    Sarif,
    /// A pull-request comment.
    Markdown,
    /// JUnit XML, one test case per assumption, for CI systems that read it.
    Junit,
    /// AWS Threat Composer's JSON: assumptions, threats, mitigations and their links.
    ThreatComposer,
    /// The Open Threat Model format (OTM 0.2.0): trust zones, components, data flows, threats
    /// and mitigations.
    Otm,
    /// Each system's data-flow diagram as a Mermaid flowchart.
    Mermaid,
    /// One self-contained HTML page: diagrams, assumptions with evidence, questions, threats.
    Html,
}

#[derive(Args)]
struct DriftArgs {
    #[command(flatten)]
    input: InputArgs,
    #[arg(long, value_enum, default_value_t = DriftFormat::Text)]
    format: DriftFormat,
}

/// What `vouch drift` prints.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DriftFormat {
    Text,
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

/// Reading the live account (read-only IAM and Lambda calls; see the README for the policy).
#[derive(Args, Clone, Default)]
struct AccountArgs {
    /// Read the deployed IAM of the AWS account (standard credential chain) and settle from it
    /// what the code leaves open. Without it, vouch opens no network connection.
    #[arg(long)]
    aws: bool,
    /// AWS profile to read the account with (implies nothing without --aws or `drift`).
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// AWS region for regional calls (Lambda); IAM is global.
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// Endpoint to send the AWS calls to instead of AWS's (a local emulator).
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
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
    /// The configuration file. Default: PATH/vouch.toml when it exists. Flags win over it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    account: AccountArgs,
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
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    format: ScanFormat,
    /// Also write the SARIF report to FILE, beside the output --format chooses.
    #[arg(long, value_name = "FILE")]
    sarif: Option<PathBuf>,
    /// Leave open questions out of the SARIF (by default each is a `note` result at its resource).
    #[arg(long)]
    sarif_no_questions: bool,
    /// Fail (exit 1) when an invalid or contradicted assumption has a threat at or above this
    /// [default: high, or `fail_on` in vouch.toml].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Also fail (exit 1) while any question is open.
    #[arg(long)]
    fail_on_open: bool,
    /// In a tree of several systems, show every assumption of every system (by default, what
    /// fails or is open).
    #[arg(long)]
    details: bool,
    /// Inputs that cannot be read or parsed are still reported, but do not make the exit status
    /// 2: the gate decides on the findings alone.
    #[arg(long)]
    allow_parse_errors: bool,
    /// Report and gate only on what this baseline (written by `vouch baseline`) does not hold.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline_ref")]
    baseline: Option<PathBuf>,
    /// Take the baseline from the merge base of REF and HEAD (`origin/main`): that commit's tree
    /// is read from git's objects into a temporary directory and scanned with the same options.
    #[arg(long, value_name = "REF")]
    baseline_ref: Option<String>,
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
    /// Decide only these assumptions: repeat the flag or separate ids with commas
    /// (`--only kms.key-rotation,iam.trust.scoped`).
    #[arg(long, value_name = "ID", value_delimiter = ',')]
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

impl From<vouch::config::Gate> for FailOn {
    fn from(g: vouch::config::Gate) -> FailOn {
        use vouch::config::Gate;
        match g {
            Gate::None => FailOn::None,
            Gate::Low => FailOn::Low,
            Gate::Medium => FailOn::Medium,
            Gate::High => FailOn::High,
            Gate::Critical => FailOn::Critical,
        }
    }
}

/// The flags about documents and answers over the configuration: a flag wins.
fn assess_options(a: &AssessArgs, config: &vouch::config::Config) -> vouch::AssessOptions {
    vouch::AssessOptions {
        docs: if a.doc.is_empty() {
            config.documents.clone()
        } else {
            a.doc.clone()
        },
        answers: a.answers.clone().or_else(|| config.answers.clone()),
        only: a.only.clone(),
        disable: config.disable.clone(),
        severity: config.severity.clone(),
    }
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected NAME=VALUE, got {s:?}")),
    }
}

/// Reads the live account when asked (`--aws`, or `drift`): `Err` is a usage error (this build
/// cannot), calls that fail are printed and the rest is used.
fn read_account(
    a: &AccountArgs,
    always: bool,
) -> Result<Option<std::sync::Arc<vouch::live::Snapshot>>, String> {
    if !(a.aws || always) {
        return Ok(None);
    }
    #[cfg(feature = "aws")]
    {
        let snapshot = vouch::live::fetch::read(&vouch::live::AccountOptions {
            profile: a.profile.clone(),
            region: a.region.clone(),
            endpoint_url: a.endpoint_url.clone(),
        });
        for f in &snapshot.failures {
            if !quiet() {
                eprintln!("warning: {}: {} ({})", f.call, f.message, f.consequence);
            }
        }
        Ok(Some(std::sync::Arc::new(snapshot)))
    }
    #[cfg(not(feature = "aws"))]
    {
        Err("this build of vouch cannot read an AWS account: it was built without the `aws` feature".into())
    }
}

/// The scan's options: flags over the configuration. A list given on the command line replaces
/// the file's; `--var` values are applied after the file's `vars`, so a flag wins by name.
fn options(input: &InputArgs, config: &vouch::config::Config) -> vouch::ScanOptions {
    let either = |flag: &Vec<PathBuf>, file: &Vec<PathBuf>| {
        if flag.is_empty() {
            file.clone()
        } else {
            flag.clone()
        }
    };
    let var_files = either(&input.var_file, &config.var_files);
    let mut vars = config.vars.clone();
    vars.extend(input.var.iter().cloned());
    vouch::ScanOptions {
        load: vouch::load::LoadOptions {
            excludes: if input.exclude.is_empty() {
                config.exclude.clone()
            } else {
                input.exclude.clone()
            },
            max_file_size: Some(input.max_file_size),
            plans: input.plan.clone(),
            extra_vars: var_files.clone(),
        },
        vars: vouch::terraform::VarOptions { var_files, vars },
        params: vouch::cloudformation::ParamOptions {
            parameters: input.parameter.clone(),
        },
        account: None,
    }
}

/// `vouch drift`: exit 1 when the account differs from the code, 2 when nothing could be read.
fn drift(scan: &vouch::Scan, snapshot: &vouch::live::Snapshot, a: &DriftArgs) -> ExitCode {
    let d = vouch::live::drift::drift(&scan.model, &scan.loaded.sources, snapshot);
    match a.format {
        DriftFormat::Json => emit(&report::drift::to_json(&d, snapshot)),
        DriftFormat::Sarif => emit(&report::drift::to_sarif(
            &d,
            &report::alerts::RepoContext::discover(&a.input.path),
        )),
        DriftFormat::Text => {
            print_diagnostics(&scan.diagnostics, scan);
            emit(&report::drift::to_text(&d, snapshot))
        }
    };
    let nothing_read = snapshot.roles.is_empty()
        && snapshot
            .failures
            .iter()
            .any(|f| f.call.contains("Filter=Role"));
    if nothing_read {
        ExitCode::from(2)
    } else if d
        .differences
        .iter()
        .any(|x| x.kind != vouch::live::drift::DriftKind::NotComparable)
    {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Writes to stdout; a closed pipe (`vouch … | head`) is not an error.
fn emit(text: &str) -> bool {
    emit_with(|out| out.write_all(text.as_bytes()))
}

/// Writes a report to stdout as it is produced (buffered), rather than as one string built
/// first: false when stdout is closed or fails.
fn emit_with(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> bool {
    vouch::progress::finish();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match write(&mut out).and_then(|_| out.flush()) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => false,
        Err(_) => false,
    }
}

/// The problems found in the inputs: one line per file, or each with its source (`--verbose`);
/// with `--quiet`, errors only.
fn print_diagnostics(diagnostics: &[vouch::diagnostics::Diagnostic], scan: &vouch::Scan) {
    vouch::progress::finish();
    let color = stderr_color();
    let shown = diagnostics
        .iter()
        .filter(|d| !quiet() || d.severity == Severity::Error);
    let mut err = std::io::stderr().lock();
    if !verbose() {
        let _ = err.write_all(report::diagnostics::summary(shown, color).as_bytes());
        return;
    }
    for d in shown {
        let text = report::diagnostics::render(d, &scan.loaded.sources, color);
        if err.write_all(text.as_bytes()).is_err() {
            return;
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    VERBOSE.store(cli.verbose, std::sync::atomic::Ordering::Relaxed);
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
        Command::Drift(a) => &a.input,
        Command::Baseline(a) => &a.input,
        Command::Explain(a) => return explain(a),
        Command::Claims(a) => return claims(a),
    };
    let config = match vouch::config::load(&input.path, input.config.as_deref()) {
        Ok(c) => c,
        Err(d) => {
            print_assess_diagnostics(&[d], input.config.as_slice());
            return ExitCode::from(2);
        }
    };
    if let Some(code) = missing_inputs(&cli.command, input, &config) {
        return ExitCode::from(code);
    }
    Bar::install();
    let mut scan_options = options(input, &config);
    match read_account(&input.account, matches!(cli.command, Command::Drift(_))) {
        Ok(account) => scan_options.account = account,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    }
    if let (Command::Drift(_), Some(s)) = (&cli.command, &scan_options.account) {
        // Drift compares the code's own roles with the account: nothing from the account enters
        // the model.
        let snapshot = s.clone();
        scan_options.account = None;
        let scan = vouch::scan(&input.path, &scan_options);
        let Command::Drift(a) = &cli.command else {
            unreachable!()
        };
        return drift(&scan, &snapshot, a);
    }
    let scan = vouch::scan(&input.path, &scan_options);
    let peak_before_output = peak_rss_mb();
    let t_out = std::time::Instant::now();
    let allow_parse_errors = matches!(&cli.command, Command::Scan(a) if a.allow_parse_errors);
    let mut code = if scan.has_errors() && !allow_parse_errors {
        2
    } else {
        0
    };
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
            code = code.max(scan_command(&scan, a, &config));
        }
        Command::Baseline(a) => {
            code = code.max(baseline_command(&scan, a, &config));
        }
        Command::Questions(a) => {
            code = code.max(questions(&scan, a, &config));
        }
        Command::Clarify(a) => {
            code = code.max(clarify(&scan, a, &config));
        }
        Command::Explain(_) | Command::Claims(_) => {
            unreachable!("explain and claims return before scanning")
        }
        Command::Drift(_) => unreachable!("drift returns after its own scan"),
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

/// `vouch scan`: the report in the format asked, the SARIF file beside it, the comparison with a
/// baseline, and the gate. Returns the exit status.
fn scan_command(scan: &vouch::Scan, a: &ScanArgs, config: &vouch::config::Config) -> u8 {
    let (mut assessed, c, _) = assess_and_report(scan, &a.input, &a.assess, config);
    report::systems::sort_worst_first(&mut assessed.systems);
    let mut code = if a.allow_parse_errors { 0 } else { c };
    let repo = report::alerts::RepoContext::discover(&a.input.path).with_unit_files(scan);
    let alerts = report::alerts::of_systems(&assessed.systems, &repo);
    let comparison = match (&a.baseline, &a.baseline_ref) {
        (Some(file), _) => match vouch::baseline::Baseline::read(file) {
            Ok(b) => Some(vouch::baseline::Comparison::of(
                file.display().to_string(),
                &b,
                &alerts,
            )),
            Err(d) => {
                print_assess_diagnostics(&[d], std::slice::from_ref(file));
                eprintln!("the scan goes on without a baseline: every finding counts as new");
                if !a.allow_parse_errors {
                    code = 2;
                }
                None
            }
        },
        (None, Some(reference)) => {
            let mut scan_options = options(&a.input, config);
            // The merge base is judged by the code alone: the account is today's.
            scan_options.account = None;
            let assess = |s: &vouch::Scan, root: &std::path::Path| {
                assess_systems_quietly(s, root, &a.assess, config).systems
            };
            match vouch::baseline::at_merge_base(
                &a.input.path,
                &repo,
                reference,
                &scan_options,
                &assess,
            ) {
                Ok((source, b)) => Some(vouch::baseline::Comparison::of(source, &b, &alerts)),
                Err(e) => {
                    eprintln!("error: --baseline-ref {reference}: {e}");
                    eprintln!("the scan goes on without a baseline: every finding counts as new");
                    code = 2;
                    None
                }
            }
        }
        (None, None) => None,
    };
    if let Some(c) = &comparison {
        eprintln!(
            "baseline {}: {} new, {} unchanged, {} baseline entries no longer match (fixed or moved)",
            c.source,
            c.new.len(),
            c.unchanged,
            c.no_longer_match.len()
        );
    }
    let known = comparison.as_ref().map(|c| {
        alerts
            .iter()
            .filter(|al| !c.is_new(al))
            .map(|al| al.fingerprint.clone())
            .collect::<std::collections::BTreeSet<String>>()
    });
    let sarif = || {
        let rendered = report::sarif::render_systems(
            &assessed.systems,
            &report::sarif::Options {
                repo: repo.clone(),
                questions: !a.sarif_no_questions,
                baseline: known.as_ref(),
                information_uri: option_env!("CARGO_PKG_REPOSITORY").filter(|s| !s.is_empty()),
            },
        );
        if let Some(cut) = &rendered.cut {
            eprintln!("warning: {cut}");
        }
        rendered.text
    };
    let root = a.input.path.display().to_string();
    let detail = if a.details || verbose() {
        report::scan::Detail::Full
    } else {
        report::scan::Detail::Problems
    };
    match a.format {
        ScanFormat::Json => match &comparison {
            None => emit_with(|out| {
                report::systems::write_json(&assessed.systems, &assessed.outside, out)
            }),
            Some(c) => {
                let text = report::systems::to_json(&assessed.systems, &assessed.outside);
                let mut v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                v["baseline"] = report::scan::baseline_json(c, &alerts);
                let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
                s.push('\n');
                emit(&s)
            }
        },
        // A tree without infrastructure code gets one line, not a page of `not_applicable`.
        ScanFormat::Text if scan.model.units.is_empty() => emit(&format!(
            "vouch scan {root}: no infrastructure code found (Terraform, Terraform plan JSON, \
             CloudFormation or SAM); nothing to decide ({} files read, {} skipped)\n",
            scan.loaded.files.len(),
            scan.loaded.skipped.len()
        )),
        ScanFormat::Text => {
            let mut text =
                report::systems::to_text(&assessed.systems, &assessed.outside, &root, detail);
            if let Some(c) = &comparison {
                text.push_str(&report::scan::baseline_text(c, &alerts));
            }
            emit(&text)
        }
        ScanFormat::Sarif => emit(&sarif()),
        ScanFormat::Markdown => emit(&report::markdown::render_systems_with_diagrams(
            &assessed.systems,
            &alerts,
            comparison.as_ref(),
            &root,
            &vouch::diagram::for_systems(&scan.model, &assessed.systems),
        )),
        ScanFormat::Mermaid => emit(&report::mermaid::render_systems(
            &assessed.systems,
            &vouch::diagram::for_systems(&scan.model, &assessed.systems),
        )),
        ScanFormat::Html => emit(&report::html::render_systems(
            &assessed.systems,
            &vouch::diagram::for_systems(&scan.model, &assessed.systems),
            &root,
        )),
        ScanFormat::Junit => emit(&report::junit::render_systems(&assessed.systems)),
        ScanFormat::ThreatComposer => emit(&report::threat_composer::render_systems(
            &assessed.systems,
            &root,
        )),
        ScanFormat::Otm => emit(&report::otm::render_systems(
            &assessed.systems,
            &vouch::diagram::for_systems(&scan.model, &assessed.systems),
            scan,
            &root,
        )),
    };
    if let Some(file) = &a.sarif {
        if let Err(e) = std::fs::write(file, sarif()) {
            eprintln!("error: could not write {}: {e}", file.display());
            code = 2;
        }
    }
    if a.timings {
        let mut t: std::collections::BTreeMap<&str, std::time::Duration> = Default::default();
        for s in &assessed.systems {
            for (id, d) in &s.report.timings {
                *t.entry(id.as_str()).or_default() += *d;
            }
        }
        let mut t: Vec<_> = t.into_iter().collect();
        t.sort_by_key(|x| std::cmp::Reverse(x.1));
        for (id, d) in t {
            eprintln!("{:>9.3}s  {id}", d.as_secs_f64());
        }
    }
    let fail_on = a
        .fail_on
        .or(config.fail_on.map(FailOn::from))
        .unwrap_or(FailOn::High);
    let fail_on_open = a.fail_on_open || config.fail_on_open.unwrap_or(false);
    let rules = vouch::rules(&assess_options(&a.assess, config)).0;
    let fails = match &comparison {
        Some(c) => c.gate_fails(&alerts, fail_on.threshold(), fail_on_open),
        None => assessed
            .systems
            .iter()
            .any(|s| gate_fails(&s.report, &rules, fail_on, fail_on_open)),
    };
    if code == 0 && fails {
        code = 1;
    }
    code
}

/// `vouch baseline`: writes today's alerts as the baseline.
fn baseline_command(scan: &vouch::Scan, a: &BaselineArgs, config: &vouch::config::Config) -> u8 {
    let (assessed, code, _) = assess_and_report(scan, &a.input, &a.assess, config);
    let repo = report::alerts::RepoContext::discover(&a.input.path).with_unit_files(scan);
    let alerts = report::alerts::of_systems(&assessed.systems, &repo);
    let baseline = vouch::baseline::Baseline::of(&alerts);
    let path = a.output.clone().unwrap_or_else(|| {
        let base = if a.input.path.is_file() {
            a.input.path.parent().map(PathBuf::from).unwrap_or_default()
        } else {
            a.input.path.clone()
        };
        base.join(vouch::baseline::DEFAULT_PATH)
    });
    match baseline.write(&path) {
        Ok(replaced) => {
            eprintln!(
                "{} entries ({} findings, {} open questions) written to {}{}",
                baseline.entries.len(),
                baseline
                    .entries
                    .iter()
                    .filter(|e| e.kind == "finding")
                    .count(),
                baseline
                    .entries
                    .iter()
                    .filter(|e| e.kind == "question")
                    .count(),
                path.display(),
                if replaced {
                    " (the previous baseline was replaced)"
                } else {
                    ""
                }
            );
            code
        }
        Err(e) => {
            eprintln!("error: could not write {}: {e}", path.display());
            2
        }
    }
}

/// The gate (docs/model.md, "The scan's exit status"): an invalid or contradicted assumption whose threat is at or above
/// `--fail-on`, or, with `--fail-on-open`, any open question.
/// The severities are the rules' as decided (re-rated by `severity` in vouch.toml).
fn gate_fails(
    rep: &vouch::reconcile::Report,
    rules: &[&vouch::assumptions::Rule],
    fail_on: FailOn,
    fail_on_open: bool,
) -> bool {
    use vouch::assumptions::Status;
    let threshold = fail_on.threshold();
    let failing = rep.assumptions.iter().any(|a| {
        matches!(a.status, Status::Invalid | Status::Contradicted)
            && !vouch::waivers::waived(a)
            && match (threshold, rules.iter().find(|r| r.id == a.id)) {
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
            // With --verbose: every sentence read or labeled differently, with what was
            // expected and read.
            Format::Text => corpus::to_text(&name, &score, verbose()),
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

/// The open questions of every system, as the answers file writes them.
fn pending(systems: &[vouch::systems::SystemReport]) -> Vec<vouch::answers::Pending> {
    systems
        .iter()
        .flat_map(|s| &s.report.questions)
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
    vouch::progress::finish();
    let color = stderr_color();
    let mut err = std::io::stderr().lock();
    for d in diags {
        if quiet() && d.severity != Severity::Error {
            continue;
        }
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

/// The systems of a scanned tree, each assessed: diagnostics are returned, not printed.
fn assess_systems_quietly(
    scan: &vouch::Scan,
    root: &std::path::Path,
    assess: &AssessArgs,
    config: &vouch::config::Config,
) -> vouch::Assessment {
    let options = assess_options(assess, config);
    let units: Vec<String> = scan.model.units.iter().map(|u| u.id.clone()).collect();
    let discover = vouch::systems::DiscoverOptions {
        documents: options.docs.clone(),
        declared: config.systems.clone(),
    };
    let mut systems = vouch::systems::discover(root, &units, &discover);
    systems.retain(|s| {
        if s.units.is_empty() && s.grouping == vouch::systems::Grouping::Declared {
            eprintln!(
                "warning: system `{}` in {} matches no deployment unit; it is left out",
                s.name,
                config
                    .file
                    .as_deref()
                    .map_or_else(|| "vouch.toml".into(), |f| f.display().to_string())
            );
            return false;
        }
        true
    });
    let assessed = vouch::assess_systems(scan, root, &options, systems);
    vouch::progress::finish();
    assessed
}

/// Cuts the tree into systems (vouch::systems), decides each, and prints the diagnostics.
fn assess_and_report(
    scan: &vouch::Scan,
    input: &InputArgs,
    assess: &AssessArgs,
    config: &vouch::config::Config,
) -> (vouch::Assessment, u8, PathBuf) {
    let options = assess_options(assess, config);
    let assessed = assess_systems_quietly(scan, &input.path, assess, config);
    let answers = vouch::answers_path(&input.path, &options);
    let mut files = vec![answers.clone()];
    files.extend(options.docs.iter().cloned());
    files.extend(config.file.iter().cloned());
    print_diagnostics(&scan.diagnostics, scan);
    print_assess_diagnostics(&assessed.diagnostics, &files);
    let code = if assessed
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error)
    {
        2
    } else {
        0
    };
    (assessed, code, answers)
}

/// A file named on the command line or in vouch.toml that does not exist is a usage error
/// (exit 2), said before anything is scanned. The answers file may be missing where vouch
/// writes it (`questions --write`, `clarify`): it is created.
fn missing_inputs(
    command: &Command,
    input: &InputArgs,
    config: &vouch::config::Config,
) -> Option<u8> {
    let assess = match command {
        Command::Scan(a) => Some((&a.assess, true)),
        Command::Questions(a) => Some((&a.assess, !a.write)),
        Command::Clarify(a) => Some((&a.assess, false)),
        Command::Baseline(a) => Some((&a.assess, true)),
        _ => None,
    };
    let from_config = |p: &PathBuf| (p.clone(), "in vouch.toml");
    let mut named: Vec<(PathBuf, &str)> = Vec::new();
    if input.var_file.is_empty() {
        named.extend(config.var_files.iter().map(from_config));
    } else {
        named.extend(input.var_file.iter().map(|p| (p.clone(), "--var-file")));
    }
    named.extend(input.plan.iter().map(|p| (p.clone(), "--plan")));
    if let Some((a, answers_must_exist)) = assess {
        if a.doc.is_empty() {
            named.extend(config.documents.iter().map(from_config));
        } else {
            named.extend(a.doc.iter().map(|p| (p.clone(), "--doc")));
        }
        if answers_must_exist {
            match &a.answers {
                Some(p) => named.push((p.clone(), "--answers")),
                None => named.extend(config.answers.iter().map(from_config)),
            }
        }
        for s in &config.systems {
            named.extend(s.documents.iter().map(from_config));
        }
    }
    let missing: Vec<&(PathBuf, &str)> = named.iter().filter(|(p, _)| !p.exists()).collect();
    for (p, flag) in &missing {
        eprintln!("error: {flag} {}: no such file", p.display());
    }
    (!missing.is_empty()).then_some(2)
}

fn questions(scan: &vouch::Scan, a: &QuestionsArgs, config: &vouch::config::Config) -> u8 {
    let (assessed, code, answers) = assess_and_report(scan, &a.input, &a.assess, config);
    let systems = &assessed.systems;
    let open: usize = systems.iter().map(|s| s.report.questions.len()).sum();
    if a.write {
        if code == 2 {
            eprintln!("error: the answers file could not be read cleanly; it was left as it is");
            return 2;
        }
        match vouch::answers::append_pending(&answers, &pending(systems)) {
            Ok(n) => eprintln!(
                "{n} question(s) added to {} ({open} open in all)",
                answers.display(),
            ),
            Err(e) => {
                eprintln!("error: could not update {}: {e}", answers.display());
                return 2;
            }
        }
    }
    match a.format {
        Format::Json => {
            let all: Vec<&vouch::reconcile::Question> =
                systems.iter().flat_map(|s| &s.report.questions).collect();
            emit(&(serde_json::to_string_pretty(&all).unwrap_or_default() + "\n"))
        }
        Format::Text => match systems.as_slice() {
            [one] => emit(&report::scan::questions_text(&one.report)),
            several => {
                let mut text = String::new();
                for s in several.iter().filter(|s| !s.report.questions.is_empty()) {
                    text.push_str(&format!("== {} ({}) ==\n", s.system.name, s.system.path));
                    text.push_str(&report::scan::questions_text(&s.report));
                }
                if text.is_empty() {
                    text = "No open questions: the code, the answers and the document settle every assumption.\n".into();
                }
                emit(&text)
            }
        },
    };
    code
}

fn clarify(scan: &vouch::Scan, a: &ClarifyArgs, config: &vouch::config::Config) -> u8 {
    let (assessed, code, answers) = assess_and_report(scan, &a.input, &a.assess, config);
    if code == 2 {
        eprintln!("error: the answers file could not be read cleanly; fix it before answering");
        return 2;
    }
    let pending = pending(&assessed.systems);
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
