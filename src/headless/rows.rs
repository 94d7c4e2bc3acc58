//! Writing a listing's rows as they come. JSON and TSV are written row by row, so a listing of
//! 100,000 tags is never held whole and its first rows reach a pipe at once; the table, whose
//! columns are as wide as their widest cell, is written when the last row is in. What is written
//! reaches stdout through the command's [`crate::text::SafeWriter`], which makes service text
//! safe for a terminal (a tag cannot send an escape sequence) unless `--raw` was given.

use crate::cli::ListOutput;
use std::io::Write;

/// What a listing command writes its rows to.
pub struct RowWriter<'a, T> {
    output: ListOutput,
    header: &'a [&'a str],
    cells: fn(&T) -> Vec<String>,
    out: std::io::BufWriter<&'a mut dyn Write>,
    rows: usize,
    /// The table's rows, until the widths are known.
    table: Vec<Vec<String>>,
    /// The first write that failed: nothing more is written after it.
    failed: Option<std::io::Error>,
}

impl<'a, T: serde::Serialize> RowWriter<'a, T> {
    pub fn new(
        output: ListOutput,
        header: &'a [&'a str],
        cells: fn(&T) -> Vec<String>,
        out: &'a mut dyn Write,
    ) -> Self {
        let mut w = RowWriter {
            output,
            header,
            cells,
            out: std::io::BufWriter::with_capacity(64 * 1024, out),
            rows: 0,
            table: Vec::new(),
            failed: None,
        };
        if output == ListOutput::Tsv {
            let line = header.join("\t");
            w.write(|out| writeln!(out, "{line}"));
        }
        w
    }

    fn write(&mut self, f: impl FnOnce(&mut std::io::BufWriter<&'a mut dyn Write>) -> std::io::Result<()>) {
        if self.failed.is_none()
            && let Err(e) = f(&mut self.out)
        {
            self.failed = Some(e);
        }
    }

    /// How many rows were written (or taken for the table).
    pub fn count(&self) -> usize {
        self.rows
    }

    /// One row.
    pub fn push(&mut self, row: &T) {
        let first = self.rows == 0;
        self.rows += 1;
        match self.output {
            ListOutput::Table => self.table.push((self.cells)(row)),
            ListOutput::Tsv => {
                let line: Vec<String> = (self.cells)(row).iter().map(|c| tsv_cell(c)).collect();
                self.write(|out| writeln!(out, "{}", line.join("\t")));
            }
            ListOutput::Json => {
                let text = serde_json::to_string_pretty(row).map_err(std::io::Error::other);
                self.write(|out| {
                    let text = text?;
                    // The array's items are indented as a pretty-printed array's would be.
                    let item = text.replace('\n', "\n  ");
                    if first {
                        write!(out, "[\n  {item}")
                    } else {
                        write!(out, ",\n  {item}")
                    }
                });
            }
        }
    }

    /// A page is done: what it wrote goes out now rather than when the buffer fills, so a
    /// reader sees each page as soon as it came.
    pub fn page_done(&mut self) {
        self.write(|out| out.flush());
    }

    /// Ends the listing: the table or the JSON array's end, then the error of a listing that
    /// stopped early. Returns the exit status.
    pub fn finish(mut self, error: Option<String>) -> u8 {
        match self.output {
            ListOutput::Table => {
                let text = super::table(self.header, &self.table);
                self.write(|out| write!(out, "{text}"));
            }
            ListOutput::Json if self.rows == 0 => self.write(|out| writeln!(out, "[]")),
            ListOutput::Json => self.write(|out| writeln!(out, "\n]")),
            ListOutput::Tsv => {}
        }
        self.write(|out| out.flush());
        if let Some(e) = self.failed {
            crate::process::say(&format!("cannot write the listing: {e}"));
            return super::reads::EXIT_FAILED;
        }
        match error {
            Some(e) => {
                crate::process::say(&format!("the listing is partial: {e}"));
                super::reads::EXIT_FAILED
            }
            None => super::reads::EXIT_OK,
        }
    }
}

/// A cell of a TSV line: tabs, line ends and backslashes escaped (`\t`, `\n`, `\r`, `\\`), so
/// service text cannot split a row or a column.
pub(super) fn tsv_cell(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    for c in cell.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Row {
        name: String,
        n: u32,
    }

    fn cells(r: &Row) -> Vec<String> {
        vec![r.name.clone(), r.n.to_string()]
    }

    fn written(output: ListOutput, rows: &[Row]) -> String {
        let mut buf = Vec::new();
        {
            let mut w = RowWriter::new(output, &["NAME", "N"], cells, &mut buf);
            for r in rows {
                w.push(r);
            }
            assert_eq!(w.finish(None), 0);
        }
        String::from_utf8(buf).expect("utf-8")
    }

    fn rows() -> Vec<Row> {
        vec![
            Row {
                name: "a\tb\nc\\".into(),
                n: 1,
            },
            Row {
                name: "long name".into(),
                n: 22,
            },
        ]
    }

    #[test]
    fn json_written_row_by_row_is_the_pretty_printed_array() {
        let rows = rows();
        assert_eq!(
            written(ListOutput::Json, &rows),
            serde_json::to_string_pretty(&rows).expect("json") + "\n"
        );
        assert_eq!(written(ListOutput::Json, &[]), "[]\n");
    }

    #[test]
    fn tsv_escapes_what_would_split_a_row_or_a_column() {
        assert_eq!(
            written(ListOutput::Tsv, &rows()),
            "NAME\tN\na\\tb\\nc\\\\\t1\nlong name\t22\n"
        );
    }

    #[test]
    fn escape_sequences_in_service_text_never_reach_the_terminal() {
        use crate::text::{SafeWriter, Treatment};
        let name = "v1\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{9b}6n";
        let rows = vec![Row {
            name: name.into(),
            n: 1,
        }];
        for (output, treatment) in [
            (ListOutput::Table, Treatment::Text),
            (ListOutput::Tsv, Treatment::Text),
            (ListOutput::Json, Treatment::Json),
        ] {
            // As the commands write: through the one filter on stdout.
            let mut buf = Vec::new();
            {
                let mut safe = SafeWriter::new(&mut buf, treatment);
                let mut w = RowWriter::new(output, &["NAME", "N"], cells, &mut safe);
                w.push(&rows[0]);
                assert_eq!(w.finish(None), 0);
            }
            let text = String::from_utf8(buf).expect("utf-8");
            assert!(
                !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
                "{output:?}: {text:?}"
            );
            if output == ListOutput::Json {
                let back: Vec<serde_json::Value> = serde_json::from_str(&text).expect("JSON");
                assert_eq!(back[0]["name"], name, "JSON decodes to the service's text");
            }
        }
        // Without the filter (--raw), the bytes pass as they are.
        assert!(written(ListOutput::Tsv, &rows).contains('\u{1b}'));
    }

    #[test]
    fn the_table_is_aligned_over_every_row() {
        let t = written(ListOutput::Table, &rows()[1..]);
        assert_eq!(t, "NAME       N\nlong name  22\n");
    }
}
