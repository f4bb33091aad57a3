//! `--mark M[/MASK]`: the packet mark a trace session is limited to.

/// A 32-bit number in decimal or `0x` hexadecimal.
fn number(text: &str, what: &str) -> Result<u32, String> {
    let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (text, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(format!(
            "`{text}`: the {what} must be a number, decimal or 0x hexadecimal"
        ));
    }
    u32::from_str_radix(digits, radix)
        .map_err(|_| format!("`{text}`: the {what} must fit in 32 bits (at most 0xffffffff)"))
}

/// Parses `--mark`'s value: `VALUE` or `VALUE/MASK`, each decimal or `0x` hexadecimal; the
/// mask defaults to `0xffffffff`. Returns `(value, mask)`; a packet matches when
/// `mark & mask == value`, so a value with bits outside the mask is refused (it would match
/// nothing).
pub fn mark_arg(text: &str) -> Result<(u32, u32), String> {
    let text = text.trim();
    let (value, mask) = match text.split_once('/') {
        Some((v, m)) => (number(v, "mark")?, number(m, "mask")?),
        None => (number(text, "mark")?, u32::MAX),
    };
    if value & !mask != 0 {
        return Err(format!(
            "`{text}`: the mark {value:#x} has bits outside the mask {mask:#x}, so no packet \
             would match"
        ));
    }
    Ok((value, mask))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good() {
        let cases: &[(&str, (u32, u32))] = &[
            ("0", (0, u32::MAX)),
            ("1", (1, u32::MAX)),
            ("4294967295", (u32::MAX, u32::MAX)),
            ("0x10", (16, u32::MAX)),
            ("0XfF", (255, u32::MAX)),
            ("0x1/0x1", (1, 1)),
            ("0x100/0xff00", (0x100, 0xff00)),
            ("256/65280", (256, 0xff00)),
            ("0/0", (0, 0)),
            (" 7 ", (7, u32::MAX)),
        ];
        for (text, want) in cases {
            assert_eq!(mark_arg(text), Ok(*want), "{text}");
        }
    }

    #[test]
    fn bad() {
        let cases: &[(&str, &str)] = &[
            ("", "must be a number"),
            ("x", "must be a number"),
            ("0x", "must be a number"),
            ("-1", "must be a number"),
            ("+1", "must be a number"),
            ("1.5", "must be a number"),
            ("4294967296", "32 bits"),
            ("0x100000000", "32 bits"),
            ("1/", "the mask must be a number"),
            ("/1", "the mark must be a number"),
            ("1/2/3", "the mask must be a number"),
            ("3/0x1", "bits outside the mask"),
            ("0x0x1", "must be a number"),
            ("１", "must be a number"),
        ];
        for (text, want) in cases {
            let err = mark_arg(text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
    }
}
