//! Builds the rows of one tenant in memory, deterministically from a seed.
//!
//! Ids are assigned here, continuing after the largest id already in each table, so that
//! rows can point at each other before anything is written.

mod compose;
mod writer;

use std::collections::HashSet;

use entity::enums::{AgentRole, AttributeKind, TagState};
use entity::{
    activity, agent, contact, conversation, conversation_attribute_value, conversation_tag,
    custom_attribute_definition, flow, message, note, queue, rating, tag, tenant, ticket,
    ticket_tag, voice_session,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use self::writer::ConversationWriter;
use super::text;

const SECOND: i64 = 1_000_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Conversations are created over this many days before the anchor.
const HISTORY_DAYS: i64 = 180;

/// The largest id of each table before seeding; ids are handed out after it.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct NextIds {
    pub agent: i64,
    pub contact: i64,
    pub queue: i64,
    pub conversation: i64,
    pub message: i64,
    pub ticket: i64,
    pub tag: i64,
    pub note: i64,
    pub rating: i64,
    pub activity: i64,
    pub definition: i64,
    pub flow: i64,
}

fn next(id: &mut i64) -> i64 {
    *id += 1;
    *id
}

/// Who a tenant is and how much to generate for it.
pub(super) struct TenantSpec {
    pub id: String,
    pub name: String,
    pub conversations: u32,
    pub rng_seed: u64,
    /// Fixed agent names (first, last) with short emails `first@<tenant>.parley.dev`;
    /// when unset, 12 random names with emails `first.last@<tenant>.parley.dev`.
    pub agents: Option<&'static [(&'static str, &'static str)]>,
}

/// The rows a tenant has once, before its conversations.
pub(super) struct TenantRows {
    pub tenant: tenant::Model,
    pub agents: Vec<agent::Model>,
    pub queues: Vec<queue::Model>,
    pub contacts: Vec<contact::Model>,
    pub tags: Vec<tag::Model>,
    pub definitions: Vec<custom_attribute_definition::Model>,
    pub flows: Vec<flow::Model>,
}

/// The rows of a run of conversations, in the order they must be inserted.
#[derive(Default)]
pub(super) struct Batch {
    pub conversations: Vec<conversation::Model>,
    pub messages: Vec<message::Model>,
    pub tickets: Vec<ticket::Model>,
    pub ticket_tags: Vec<ticket_tag::Model>,
    pub conversation_tags: Vec<conversation_tag::Model>,
    pub notes: Vec<note::Model>,
    pub ratings: Vec<rating::Model>,
    pub attribute_values: Vec<conversation_attribute_value::Model>,
    pub activities: Vec<activity::Model>,
    pub voice_sessions: Vec<voice_session::Model>,
}

/// An agent as the conversations refer to them.
struct AgentRef {
    id: i64,
    first_name: String,
}

/// A contact as the conversations refer to them.
struct ContactRef {
    id: i64,
    first_name: String,
    email: Option<String>,
    organization: Option<&'static str>,
    /// Job title in the contact's ticket signature.
    title: &'static str,
}

/// The tenant-wide rows every conversation refers to; fixed once `tenant_rows` ran.
#[derive(Default)]
struct Directory {
    tenant_id: String,
    agents: Vec<AgentRef>,
    contacts: Vec<ContactRef>,
    /// In `text::QUEUES` order.
    queue_ids: Vec<i64>,
    /// In `text::TAGS` order.
    tag_ids: Vec<i64>,
    order_definition: i64,
    plan_definition: i64,
}

/// What moves on with every conversation generated.
struct Progress {
    rng: ChaCha8Rng,
    ids: NextIds,
    last_ticket_number: i64,
    /// Links per tag, in `text::TAGS` order: (tickets, conversations).
    tag_links: Vec<(i64, i64)>,
}

/// Generates a tenant's rows; call [`Generator::tenant_rows`] once, then
/// [`Generator::conversations`] for consecutive runs of numbers.
pub(super) struct Generator {
    directory: Directory,
    progress: Progress,
    /// `conversations.id` of number 1 minus 1.
    conversation_base: i64,
    total: i64,
    /// Creation time of number 1 and the time between two conversations.
    start: i64,
    step: i64,
    anchor: i64,
}

impl Generator {
    /// `anchor` is "now" of the data: every timestamp lies before it.
    pub fn new(spec: &TenantSpec, ids: NextIds, anchor: i64) -> Self {
        let total = i64::from(spec.conversations.max(1));
        // Leave the last days free so that conversations of number M can still run.
        let span = (HISTORY_DAYS - 3) * DAY;
        Self {
            directory: Directory {
                tenant_id: spec.id.clone(),
                ..Directory::default()
            },
            progress: Progress {
                rng: ChaCha8Rng::seed_from_u64(spec.rng_seed),
                ids,
                last_ticket_number: 0,
                tag_links: vec![(0, 0); text::TAGS.len()],
            },
            conversation_base: ids.conversation,
            total,
            start: anchor - HISTORY_DAYS * DAY,
            step: (span / total).max(1),
            anchor,
        }
    }

