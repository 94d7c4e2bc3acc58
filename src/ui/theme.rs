//! Themes: named styles loaded from TOML (`assets/themes/*.toml` are built in; any file with the
//! same keys can be named in the config). `NO_COLOR` selects the monochrome theme.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::str::FromStr;

const DEFAULT: &str = include_str!("../../assets/themes/default.toml");
const MONOCHROME: &str = include_str!("../../assets/themes/monochrome.toml");

/// The styles panes draw with.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub header: Style,
    pub header_title: Style,
    pub badge_readonly: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub border: Style,
    pub border_focus: Style,
    pub text: Style,
    pub muted: Style,
    pub key: Style,
    pub ok: Style,
    pub warning: Style,
    pub danger: Style,
    pub danger_border: Style,
    pub selected: Style,
    pub footer: Style,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: String,
    styles: Styles,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Styles {
    header: StyleSpec,
    header_title: StyleSpec,
    badge_readonly: StyleSpec,
    tab: StyleSpec,
    tab_active: StyleSpec,
    border: StyleSpec,
    border_focus: StyleSpec,
    text: StyleSpec,
    muted: StyleSpec,
    key: StyleSpec,
    ok: StyleSpec,
    warning: StyleSpec,
    danger: StyleSpec,
    danger_border: StyleSpec,
    selected: StyleSpec,
    footer: StyleSpec,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underlined: bool,
    #[serde(default)]
    reversed: bool,
}

impl StyleSpec {
    fn to_style(&self, key: &str) -> Result<Style, String> {
        let color = |c: &Option<String>| -> Result<Option<Color>, String> {
            c.as_deref()
                .map(|c| {
                    Color::from_str(c).map_err(|_| {
                        format!(
                            "style `{key}`: `{c}` is not a colour (a name such as cyan, an index 0-255, or #rrggbb)"
                        )
                    })
                })
                .transpose()
        };
        let mut style = Style::default();
        if let Some(fg) = color(&self.fg)? {
            style = style.fg(fg);
        }
        if let Some(bg) = color(&self.bg)? {
            style = style.bg(bg);
        }
        for (on, m) in [
            (self.bold, Modifier::BOLD),
            (self.dim, Modifier::DIM),
            (self.italic, Modifier::ITALIC),
            (self.underlined, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
        ] {
            if on {
                style = style.add_modifier(m);
            }
        }
        Ok(style)
    }
}

impl Theme {
    /// Parses a theme document; the error says which style is wrong.
    pub fn parse(text: &str) -> Result<Theme, String> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| e.message().trim().to_string())?;
        let s = &file.styles;
        Ok(Theme {
            name: file.name,
            header: s.header.to_style("header")?,
            header_title: s.header_title.to_style("header_title")?,
            badge_readonly: s.badge_readonly.to_style("badge_readonly")?,
            tab: s.tab.to_style("tab")?,
            tab_active: s.tab_active.to_style("tab_active")?,
            border: s.border.to_style("border")?,
            border_focus: s.border_focus.to_style("border_focus")?,
            text: s.text.to_style("text")?,
            muted: s.muted.to_style("muted")?,
            key: s.key.to_style("key")?,
            ok: s.ok.to_style("ok")?,
            warning: s.warning.to_style("warning")?,
            danger: s.danger.to_style("danger")?,
            danger_border: s.danger_border.to_style("danger_border")?,
            selected: s.selected.to_style("selected")?,
            footer: s.footer.to_style("footer")?,
        })
    }

    pub fn default_theme() -> Theme {
        // Built in and covered by a test, so this cannot fail at run time.
        Theme::parse(DEFAULT).unwrap_or_else(|_| Theme::plain())
    }

    pub fn monochrome() -> Theme {
        Theme::parse(MONOCHROME).unwrap_or_else(|_| Theme::plain())
    }

    /// Styles with no attributes at all, the last resort.
    fn plain() -> Theme {
        let s = Style::default();
        Theme {
            name: "plain".into(),
            header: s,
            header_title: s,
            badge_readonly: s,
            tab: s,
            tab_active: s,
            border: s,
            border_focus: s,
            text: s,
            muted: s,
            key: s,
            ok: s,
            warning: s,
            danger: s,
            danger_border: s,
            selected: s,
            footer: s,
        }
    }

    /// The theme for a config value (`default`, `monochrome` or a file path), honouring
    /// `NO_COLOR` over everything but an explicit theme file.
    pub fn select(configured: Option<&str>, no_color: bool) -> Result<Theme, String> {
        match configured {
            Some("monochrome") => Ok(Theme::monochrome()),
            Some("default") | None if no_color => Ok(Theme::monochrome()),
            Some("default") | None => Ok(Theme::default_theme()),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read theme file {path}: {e}"))?;
                Theme::parse(&text).map_err(|e| format!("theme file {path}: {e}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_themes_parse() {
        assert_eq!(Theme::parse(DEFAULT).expect("default theme").name, "default");
        assert_eq!(Theme::parse(MONOCHROME).expect("mono theme").name, "monochrome");
    }

    #[test]
    fn monochrome_uses_no_colour() {
        let t = Theme::monochrome();
        for s in [t.header, t.tab_active, t.danger, t.ok, t.selected, t.key] {
            assert_eq!(s.fg, None);
            assert_eq!(s.bg, None);
        }
    }

    #[test]
    fn no_color_picks_monochrome_unless_a_file_is_named() {
        assert_eq!(Theme::select(None, true).map(|t| t.name), Ok("monochrome".into()));
        assert_eq!(
            Theme::select(Some("default"), false).map(|t| t.name),
            Ok("default".into())
        );
    }

    #[test]
    fn bad_colour_names_the_style() {
        let text = DEFAULT.replace("fg = \"green\"", "fg = \"greeen\"");
        let e = Theme::parse(&text).unwrap_err();
        assert!(e.contains("style `ok`") && e.contains("greeen"), "{e}");
    }
}
