//! The one error type of the filter language: which word of the input is wrong and why, with
//! a pointer under that word for the command line.

/// The word used when the input ends where something else was expected.
pub const END_OF_FILTER: &str = "end of filter";

/// A filter expression that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{word}`: {message}")]
pub struct FilterError {
    /// Byte offset of the offending word in the input (the input's length at its end).
    pub offset: usize,
    /// The offending word, or [`END_OF_FILTER`].
    pub word: String,
    /// What is wrong, and what would be right.
    pub message: String,
}

impl FilterError {
    pub(crate) fn new(offset: usize, word: &str, message: impl Into<String>) -> FilterError {
        FilterError {
            offset,
            word: word.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn at_end(input: &str, message: impl Into<String>) -> FilterError {
        FilterError::new(input.len(), END_OF_FILTER, message)
    }

    /// Two lines: the input, then carets under the offending word (one caret past the end for
    /// [`END_OF_FILTER`]). Control characters are shown as spaces so the carets line up; columns
    /// count characters, so wide characters (CJK, emoji) before the word shift it.
    pub fn pointer(&self, input: &str) -> String {
        let shown: String = input
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        format!("{shown}\n{}", self.caret_line(input))
    }

    /// The caret line of [`FilterError::pointer`] alone.
    pub fn caret_line(&self, input: &str) -> String {
        let mut offset = self.offset.min(input.len());
        while !input.is_char_boundary(offset) {
            offset -= 1;
        }
        let column = input[..offset].chars().count();
        let width = if input[offset..].starts_with(self.word.as_str()) {
            self.word.chars().count().max(1)
        } else {
            1
        };
        format!("{}{}", " ".repeat(column), "^".repeat(width))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_quotes_the_word() {
        let e = FilterError::new(4, "foo", "unknown word");
        assert_eq!(e.to_string(), "`foo`: unknown word");
    }

    #[test]
    fn pointer_underlines_the_word() {
        let input = "udp and foo";
        let e = FilterError::new(8, "foo", "x");
        assert_eq!(e.pointer(input), "udp and foo\n        ^^^");
    }

    #[test]
    fn pointer_at_the_end() {
        let input = "port";
        let e = FilterError::at_end(input, "x");
        assert_eq!(e.pointer(input), "port\n    ^");
    }

    #[test]
    fn pointer_counts_characters_not_bytes() {
        let input = "é\tfoo";
        let e = FilterError::new("é\t".len(), "foo", "x");
        assert_eq!(e.pointer(input), "é foo\n  ^^^");
    }

    #[test]
    fn pointer_survives_bad_offsets() {
        let input = "éa";
        for offset in [0, 1, 2, 3, 100] {
            let e = FilterError::new(offset, "zz", "x");
            let p = e.pointer(input);
            assert!(p.starts_with("éa\n"), "{p}");
            assert!(p.ends_with('^'), "{p}");
        }
    }
}