    pub fn last_ticket_number(&self) -> i64 {
        self.progress.last_ticket_number
    }

    /// Each tag id with its number of ticket and conversation links so far.
    pub fn tag_links(&self) -> impl Iterator<Item = (i64, (i64, i64))> + '_ {
        let tag_ids = self.directory.tag_ids.iter().copied();
        tag_ids.zip(self.progress.tag_links.iter().copied())
    }

    pub fn tenant_rows(&mut self, spec: &TenantSpec) -> TenantRows {
        let created_at = self.anchor - (HISTORY_DAYS + 20) * DAY;
        let tenant_id = self.directory.tenant_id.clone();
        let Progress { rng, ids, .. } = &mut self.progress;

        let agents = agent_rows(rng, ids, spec, created_at);
        self.directory.agents = agents
            .iter()
            .map(|a| AgentRef {
                id: a.id,
                first_name: a.name.split(' ').next().unwrap_or(&a.name).to_owned(),
            })
            .collect();

        let queues: Vec<queue::Model> = text::QUEUES
            .iter()
            .map(|name| queue::Model {
                id: next(&mut ids.queue),
                tenant_id: tenant_id.clone(),
                name: (*name).to_owned(),
                created_at,
            })
            .collect();
        self.directory.queue_ids = queues.iter().map(|q| q.id).collect();

        let count = (self.total / 3).max(1);
        let (contacts, refs) = contact_rows(rng, ids, &tenant_id, count, created_at);
        self.directory.contacts = refs;

        let tags: Vec<tag::Model> = text::TAGS
            .iter()
            .map(|spec| tag::Model {
                id: next(&mut ids.tag),
                tenant_id: tenant_id.clone(),
                name: spec.name.to_owned(),
                name_key: spec.name.to_lowercase(),
                state: if spec.active {
                    TagState::Active
                } else {
                    TagState::Inactive
                },
                relevant: spec.relevant,
                score: round2(if spec.relevant {
                    rng.random_range(0.3..1.0)
                } else {
                    rng.random_range(0.0..0.2)
                }),
                // Set once every link exists; see `tag_links`.
                tickets_count: 0,
                conversations_count: 0,
                created_at,
            })
            .collect();
        self.directory.tag_ids = tags.iter().map(|t| t.id).collect();

        let definition = |id, identifier: &str, name: &str, kind, options: &str| {
            custom_attribute_definition::Model {
                id,
                tenant_id: tenant_id.clone(),
                identifier: identifier.to_owned(),
                name: name.to_owned(),
                kind,
                options: options.to_owned(),
                created_at,
            }
        };
        self.directory.order_definition = next(&mut ids.definition);
        self.directory.plan_definition = next(&mut ids.definition);
        let definitions = vec![
            definition(
                self.directory.order_definition,
                "order_id",
                "Order ID",
                AttributeKind::Text,
                "[]",
            ),
            definition(
                self.directory.plan_definition,
                "plan",
                "Plan",
                AttributeKind::Select,
                r#"["free","pro","enterprise"]"#,
            ),
        ];

        let flows = text::FLOWS
            .iter()
            .map(|(name, channel, endpoint)| flow::Model {
                id: next(&mut ids.flow),
                tenant_id: tenant_id.clone(),
                name: (*name).to_owned(),
                channel: *channel,
                contact_endpoint_id: endpoint.map(|e| e.replace("{tenant}", &tenant_id)),
                created_at,
            })
            .collect();

        TenantRows {
            tenant: tenant::Model {
                id: tenant_id,
                name: spec.name.clone(),
                created_at,
            },
            agents,
            queues,
            contacts,
            tags,
            definitions,
            flows,
        }
    }

    /// Generates conversations `numbers` (1-based, consecutive across calls) into `batch`.
    pub fn conversations(&mut self, numbers: std::ops::RangeInclusive<i64>, batch: &mut Batch) {
        for number in numbers {
            let jitter = self.progress.rng.random_range(0..self.step);
            let created_at = self.start + (number - 1) * self.step + jitter;
            ConversationWriter::new(
                &self.directory,
                &mut self.progress,
                batch,
                self.conversation_base + number,
                number,
                created_at,
                self.anchor,
            )
            .write();
        }
    }
}

fn agent_rows(
    rng: &mut ChaCha8Rng,
    ids: &mut NextIds,
    spec: &TenantSpec,
    created_at: i64,
) -> Vec<agent::Model> {
    let names: Vec<(&str, &str, String)> = match spec.agents {
        Some(fixed) => fixed
            .iter()
            .map(|&(first, last)| {
                let email = format!("{}@{}.parley.dev", first.to_lowercase(), spec.id);
                (first, last, email)
            })
            .collect(),
        None => {
            let mut seen = HashSet::new();
            let mut names = Vec::new();
            while names.len() < 12 {
                let (first, last) = (pick(rng, text::FIRST_NAMES), pick(rng, text::LAST_NAMES));
                if seen.insert((first, last)) {
                    let email = format!(
                        "{}.{}@{}.parley.dev",
                        first.to_lowercase(),
                        last.to_lowercase(),
                        spec.id
                    );
                    names.push((first, last, email));
                }
            }
            names
        }
    };
    names
        .into_iter()
        .enumerate()
        .map(|(i, (first, last, email))| agent::Model {
            id: next(&mut ids.agent),
            tenant_id: spec.id.clone(),
            name: format!("{first} {last}"),
            email,
            role: if i == 0 {
                AgentRole::Admin
            } else {
                AgentRole::Agent
            },
            created_at,
        })
        .collect()
}

