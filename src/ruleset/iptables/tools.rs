//! Running the `*-save` tools (`iptables-legacy-save`, `ip6tables-nft-save`, ...) in the
//! calling thread's network namespace (a child process inherits the namespace of the thread
//! that starts it). A tool that is not installed is not an error: its text is just missing.

use std::io;
use std::process::{Command, Stdio};

use super::error::IptablesError;
use super::save::{parse_save, SaveDump};

/// Runs `tool` (with `-t table` when given) and parses its output; `Ok(None)` when the tool
/// is not installed.
pub fn run_save(tool: &str, table: Option<&str>) -> Result<Option<SaveDump>, IptablesError> {
    let mut command = Command::new(tool);
    if let Some(table) = table {
        command.args(["-t", table]);
    }
    let output = match command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
    {
        Ok(output) => output,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(IptablesError::ToolStart {
                tool: tool.to_owned(),
                source,
            })
        }
    };
    if !output.status.success() {
        return Err(IptablesError::ToolFailed {
            tool: tool.to_owned(),
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr)
                .trim_end()
                .to_owned(),
        });
    }
    parse_save(tool, &String::from_utf8_lossy(&output.stdout)).map(Some)
}
