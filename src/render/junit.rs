//! `junit.xml`: one JUnit test case per gate, so GitLab (`artifacts:reports:junit`) shows
//! a failed `--min-hit-rate` in the merge request's test widget. Written with quick-xml's
//! writer, never `format!`, so a package name in a message cannot break the XML.
//! Not for test results of the Go build itself.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::model::GateOutcome;

/// `junit.xml`: one test case per gate, for `artifacts:reports:junit`, over a report or a
/// comparison alike (the cases are already checked).
pub struct Junit<'a> {
    pub suite: &'static str,
    pub cases: &'a [GateOutcome],
}

impl<T: ?Sized> crate::render::Render<T> for Junit<'_> {
    fn file_name(&self) -> &'static str {
        "junit.xml"
    }

    fn render(&self, _: &T) -> std::io::Result<Vec<u8>> {
        Ok(write(self.suite, self.cases).into_bytes())
    }
}

/// The JUnit XML document for `cases`, as one `<testsuite name="suite">`.
pub fn write(suite: &str, cases: &[GateOutcome]) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into a Vec cannot fail; `document` still returns io::Result for the writer.
    if document(&mut w, suite, cases).is_err() {
        return String::new();
    }
    let mut out = String::from_utf8(w.into_inner()).unwrap_or_default();
    out.push('\n');
    out
}

fn document(w: &mut Writer<Vec<u8>>, suite: &str, cases: &[GateOutcome]) -> std::io::Result<()> {
    let tests = cases.len().to_string();
    let failures = cases.iter().filter(|c| !c.passed).count().to_string();
    let suite = xml_safe(suite);
    let classname = format!("goattrib.{suite}");
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("testsuites")
        .with_attributes([
            ("name", "goattrib"),
            ("tests", tests.as_str()),
            ("failures", failures.as_str()),
            ("errors", "0"),
        ])
        .write_inner_content(|w| {
            w.create_element("testsuite")
                .with_attributes([
                    ("name", suite.as_str()),
                    ("tests", tests.as_str()),
                    ("failures", failures.as_str()),
                    ("errors", "0"),
                    ("skipped", "0"),
                    ("time", "0"),
                ])
                .write_inner_content(|w| {
                    for case in cases {
                        let name = xml_safe(&case.name);
                        let message = xml_safe(&crate::render::gate::message(case));
                        let el = w.create_element("testcase").with_attributes([
                            ("name", name.as_str()),
                            ("classname", classname.as_str()),
                            ("time", "0"),
                        ]);
                        if case.passed {
                            el.write_inner_content(|w| {
                                w.create_element("system-out")
                                    .write_text_content(BytesText::new(&message))?;
                                Ok(())
                            })?;
                        } else {
                            el.write_inner_content(|w| {
                                w.create_element("failure")
                                    .with_attributes([
                                        ("message", message.as_str()),
                                        ("type", "gate"),
                                    ])
                                    .write_text_content(BytesText::new(&message))?;
                                Ok(())
                            })?;
                        }
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    Ok(())
}

/// Replaces characters XML 1.0 does not allow at all (control characters other than tab,
/// newline and carriage return, lone surrogates cannot occur in `str`) with U+FFFD:
/// escaping cannot represent them, and a strict JUnit parser would reject the file.
pub(crate) fn xml_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_messages_stay_text() {
        let cases = [GateOutcome {
            name: "forbid-cause workdir".into(),
            passed: false,
            measure: crate::model::GateMeasure::ForbiddenCause {
                kind: crate::model::CauseKind::Workdir,
                misses: 1,
                packages: vec![
                    "<script>alert(1)</script> \"><img src=x onerror=alert(1)>\u{1}".into(),
                ],
            },
        }];
        let xml = write("gates", &cases);
        assert!(!xml.contains("<script>"), "{xml}");
        assert!(!xml.contains("<img"), "{xml}");
        assert!(xml.contains("&lt;script&gt;"), "{xml}");
        assert!(!xml.contains('\u{1}'));
        assert!(xml.contains(r#"failures="1""#), "{xml}");
    }
}
