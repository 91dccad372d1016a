//! Maps a line of rendered output back to the template line that wrote it.
//!
//! Handlebars keeps no source map, but mapping templates are line-shaped:
//! each output line starts with the literal text before the first `{{` of
//! its template line. Of the template lines whose literal prefix starts the
//! output line, the one nearest the output line number wins.

/// The template line (1-based, if one matches) and the offending output line.
pub(super) fn template_line(
    source: &str,
    output: &str,
    output_line: usize,
) -> (Option<usize>, String) {
    let shown = output
        .lines()
        .nth(output_line.saturating_sub(1))
        .unwrap_or("")
        .to_owned();
    let out_trimmed = shown.trim_start();
    let best = source
        .lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let literal = line.split("{{").next().unwrap_or("").trim_start();
            let matches = if line.contains("{{") {
                !literal.is_empty() && out_trimmed.starts_with(literal)
            } else {
                !literal.is_empty() && out_trimmed == line.trim()
            };
            matches.then_some(i + 1)
        })
        .min_by_key(|n| n.abs_diff(output_line));
    (
        best.or(Some(output_line).filter(|n| *n > 0)),
        truncate(&shown, 120),
    )
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}
