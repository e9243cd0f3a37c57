//! What the viewer may do to a row right now, from the token's scopes and the row's
//! state: the rules the writes apply, answered ahead of time so that a UI can grey
//! out a button (`viewerCanClaim`, ...) instead of learning it from a refusal. A
//! `true` is not a promise: a concurrent change can still refuse the write.

use entity::conversation;
use entity::enums::ConversationState;

use crate::auth::{Scope, Viewer};

/// The conversation writes the viewer may start.
pub struct ConversationCapabilities {
    /// `claimConversation` without `force`: open, and unassigned or the viewer's.
    pub claim: bool,
    /// `claimConversation` with `force`: open, assigned to another agent.
    pub take_over: bool,
    /// `closeConversation`: not closed yet.
    pub close: bool,
    /// `reopenConversation`: closed.
    pub reopen: bool,
    /// `transferConversation`, `addMessage`, tagging and attributes: not closed.
    pub change: bool,
    /// `addNote` and rating writes, which closed conversations accept too.
    pub annotate: bool,
    /// `anonymizeConversation` (closed ones; open ones only with `force`).
    pub anonymize: bool,
}

/// What the viewer may do to `conv`.
pub fn conversation(viewer: &Viewer, conv: &conversation::Model) -> ConversationCapabilities {
    let write = viewer.scopes.has(Scope::ConversationWrite);
    let open = conv.state != ConversationState::Closed;
    let mine_or_free = conv.assignee_id.is_none_or(|a| a == viewer.agent_id);
    ConversationCapabilities {
        claim: write && open && mine_or_free,
        take_over: write && open && !mine_or_free,
        close: write && open,
        reopen: write && !open,
        change: write && open,
        annotate: write,
        anonymize: write,
    }
}

/// The ticket writes the viewer may start: every one needs `ticket:write` alone,
/// since a ticket follows its own status (see `service::tickets`).
pub fn ticket_writes(viewer: &Viewer) -> bool {
    viewer.scopes.has(Scope::TicketWrite)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::auth::Scopes;
    use crate::service::rules::tests::conversation_in;

    fn viewer(scopes: &str) -> Viewer {
        Viewer {
            tenant: Arc::from("t"),
            agent_id: 7,
            scopes: Scopes::parse(scopes),
            expires_at: None,
        }
    }

    #[test]
    fn follow_the_scopes_and_the_state() {
        use ConversationState::*;
        let writer = viewer("conversation:read conversation:write");
        let reader = viewer("conversation:read");
        let free = conversation(&writer, &conversation_in(Open, None));
        assert!(free.claim && !free.take_over && free.close && !free.reopen && free.change);
        let theirs = conversation(&writer, &conversation_in(Pending, Some(8)));
        assert!(!theirs.claim && theirs.take_over && theirs.close);
        let mine = conversation(&writer, &conversation_in(Open, Some(7)));
        assert!(mine.claim && !mine.take_over);
        let closed = conversation(&writer, &conversation_in(Closed, Some(7)));
        assert!(!closed.claim && !closed.close && closed.reopen && !closed.change);
        assert!(closed.annotate && closed.anonymize);
        let read_only = conversation(&reader, &conversation_in(Open, None));
        assert!(!read_only.claim && !read_only.close && !read_only.annotate);
        assert!(ticket_writes(&viewer("ticket:write")) && !ticket_writes(&reader));
    }
}
