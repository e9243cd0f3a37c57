//! `anonymizeContact`: erase a person, for a right-to-erasure request.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::contact::Contact;
use crate::graphql::{attachments, require, writer};
use crate::ids::NodeKind;
use crate::service::anonymize::{AnonymizeContact, contact};

/// Input of `anonymizeContact`.
#[derive(InputObject)]
pub struct AnonymizeContactInput {
    /// The contact to erase.
    pub contact_id: ID,
    /// Close the contact's OPEN or PENDING conversations first; without it the
    /// request is refused with INVALID_STATE while one of them is open.
    #[graphql(default = false)]
    pub force: bool,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `anonymizeContact`.
#[derive(SimpleObject)]
pub struct AnonymizeContactPayload {
    /// The contact as it is now, its personal fields null and `anonymizedAt` set
    /// (null when refused).
    pub contact: Option<Contact>,
    /// Why the contact was not anonymized, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct AnonymizeContactMutation;

#[Object]
impl AnonymizeContactMutation {
    /// Irreversibly erases a person (a right-to-erasure request): the contact's name,
    /// email, organization and avatar, and every conversation the contact requested or
    /// wrote in, as `anonymizeConversation` does. Needs the `admin` scope. The contact
    /// keeps its id, so reports still count it. Running it again changes nothing.
    async fn anonymize_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whom to erase.")] input: AnonymizeContactInput,
    ) -> Result<AnonymizeContactPayload> {
        let viewer = require(ctx, Scope::Admin)?;
        let request = AnonymizeContact {
            contact_id: input_id(&input.contact_id, NodeKind::Contact)?,
            force: input.force,
        };
        let (erased, user_errors) =
            settle(contact(writer(ctx)?, attachments(ctx)?, viewer, request).await)?;
        Ok(AnonymizeContactPayload {
            contact: erased.map(Contact),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
