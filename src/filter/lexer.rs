//! Splits a filter expression into tokens that remember where they start, so every error can
//! point at its word. Whitespace separates words; `(`, `)`, `!`, `&&` and `||` are tokens of
//! their own even when glued to words (`!(udp||tcp)`), as in tcpdump.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    LParen,
    RParen,
    /// `!`
    Bang,
    /// `&&`
    AndAnd,
    /// `||`
    OrOr,
    /// Anything else: keywords, numbers, addresses (also a lone `&` or `|`, which the parser
    /// rejects with a hint).
    Word,
}

/// One token: its kind, its text and the byte offset of that text in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub kind: TokenKind,
    pub text: &'a str,
    pub offset: usize,
}

impl Token<'_> {
    /// True for the word `word` (keywords are lowercase, as in tcpdump).
    pub fn is_word(&self, word: &str) -> bool {
        self.kind == TokenKind::Word && self.text == word
    }

    /// `and` or `&&`.
    pub fn is_and(&self) -> bool {
        self.kind == TokenKind::AndAnd || self.is_word("and")
    }

    /// `or` or `||`.
    pub fn is_or(&self) -> bool {
        self.kind == TokenKind::OrOr || self.is_word("or")
    }

    /// `not` or `!`.
    pub fn is_not(&self) -> bool {
        self.kind == TokenKind::Bang || self.is_word("not")
    }
}

/// Characters that end a word.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '!' | '&' | '|')
}

/// The tokens of `input`, in order.
pub(crate) fn tokenize(input: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        let single = |kind| Token {
            kind,
            text: &input[offset..offset + c.len_utf8()],
            offset,
        };
        let token = match c {
            c if c.is_whitespace() => continue,
            '(' => single(TokenKind::LParen),
            ')' => single(TokenKind::RParen),
            '!' => single(TokenKind::Bang),
            '&' | '|' => {
                if chars.next_if(|&(_, next)| next == c).is_some() {
                    Token {
                        kind: if c == '&' {
                            TokenKind::AndAnd
                        } else {
                            TokenKind::OrOr
                        },
                        text: &input[offset..offset + 2],
                        offset,
                    }
                } else {
                    single(TokenKind::Word)
                }
            }
            _ => {
                while chars.next_if(|&(_, next)| !is_separator(next)).is_some() {}
                let end = chars.peek().map_or(input.len(), |&(at, _)| at);
                Token {
                    kind: TokenKind::Word,
                    text: &input[offset..end],
                    offset,
                }
            }
        };
        tokens.push(token);
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenKind::*;

    type Lexed<'a> = (TokenKind, &'a str, usize);

    fn lex(input: &str) -> Vec<Lexed<'_>> {
        tokenize(input)
            .into_iter()
            .map(|t| (t.kind, t.text, t.offset))
            .collect()
    }

    #[test]
    fn table() {
        let cases: &[(&str, &[Lexed])] = &[
            ("", &[]),
            ("   \t\n ", &[]),
            ("udp", &[(Word, "udp", 0)]),
            ("  udp  ", &[(Word, "udp", 2)]),
            (
                "(udp||tcp)",
                &[
                    (LParen, "(", 0),
                    (Word, "udp", 1),
                    (OrOr, "||", 4),
                    (Word, "tcp", 6),
                    (RParen, ")", 9),
                ],
            ),
            (
                "!udp&&!tcp",
                &[
                    (Bang, "!", 0),
                    (Word, "udp", 1),
                    (AndAnd, "&&", 4),
                    (Bang, "!", 6),
                    (Word, "tcp", 7),
                ],
            ),
            (
                "host fd00::1 and net 10.0.0.0/8",
                &[
                    (Word, "host", 0),
                    (Word, "fd00::1", 5),
                    (Word, "and", 13),
                    (Word, "net", 17),
                    (Word, "10.0.0.0/8", 21),
                ],
            ),
            (
                "portrange 1-2",
                &[(Word, "portrange", 0), (Word, "1-2", 10)],
            ),
            (
                "a&b|c",
                &[
                    (Word, "a", 0),
                    (Word, "&", 1),
                    (Word, "b", 2),
                    (Word, "|", 3),
                    (Word, "c", 4),
                ],
            ),
            ("&&&", &[(AndAnd, "&&", 0), (Word, "&", 2)]),
            ("é ü", &[(Word, "é", 0), (Word, "ü", 3)]),
            ("x\u{3000}y", &[(Word, "x", 0), (Word, "y", 4)]),
            ("日本)", &[(Word, "日本", 0), (RParen, ")", 6)]),
        ];
        for (input, want) in cases {
            assert_eq!(lex(input), *want, "input {input:?}");
        }
    }

    #[test]
    fn offsets_point_at_the_text() {
        let input = " (ab||é!c) && d|";
        for t in tokenize(input) {
            assert_eq!(&input[t.offset..t.offset + t.text.len()], t.text);
        }
    }
}
