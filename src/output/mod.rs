//! Printing: decoded events as text lines or JSON objects. Representation lives in `wire`
//! and `packet`; this module only decides how they look.

pub mod clock;
pub mod hooks;
pub mod json;
pub mod names;
pub mod packet;
pub mod paths;
pub mod ruleset;
pub mod text;

use std::io;
use std::time::SystemTime;

use crate::ruleset::snapshot::StepInfo;
use crate::wire::Event;

/// Something that prints events. Acknowledgements and other non-trace messages are skipped.
pub trait EventWriter {
    /// Prints one event; `received` is when its datagram arrived, `step` what the ruleset
    /// snapshot says about it (empty without a snapshot).
    fn write_event(
        &mut self,
        received: SystemTime,
        event: &Event<'_>,
        step: &StepInfo<'_>,
    ) -> io::Result<()>;
    /// Pushes buffered output out (called once per received batch).
    fn flush(&mut self) -> io::Result<()>;
}

/// The one JSON object a writer printed for one event or path, checked to be exactly one
/// line.
#[cfg(test)]
fn one_json_line(bytes: Vec<u8>) -> serde_json::Value {
    let text = String::from_utf8(bytes).expect("UTF-8 output");
    assert!(
        text.ends_with('\n') && text.matches('\n').count() == 1,
        "{text}"
    );
    serde_json::from_str(&text).expect("a JSON object")
}
