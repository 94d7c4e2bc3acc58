//! The commands that run without the dashboard (for CI checks and scripts): they print to
//! stdout, explain failures on stderr, and say how things stand in their exit status.

pub mod audit;
pub mod changes;
pub mod commands;
pub mod doctor;
pub mod emulator;
pub mod imports;
pub mod promote;
pub mod reads;
pub mod rollout;
pub mod rows;

/// Formats rows as columns separated by two spaces, the last column unpadded.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    // Columns are as wide as the terminal shows their cells (a CJK tag takes two columns a
    // character); control characters count one, as the U+FFFD they are shown as.
    let width = |c: usize| {
        rows.iter()
            .map(|r| r.get(c).map_or(0, |v| crate::text::width(v)))
            .chain(std::iter::once(header[c].len()))
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(cell);
                let pad = widths[i].saturating_sub(crate::text::width(cell)) + 2;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}
