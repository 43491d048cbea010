//! The interactive loop behind `vouch clarify`, and today's date for the answers it records.

use super::Pending;
use std::io::{self, BufRead, Write};

/// An answer given in `clarify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given {
    pub pending: Pending,
    pub holds: bool,
    /// One line, possibly empty.
    pub detail: String,
}

/// Longest line read from the input; the rest of a longer line is discarded.
const MAX_LINE: usize = 4096;
/// Unclear replies to one question before it is skipped.
const MAX_TRIES: usize = 3;

/// For each pending question prints its assumption, text, resources and reason, then asks
/// "Does this hold? [y]es / [n]o / [s]kip / [q]uit", then (for y/n) "Detail (one line,
/// optional):". An unclear reply asks again, up to three times, then the question is skipped. End
/// of input quits (an answer whose detail was not given yet is kept, with no detail). Returns the
/// answers given, in order.
pub fn clarify<R: BufRead, W: Write>(
    pending: &[Pending],
    input: R,
    output: W,
) -> io::Result<Vec<Given>> {
    clarify_with(pending, input, output, |_| Ok(()))
}

/// [`clarify`], handing each answer to `record` as soon as it is given, so that an interrupted
/// session keeps what was answered before the interruption.
pub fn clarify_with<R: BufRead, W: Write>(
    pending: &[Pending],
    mut input: R,
    mut output: W,
    mut record: impl FnMut(&Given) -> io::Result<()>,
) -> io::Result<Vec<Given>> {
    let mut given = Vec::new();
    'questions: for (i, p) in pending.iter().enumerate() {
        show(&mut output, i + 1, pending.len(), p)?;
        let mut tries = 0;
        let holds = loop {
            write!(output, "Does this hold? [y]es / [n]o / [s]kip / [q]uit: ")?;
            output.flush()?;
            let Some(reply) = read_line(&mut input)? else {
                writeln!(output)?;
                break 'questions;
            };
            match reply.trim().to_lowercase().as_str() {
                "y" | "yes" => break Some(true),
                "n" | "no" => break Some(false),
                "s" | "skip" => break None,
                "q" | "quit" => break 'questions,
                _ => {
                    tries += 1;
                    if tries >= MAX_TRIES {
                        writeln!(output, "No clear reply: skipped.")?;
                        break None;
                    }
                    writeln!(output, "Please reply y, n, s or q.")?;
                }
            }
        };
        let Some(holds) = holds else { continue };
        write!(output, "Detail (one line, optional): ")?;
        output.flush()?;
        let detail = read_line(&mut input)?;
        let end = detail.is_none();
        let answer = Given {
            pending: p.clone(),
            holds,
            detail: one_line(detail.as_deref().unwrap_or("")),
        };
        record(&answer)?;
        given.push(answer);
        if end {
            writeln!(output)?;
            break;
        }
    }
    Ok(given)
}

fn show<W: Write>(out: &mut W, n: usize, total: usize, p: &Pending) -> io::Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "[{n}/{total}] {} (question {})",
        visible(&p.assumption),
        visible(&p.question)
    )?;
    for line in p.text.lines() {
        writeln!(out, "  {}", visible(line))?;
    }
    if !p.resources.is_empty() {
        writeln!(out, "  Resources:")?;
        for r in p.resources.iter().flat_map(|r| r.lines()) {
            writeln!(out, "    {}", visible(r))?;
        }
    }
    let mut reason = p.reason.lines();
    if let Some(first) = reason.next() {
        writeln!(out, "  Why the code cannot tell: {}", visible(first))?;
        for line in reason {
            writeln!(out, "    {}", visible(line))?;
        }
    }
    Ok(())
}

/// Text from the scanned files, shown without its control characters (no terminal escapes).
fn visible(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// A reply kept as one line of text: control characters become spaces, ends are trimmed.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// One line of input without its line break; `None` at end of input. At most [`MAX_LINE`] bytes
/// are kept (the rest of the line is read and dropped); invalid UTF-8 is replaced.
fn read_line<R: BufRead>(input: &mut R) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    let mut any = false;
    loop {
        let buf = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            if !any {
                return Ok(None);
            }
            break;
        }
        any = true;
        let (chunk, used, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], i + 1, true),
            None => (buf, buf.len(), false),
        };
        let room = MAX_LINE.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        input.consume(used);
        if done {
            break;
        }
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

/// Today's date, YYYY-MM-DD (UTC). `SOURCE_DATE_EPOCH` (seconds since 1970), when set, stands
/// for now: builds and tests that must not depend on the clock set it.
pub fn today() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    date_of_day((secs / 86_400) as i64)
}

/// The date of a day counted from 1970-01-01 (proleptic Gregorian; H. Hinnant's `civil_from_days`).
fn date_of_day(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_days() {
        assert_eq!(date_of_day(0), "1970-01-01");
        assert_eq!(date_of_day(-1), "1969-12-31");
        assert_eq!(date_of_day(11_016), "2000-02-29");
        assert_eq!(date_of_day(19_782), "2024-02-29");
        assert_eq!(date_of_day(20_412), "2025-11-20");
        assert_eq!(date_of_day(2_932_896), "9999-12-31");
        // Every day of four centuries is a valid date, one after the other.
        let mut previous = date_of_day(-1);
        for day in 0..146_097 {
            let d = date_of_day(day);
            assert!(super::super::valid_date(&d), "{d}");
            assert!(d > previous);
            previous = d;
        }
    }

    #[test]
    fn today_is_a_date() {
        assert!(super::super::valid_date(&today()));
    }

    #[test]
    fn long_lines_are_cut() {
        let long = format!("{}\nnext\n", "x".repeat(100_000));
        let mut input = io::BufReader::with_capacity(16, long.as_bytes());
        assert_eq!(read_line(&mut input).unwrap().unwrap().len(), MAX_LINE);
        assert_eq!(read_line(&mut input).unwrap().as_deref(), Some("next"));
        assert_eq!(read_line(&mut input).unwrap(), None);
    }
}