fn contact_rows(
    rng: &mut ChaCha8Rng,
    ids: &mut NextIds,
    tenant_id: &str,
    count: i64,
    tenant_created_at: i64,
) -> (Vec<contact::Model>, Vec<ContactRef>) {
    let mut rows = Vec::new();
    let mut refs = Vec::new();
    // Emails are unique per tenant (ignoring case), as the schema requires.
    let mut taken = std::collections::HashSet::new();
    for n in 1..=count {
        let (first, last) = (pick(rng, text::FIRST_NAMES), pick(rng, text::LAST_NAMES));
        let organization = rng.random_bool(0.7).then(|| pick(rng, text::ORGANIZATIONS));
        let email = match organization {
            _ if rng.random_bool(0.05) => None,
            Some((_, domain)) => Some(format!(
                "{}.{}@{domain}",
                first.to_lowercase(),
                last.to_lowercase()
            )),
            None => Some(format!(
                "{}.{}{}@{}",
                first.to_lowercase(),
                last.to_lowercase(),
                n % 100,
                pick(rng, text::PERSONAL_DOMAINS)
            )),
        }
        .map(|email| match email.split_once('@') {
            Some((user, domain)) if taken.contains(&email) => format!("{user}.{n}@{domain}"),
            _ => email,
        });
        if let Some(email) = &email {
            taken.insert(email.clone());
        }
        let avatar_url = rng
            .random_bool(0.4)
            .then(|| format!("https://avatars.example.com/{tenant_id}/{n}.png"));
        let id = next(&mut ids.contact);
        refs.push(ContactRef {
            id,
            first_name: first.to_owned(),
            email: email.clone(),
            organization: organization.map(|(name, _)| name),
            title: pick(rng, text::JOB_TITLES),
        });
        rows.push(contact::Model {
            id,
            tenant_id: tenant_id.to_owned(),
            external_id: Some(format!("crm-{n}")),
            email,
            first_name: Some(first.to_owned()),
            last_name: Some(last.to_owned()),
            organization_name: organization.map(|(name, _)| name.to_owned()),
            organization_domain: organization.map(|(_, domain)| domain.to_owned()),
            avatar_url,
            anonymized_at: None,
            created_at: tenant_created_at + rng.random_range(0..20 * DAY),
        });
    }
    (rows, refs)
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// A uniformly chosen element; `items` is one of the non-empty constant lists.
fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    *pick_ref(rng, items)
}

fn pick_ref<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Like [`pick`], but never the element picked last time from the same list.
fn pick_fresh<T: Copy>(rng: &mut ChaCha8Rng, items: &[T], last: &mut Option<usize>) -> T {
    let mut index = rng.random_range(0..items.len());
    if *last == Some(index) {
        index = (index + 1) % items.len();
    }
    *last = Some(index);
    items[index]
}

/// An element chosen with probability proportional to its weight.
fn weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (item, weight) in items {
        if roll < *weight {
            return *item;
        }
        roll -= weight;
    }
    items[items.len() - 1].0
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use entity::enums::MessageRole;

    use super::*;

    /// The seeded `sentimentTrend` is what `addMessage` computes from the same
    /// messages: the USER messages' stored sentiments, oldest first, by the one rule.
    #[test]
    fn seeded_sentiment_trends_follow_the_write_rule() {
        let spec = TenantSpec {
            id: "tenant-1".into(),
            name: "Tenant 1".into(),
            conversations: 300,
            rng_seed: 7,
            agents: None,
        };
        let mut generator = Generator::new(&spec, NextIds::default(), 200 * DAY);
        generator.tenant_rows(&spec);
        let mut batch = Batch::default();
        generator.conversations(1..=300, &mut batch);

        let mut messages: Vec<&message::Model> = batch.messages.iter().collect();
        messages.sort_by_key(|m| (m.conversation_id, m.created_at, m.id));
        let mut user_sentiments: HashMap<i64, Vec<f64>> = HashMap::new();
        for m in messages.iter().filter(|m| m.role == MessageRole::User) {
            let sentiments = user_sentiments.entry(m.conversation_id).or_default();
            sentiments.extend(m.sentiment);
        }
        let mut trends = 0;
        for conv in &batch.conversations {
            let sentiments = user_sentiments.remove(&conv.id).unwrap_or_default();
            let written = crate::text::sentiment_trend(&sentiments);
            assert_eq!(
                conv.sentiment_trend, written,
                "conversation {} with USER sentiments {sentiments:?}",
                conv.number
            );
            trends += usize::from(written.is_some());
        }
        assert!(trends > 50, "only {trends} conversations have a trend");
    }
}
