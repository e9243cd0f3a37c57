//! The scopes a token can carry.

/// One permission named in a token's space-separated `scope` claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    ConversationRead,
    ConversationWrite,
    TicketRead,
    TicketWrite,
    Admin,
}

impl Scope {
    /// Every scope, in the order they are listed to clients.
    pub const ALL: [Scope; 5] = [
        Scope::ConversationRead,
        Scope::ConversationWrite,
        Scope::TicketRead,
        Scope::TicketWrite,
        Scope::Admin,
    ];

    /// The scope's name in tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ConversationRead => "conversation:read",
            Scope::ConversationWrite => "conversation:write",
            Scope::TicketRead => "ticket:read",
            Scope::TicketWrite => "ticket:write",
            Scope::Admin => "admin",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of scopes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    /// Parses a space-separated scope claim; unknown names are ignored.
    pub fn parse(claim: &str) -> Scopes {
        Scopes(
            claim
                .split_whitespace()
                .filter_map(|name| Scope::ALL.into_iter().find(|s| s.as_str() == name))
                .fold(0, |bits, s| bits | s.bit()),
        )
    }

    /// Whether `scope` is in the set.
    pub fn has(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    /// The scopes in the set, by name.
    pub fn names(self) -> Vec<&'static str> {
        Scope::ALL
            .into_iter()
            .filter(|s| self.has(*s))
            .map(Scope::as_str)
            .collect()
    }
}
