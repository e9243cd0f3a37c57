//! Builds the rows of one tenant in memory, deterministically from a seed.
//!
//! Ids are assigned here, continuing after the largest id already in each table, so that
//! rows can point at each other before anything is written.

use std::collections::HashSet;

use entity::enums::{
    ActivityType, AgentRole, AttributeKind, Channel, ConversationState, Direction, MessageRole,
    Modality, RatingStatus, RatingType, SentimentTrend, TagState, TicketPriority, TicketStatus,
};
use entity::{
    activity, agent, contact, conversation, conversation_attribute_value, conversation_tag,
    custom_attribute_definition, message, note, queue, rating, tag, tenant, ticket, ticket_tag,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::text::{self, Case, Line, Topic};

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
}

/// What the text of a conversation refers to.
struct ContactRef {
    id: i64,
    first_name: String,
    email: Option<String>,
    organization: Option<&'static str>,
    title: &'static str,
}

struct AgentRef {
    id: i64,
    first_name: String,
}

/// Generates a tenant's rows; call [`Generator::tenant_rows`] once, then
/// [`Generator::conversations`] for consecutive runs of numbers.
pub(super) struct Generator {
    rng: ChaCha8Rng,
    tenant_id: String,
    ids: NextIds,
    /// `conversations.id` of number 1 minus 1.
    conversation_base: i64,
    total: i64,
    /// Creation time of number 1 and the time between two conversations.
    start: i64,
    step: i64,
    anchor: i64,
    agents: Vec<AgentRef>,
    contacts: Vec<ContactRef>,
    queue_ids: Vec<i64>,
    tag_ids: Vec<i64>,
    order_definition: i64,
    plan_definition: i64,
    last_ticket_number: i64,
    /// Links per tag, in `text::TAGS` order: (tickets, conversations).
    tag_links: Vec<(i64, i64)>,
}

impl Generator {
    /// `anchor` is "now" of the data: every timestamp lies before it.
    pub fn new(spec: &TenantSpec, ids: NextIds, anchor: i64) -> Self {
        let total = i64::from(spec.conversations.max(1));
        // Leave the last days free so that conversations of number M can still run.
        let span = (HISTORY_DAYS - 3) * DAY;
        Self {
            rng: ChaCha8Rng::seed_from_u64(spec.rng_seed),
            tenant_id: spec.id.clone(),
            conversation_base: ids.conversation,
            ids,
            total,
            start: anchor - HISTORY_DAYS * DAY,
            step: (span / total).max(1),
            anchor,
            agents: Vec::new(),
            contacts: Vec::new(),
            queue_ids: Vec::new(),
            tag_ids: Vec::new(),
            order_definition: 0,
            plan_definition: 0,
            last_ticket_number: 0,
            tag_links: vec![(0, 0); text::TAGS.len()],
        }
    }

    pub fn last_ticket_number(&self) -> i64 {
        self.last_ticket_number
    }

    /// Each tag with its number of ticket and conversation links so far.
    pub fn tag_links(&self) -> impl Iterator<Item = (i64, (i64, i64))> + '_ {
        self.tag_ids
            .iter()
            .copied()
            .zip(self.tag_links.iter().copied())
    }

    pub fn tenant_rows(&mut self, spec: &TenantSpec) -> TenantRows {
        let created_at = self.anchor - (HISTORY_DAYS + 20) * DAY;
        let tenant_id = self.tenant_id.clone();
        let tenant = tenant::Model {
            id: tenant_id.clone(),
            name: spec.name.clone(),
            created_at,
        };

        let agents = self.agents_rows(spec, created_at);
        self.agents = agents
            .iter()
            .map(|a| AgentRef {
                id: a.id,
                first_name: a.name.split(' ').next().unwrap_or(&a.name).to_owned(),
            })
            .collect();

        let queues: Vec<queue::Model> = text::QUEUES
            .iter()
            .map(|name| queue::Model {
                id: next(&mut self.ids.queue),
                tenant_id: tenant_id.clone(),
                name: (*name).to_owned(),
                created_at,
            })
            .collect();
        self.queue_ids = queues.iter().map(|q| q.id).collect();

        let contacts = self.contact_rows(created_at);

        let tags: Vec<tag::Model> = text::TAGS
            .iter()
            .map(|spec| {
                let score = if spec.relevant {
                    self.rng.random_range(0.3..1.0)
                } else {
                    self.rng.random_range(0.0..0.2)
                };
                tag::Model {
                    id: next(&mut self.ids.tag),
                    tenant_id: tenant_id.clone(),
                    name: spec.name.to_owned(),
                    name_key: spec.name.to_lowercase(),
                    state: if spec.active {
                        TagState::Active
                    } else {
                        TagState::Inactive
                    },
                    relevant: spec.relevant,
                    score: round2(score),
                    // Set once every link exists; see `tag_links`.
                    tickets_count: 0,
                    conversations_count: 0,
                    created_at,
                }
            })
            .collect();
        self.tag_ids = tags.iter().map(|t| t.id).collect();

        self.order_definition = next(&mut self.ids.definition);
        self.plan_definition = next(&mut self.ids.definition);
        let definitions = vec![
            custom_attribute_definition::Model {
                id: self.order_definition,
                tenant_id: tenant_id.clone(),
                identifier: "order_id".to_owned(),
                name: "Order ID".to_owned(),
                kind: AttributeKind::Text,
                options: "[]".to_owned(),
                created_at,
            },
            custom_attribute_definition::Model {
                id: self.plan_definition,
                tenant_id: tenant_id.clone(),
                identifier: "plan".to_owned(),
                name: "Plan".to_owned(),
                kind: AttributeKind::Select,
                options: r#"["free","pro","enterprise"]"#.to_owned(),
                created_at,
            },
        ];

        TenantRows {
            tenant,
            agents,
            queues,
            contacts,
            tags,
            definitions,
        }
    }

    fn agents_rows(&mut self, spec: &TenantSpec, created_at: i64) -> Vec<agent::Model> {
        let names: Vec<(String, String, String)> = match spec.agents {
            Some(fixed) => fixed
                .iter()
                .map(|(first, last)| {
                    let email = format!("{}@{}.parley.dev", first.to_lowercase(), self.tenant_id);
                    ((*first).to_owned(), (*last).to_owned(), email)
                })
                .collect(),
            None => {
                let mut seen = HashSet::new();
                let mut names = Vec::new();
                while names.len() < 12 {
                    let first = pick(&mut self.rng, text::FIRST_NAMES);
                    let last = pick(&mut self.rng, text::LAST_NAMES);
                    if seen.insert((first, last)) {
                        let email = format!(
                            "{}.{}@{}.parley.dev",
                            first.to_lowercase(),
                            last.to_lowercase(),
                            self.tenant_id
                        );
                        names.push((first.to_owned(), last.to_owned(), email));
                    }
                }
                names
            }
        };
        names
            .into_iter()
            .enumerate()
            .map(|(i, (first, last, email))| agent::Model {
                id: next(&mut self.ids.agent),
                tenant_id: self.tenant_id.clone(),
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

    fn contact_rows(&mut self, tenant_created_at: i64) -> Vec<contact::Model> {
        let count = (self.total / 3).max(1);
        let mut rows = Vec::with_capacity(count as usize);
        for n in 1..=count {
            let first = pick(&mut self.rng, text::FIRST_NAMES);
            let last = pick(&mut self.rng, text::LAST_NAMES);
            let organization = self
                .rng
                .random_bool(0.7)
                .then(|| pick(&mut self.rng, text::ORGANIZATIONS));
            let email = match organization {
                _ if self.rng.random_bool(0.05) => None,
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
                    pick(&mut self.rng, text::PERSONAL_DOMAINS)
                )),
            };
            let avatar_url = self
                .rng
                .random_bool(0.4)
                .then(|| format!("https://avatars.example.com/{}/{n}.png", self.tenant_id));
            let id = next(&mut self.ids.contact);
            self.contacts.push(ContactRef {
                id,
                first_name: first.to_owned(),
                email: email.clone(),
                organization: organization.map(|(name, _)| name),
                title: pick(&mut self.rng, text::JOB_TITLES),
            });
            rows.push(contact::Model {
                id,
                tenant_id: self.tenant_id.clone(),
                external_id: Some(format!("crm-{n}")),
                email,
                first_name: Some(first.to_owned()),
                last_name: Some(last.to_owned()),
                organization_name: organization.map(|(name, _)| name.to_owned()),
                organization_domain: organization.map(|(_, domain)| domain.to_owned()),
                avatar_url,
                anonymized_at: None,
                created_at: tenant_created_at + self.rng.random_range(0..20 * DAY),
            });
        }
        rows
    }

    /// Generates conversations `numbers` (1-based, consecutive across calls) into `batch`.
    pub fn conversations(&mut self, numbers: std::ops::RangeInclusive<i64>, batch: &mut Batch) {
        for number in numbers {
            self.conversation(number, batch);
        }
    }

    fn conversation(&mut self, number: i64, batch: &mut Batch) {
        let rng = &mut self.rng;
        let id = self.conversation_base + number;
        let created_at = self.start + (number - 1) * self.step + rng.random_range(0..self.step);
        let channel = weighted(rng, CHANNELS);
        let direction = if rng.random_bool(0.1) {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        let state = weighted(
            rng,
            &[
                (ConversationState::Open, 40),
                (ConversationState::Pending, 20),
                (ConversationState::Closed, 40),
            ],
        );
        let language = weighted(rng, &[("en", 80), ("de", 8), ("fr", 6), ("es", 6)]);
        let script = Script::new(rng, language);
        let topic = script.topic;
        let contact = rng.random_range(0..self.contacts.len());
        // An outbound conversation was started by an agent, so it always has one.
        let assignee = (direction == Direction::Outbound || rng.random_bool(0.85))
            .then(|| rng.random_range(0..self.agents.len()));
        // Who answers: the assignee, or a teammate who replied without claiming.
        let responder = assignee.unwrap_or_else(|| rng.random_range(0..self.agents.len()));
        let mut queue = if rng.random_bool(0.85) {
            topic.queue
        } else {
            rng.random_range(0..self.queue_ids.len())
        };
        let contact_ref = &self.contacts[contact];
        let vars = Vars {
            first: &contact_ref.first_name,
            agent: &self.agents[responder].first_name,
            org: contact_ref.organization.unwrap_or("your company"),
            product: pick(rng, text::PRODUCTS),
            app: pick(rng, text::APPS),
            plan: pick(rng, text::PLANS),
            error: pick(rng, text::ERRORS),
            order: format!("#{}", rng.random_range(100_000..1_000_000)),
            amount: format!(
                "${}.{:02}",
                rng.random_range(9..500),
                rng.random_range(0..100)
            ),
            days: rng.random_range(3..11).to_string(),
        };

        let case = script.case;
        let subject = vars.fill(case.subject);
        // The customer's request: what the first customer message and the ticket say.
        let (problem, problem_sentiment) = case.problem;
        let mut request = vars.fill(problem);
        let mut request_sentiments = vec![problem_sentiment];
        // The detail comes with the request or in the customer's next message.
        let mut detail_told = rng.random_bool(0.5);
        if detail_told {
            request.push(' ');
            request.push_str(&vars.fill(case.detail.0));
            request_sentiments.push(case.detail.1);
        }

        // Messages alternate between the two sides; the state says who spoke last.
        let mut count = 1 + (0..11).filter(|_| rng.random_bool(0.45)).count() as i64;
        let customer_first = direction == Direction::Inbound;
        let customer_last = (count % 2 == 1) == customer_first;
        let wanted_customer_last = match state {
            ConversationState::Open => Some(true),
            ConversationState::Pending => Some(false),
            ConversationState::Closed => None,
        };
        if wanted_customer_last.is_some_and(|wanted| wanted != customer_last) {
            count = if count < 12 { count + 1 } else { count - 1 };
        }
        let times = message_times(rng, channel, created_at, count, self.anchor);
        let updated_at = *times.last().unwrap_or(&created_at);

        let email = channel == Channel::Email;
        let modality = if channel == Channel::Phone {
            Modality::Voice
        } else {
            Modality::Text
        };
        let assistant_first =
            customer_first && channel == Channel::WidgetChat && rng.random_bool(0.4);
        // The team turn that first answers the request (after the outreach or the assistant).
        let first_reply_turn = usize::from(!customer_first || assistant_first);
        let team_turns = (0..count)
            .filter(|i| (i % 2 == 0) != customer_first)
            .count();
        let mut team_turn = 0;
        let mut sentiments = Vec::with_capacity(count as usize);
        let mut message_ids = Vec::with_capacity(count as usize);
        let mut last_customer_sentiment = problem_sentiment;
        let (mut last_follow_up, mut last_agent_follow_up) = (None, None);
        for (i, created) in (0..count).zip(times.iter().copied()) {
            let last = i == count - 1;
            let customer = (i % 2 == 0) == customer_first;
            let mut body = Body::new(email);
            let role;
            if customer {
                role = MessageRole::User;
                if i <= 1 && customer_first == (i == 0) {
                    body.push(&vars, pick(rng, script.greetings), None);
                    body.push_raw(&request, &request_sentiments);
                } else if last && state == ConversationState::Closed {
                    body.line(&vars, pick(rng, script.thanks));
                } else if last && rng.random_bool(0.5) {
                    body.line(&vars, pick(rng, script.frustration));
                } else if !detail_told {
                    detail_told = true;
                    body.line(&vars, case.detail);
                } else {
                    body.line(
                        &vars,
                        pick_fresh(rng, script.follow_ups, &mut last_follow_up),
                    );
                }
                last_customer_sentiment = body.sentiment();
            } else {
                let turn = team_turn;
                team_turn += 1;
                if assistant_first && turn == 0 {
                    role = MessageRole::Assistant;
                    body.line(&vars, pick(rng, text::ASSISTANT_LINES));
                } else {
                    role = MessageRole::Agent;
                    if i == 0 || turn == first_reply_turn {
                        body.line(&vars, pick(rng, script.agent_greetings));
                    } else if email || script.translated {
                        // Later emails open with the plain greeting.
                        body.line(&vars, script.agent_greetings[0]);
                    }
                    let line = if i == 0 {
                        pick(rng, script.outreach)
                    } else if turn == team_turns - 1 && state != ConversationState::Open {
                        case.resolution
                    } else if turn == first_reply_turn {
                        case.reply
                    } else {
                        pick_fresh(rng, script.agent_follow_ups, &mut last_agent_follow_up)
                    };
                    body.line(&vars, line);
                    if last && state == ConversationState::Closed && rng.random_bool(0.6) {
                        body.line(&vars, pick(rng, script.closings));
                    }
                    if email {
                        body.signoff(pick(rng, text::AGENT_SIGNOFFS), vars.agent);
                    }
                }
            }
            let sentiment =
                round2((body.sentiment() + rng.random_range(-0.05..0.05)).clamp(-1.0, 1.0));
            sentiments.push(sentiment);
            let message_id = next(&mut self.ids.message);
            message_ids.push(message_id);
            let (text, html) = body.finish();
            batch.messages.push(message::Model {
                id: message_id,
                tenant_id: self.tenant_id.clone(),
                conversation_id: id,
                direction: if customer {
                    Direction::Inbound
                } else {
                    Direction::Outbound
                },
                role,
                author_agent_id: (role == MessageRole::Agent).then(|| self.agents[responder].id),
                author_contact_id: customer.then_some(contact_ref.id),
                text,
                html,
                external_id: external_message_id(channel, number, i),
                language: Some(language.to_owned()),
                modality,
                sentiment: Some(sentiment),
                created_at: created,
                anonymized_at: None,
            });
        }

        let mut activities = Vec::new();
        let entry = |kind: ActivityType, occurred_at: i64, actor: Option<i64>| activity::Model {
            id: 0,
            tenant_id: self.tenant_id.clone(),
            conversation_id: Some(id),
            kind,
            actor_id: actor,
            occurred_at,
            agent_id: None,
            from_queue_id: None,
            to_queue_id: None,
            tag_id: None,
            message_id: None,
            note_id: None,
            rating_id: None,
            ticket_id: None,
        };
        let assignee_id = assignee.map(|a| self.agents[a].id);
        let span = updated_at - created_at;
        activities.push(entry(
            ActivityType::ConversationCreated,
            created_at,
            (direction == Direction::Outbound)
                .then_some(assignee_id)
                .flatten(),
        ));
        let assigned_at =
            assignee.map(|_| created_at + rng.random_range(30 * SECOND..HOUR).min(span / 2));
        if let Some(at) = assigned_at {
            activities.push(activity::Model {
                agent_id: assignee_id,
                ..entry(ActivityType::Claimed, at, assignee_id)
            });
        }
        let mut queued_at = created_at;
        let mut transferred = false;
        if assignee.is_some() && rng.random_bool(0.05) {
            let from = queue;
            queue = (queue + rng.random_range(1..self.queue_ids.len())) % self.queue_ids.len();
            queued_at = created_at + span / 3;
            transferred = true;
            activities.push(activity::Model {
                from_queue_id: Some(self.queue_ids[from]),
                to_queue_id: Some(self.queue_ids[queue]),
                ..entry(ActivityType::Transferred, queued_at, assignee_id)
            });
        }

        // Tickets: the request first, sometimes a second one about another problem.
        let tickets = weighted(rng, &[(0, 20), (1, 60), (2, 20)]);
        for j in 0..tickets {
            let (body, body_sentiment) = if j == 0 {
                (request.clone(), mean(&request_sentiments))
            } else {
                let (line, sentiment) = script.other.problem;
                (vars.fill(line), sentiment)
            };
            let ticket_created = created_at + j * MINUTE + rng.random_range(0..30 * SECOND);
            self.last_ticket_number += 1;
            let ticket_number = self.last_ticket_number;
            let ticket_id = next(&mut self.ids.ticket);
            let source = if email {
                pick(rng, text::TICKET_SOURCES)
            } else {
                source_of(channel)
            };
            let salutation = if script.translated {
                pick(rng, script.greetings).to_string()
            } else {
                format!("{} {}.", pick(rng, &["Hey", "Hi", "Hello"]), vars.agent)
            };
            let signature = match contact_ref.organization {
                Some(org) => format!("{}\n{} of {org}", vars.first, contact_ref.title),
                None => vars.first.to_owned(),
            };
            let closing = pick(rng, text::TICKET_CLOSINGS);
            let original_text = format!("{salutation}\n{body}\n{closing}\n{signature}\n");
            let original_html = (source == "email").then(|| {
                let mut html = String::new();
                for line in original_text.lines() {
                    html.push_str("<p>");
                    escape_html_into(&mut html, line);
                    html.push_str("</p>");
                }
                html
            });
            let status = match state {
                ConversationState::Open => {
                    weighted(rng, &[(TicketStatus::New, 40), (TicketStatus::Open, 60)])
                }
                ConversationState::Pending => weighted(
                    rng,
                    &[(TicketStatus::Pending, 70), (TicketStatus::OnHold, 30)],
                ),
                ConversationState::Closed => weighted(
                    rng,
                    &[(TicketStatus::Solved, 60), (TicketStatus::Closed, 40)],
                ),
            };
            let priority = weighted(
                rng,
                &[
                    (TicketPriority::Low, 20),
                    (TicketPriority::Normal, 50),
                    (TicketPriority::High, 20),
                    (TicketPriority::Urgent, 10),
                ],
            );
            let sla_hours = match priority {
                TicketPriority::Urgent => 4,
                TicketPriority::High => 24,
                TicketPriority::Normal => 72,
                TicketPriority::Low => 168,
            };
            let solved = matches!(status, TicketStatus::Solved | TicketStatus::Closed);
            let escalated = matches!(priority, TicketPriority::High | TicketPriority::Urgent)
                && rng.random_bool(0.3);
            batch.tickets.push(ticket::Model {
                id: ticket_id,
                tenant_id: self.tenant_id.clone(),
                number: ticket_number,
                external_id: Some(format!("tkt-{ticket_number}")),
                conversation_id: Some(id),
                source: Some(source.to_owned()),
                sender: contact_ref.email.clone(),
                original_text,
                original_html,
                cleanest_body: Some(body),
                status,
                priority,
                sla_due_at: rng
                    .random_bool(0.75)
                    .then(|| ticket_created + sla_hours * HOUR),
                ai_resolved: solved && rng.random_bool(0.15),
                escalation_reason: escalated
                    .then(|| pick(rng, text::ESCALATION_REASONS).to_string()),
                unread: rng.random_bool(0.3),
                created_at: ticket_created,
                updated_at: ticket_created.max(updated_at),
            });
            activities.push(activity::Model {
                ticket_id: Some(ticket_id),
                ..entry(ActivityType::TicketCreated, ticket_created, None)
            });
            let count = weighted(rng, &[(0, 20), (1, 35), (2, 30), (3, 15)]);
            for (k, tag) in choose_tags(rng, topic, count).into_iter().enumerate() {
                self.tag_links[tag].0 += 1;
                let salience = if k == 0 {
                    rng.random_range(0.5..1.0)
                } else {
                    rng.random_range(0.1..0.6)
                };
                batch.ticket_tags.push(ticket_tag::Model {
                    tenant_id: self.tenant_id.clone(),
                    ticket_id,
                    tag_id: self.tag_ids[tag],
                    salience: round2(salience),
                    sentiment: round2(
                        (body_sentiment + rng.random_range(-0.2..0.2)).clamp(-1.0, 1.0),
                    ),
                    created_at: ticket_created,
                });
            }
        }

        let tag_count = weighted(rng, &[(0, 10), (1, 30), (2, 30), (3, 20), (4, 10)]);
        for tag in choose_tags(rng, topic, tag_count) {
            self.tag_links[tag].1 += 1;
            let tag_id = self.tag_ids[tag];
            let at = created_at + rng.random_range(MINUTE..30 * MINUTE).min(span);
            batch.conversation_tags.push(conversation_tag::Model {
                tenant_id: self.tenant_id.clone(),
                conversation_id: id,
                tag_id,
                created_at: at,
            });
            activities.push(activity::Model {
                tag_id: Some(tag_id),
                ..entry(ActivityType::Tagged, at, assignee_id)
            });
        }

        let notes = weighted(rng, &[(0, 55), (1, 35), (2, 10)]);
        for _ in 0..notes {
            let author = assignee_id.unwrap_or(self.agents[responder].id);
            let at = created_at + rng.random_range(0..=span);
            let note_id = next(&mut self.ids.note);
            batch.notes.push(note::Model {
                id: note_id,
                tenant_id: self.tenant_id.clone(),
                conversation_id: id,
                author_id: Some(author),
                body: vars.fill(pick(rng, text::NOTES)),
                created_at: at,
                anonymized_at: None,
            });
            activities.push(activity::Model {
                note_id: Some(note_id),
                ..entry(ActivityType::NoteAdded, at, Some(author))
            });
        }

        let closed = state == ConversationState::Closed;
        if rng.random_bool(if closed { 0.45 } else { 0.05 }) {
            let rating_id = next(&mut self.ids.rating);
            let rating_type = if rng.random_bool(0.7) {
                RatingType::Csat
            } else {
                RatingType::ThumbsUpOrDown
            };
            let submitted = closed && rng.random_bool(0.65);
            let happy = last_customer_sentiment > 0.0;
            let score = submitted.then(|| match (rating_type, happy) {
                (RatingType::Csat, true) => weighted(rng, &[(5, 60), (4, 35), (3, 5)]),
                (RatingType::Csat, false) => weighted(rng, &[(1, 45), (2, 40), (3, 15)]),
                (RatingType::ThumbsUpOrDown, true) => weighted(rng, &[(1, 90), (0, 10)]),
                (RatingType::ThumbsUpOrDown, false) => weighted(rng, &[(0, 80), (1, 20)]),
            });
            let comment = (submitted && rng.random_bool(0.4)).then(|| {
                let comments = if happy {
                    text::POSITIVE_RATING_COMMENTS
                } else {
                    text::NEGATIVE_RATING_COMMENTS
                };
                vars.fill(pick(rng, comments))
            });
            let offered_at = updated_at;
            let submitted_at = submitted.then(|| {
                (offered_at + rng.random_range(MINUTE..2 * HOUR)).min(self.anchor - SECOND)
            });
            batch.ratings.push(rating::Model {
                id: rating_id,
                tenant_id: self.tenant_id.clone(),
                conversation_id: id,
                rating_type,
                status: if submitted {
                    RatingStatus::Submitted
                } else {
                    RatingStatus::Offered
                },
                score,
                comment,
                agent_id: assignee_id,
                contact_id: Some(contact_ref.id),
                language: Some(language.to_owned()),
                offered_at,
                submitted_at,
            });
            activities.push(activity::Model {
                rating_id: Some(rating_id),
                ..entry(ActivityType::RatingOffered, offered_at, None)
            });
            if let Some(at) = submitted_at {
                activities.push(activity::Model {
                    rating_id: Some(rating_id),
                    ..entry(ActivityType::RatingSubmitted, at, None)
                });
            }
        }

        if rng.random_bool(0.3) {
            let at = created_at + rng.random_range(0..=span);
            let with_order = rng.random_bool(0.7);
            if with_order {
                batch
                    .attribute_values
                    .push(conversation_attribute_value::Model {
                        tenant_id: self.tenant_id.clone(),
                        conversation_id: id,
                        definition_id: self.order_definition,
                        text: Some(format!("ORD-{}", vars.order.trim_start_matches('#'))),
                        values: "[]".to_owned(),
                        updated_at: at,
                    });
            }
            if !with_order || rng.random_bool(0.5) {
                batch
                    .attribute_values
                    .push(conversation_attribute_value::Model {
                        tenant_id: self.tenant_id.clone(),
                        conversation_id: id,
                        definition_id: self.plan_definition,
                        text: None,
                        values: format!(r#"["{}"]"#, vars.plan),
                        updated_at: at,
                    });
            }
            activities.push(entry(ActivityType::AttributesChanged, at, assignee_id));
        }

        let closed_at = closed.then_some(updated_at);
        if let Some(at) = closed_at {
            activities.push(entry(ActivityType::Closed, at, assignee_id));
        }

        let parent_id = (number > 1 && rng.random_bool(0.03))
            .then(|| id - rng.random_range(1..=(number - 1).min(500)));

        batch.conversations.push(conversation::Model {
            id,
            tenant_id: self.tenant_id.clone(),
            number,
            external_id: Some(format!("ext-{number}")),
            channel,
            direction,
            state,
            subject: Some(subject),
            language: Some(language.to_owned()),
            requester_id: Some(contact_ref.id),
            assignee_id,
            assigned_at,
            queue_id: Some(self.queue_ids[queue]),
            queued_at: Some(queued_at),
            parent_id,
            last_message_id: message_ids.last().copied(),
            sentiment_trend: sentiment_trend(&sentiments),
            version: 1
                + i64::from(assignee.is_some())
                + i64::from(transferred)
                + i64::from(state != ConversationState::Open),
            created_at,
            updated_at,
            state_updated_at: match state {
                ConversationState::Open => created_at,
                ConversationState::Pending | ConversationState::Closed => updated_at,
            },
            closed_at,
            anonymized_at: None,
        });

        // Ids follow the order in which things happened.
        activities.sort_by_key(|a| a.occurred_at);
        for mut entry in activities {
            entry.id = next(&mut self.ids.activity);
            batch.activities.push(entry);
        }
    }
}

/// Up to `count` distinct tags (indexes into `text::TAGS`): the topic's, sometimes a general one.
fn choose_tags(rng: &mut ChaCha8Rng, topic: &Topic, count: usize) -> Vec<usize> {
    let mut chosen = Vec::with_capacity(count);
    for k in 0..count {
        let name = if k > 0 && rng.random_bool(0.15) {
            pick(rng, text::GENERAL_TAGS)
        } else {
            pick(rng, topic.tags)
        };
        if let Some(index) = text::TAGS.iter().position(|t| t.name == name)
            && !chosen.contains(&index)
        {
            chosen.push(index);
        }
    }
    chosen
}

const CHANNELS: &[(Channel, u32)] = &[
    (Channel::Email, 35),
    (Channel::WidgetChat, 25),
    (Channel::Messenger, 8),
    (Channel::Whatsapp, 10),
    (Channel::Phone, 10),
    (Channel::Sms, 5),
    (Channel::Api, 4),
    (Channel::Other, 3),
];

/// The times of `count` messages starting at `start`, paced like the channel, all before `anchor`.
fn message_times(
    rng: &mut ChaCha8Rng,
    channel: Channel,
    start: i64,
    count: i64,
    anchor: i64,
) -> Vec<i64> {
    let (min_gap, max_gap) = match channel {
        Channel::Phone => (10 * SECOND, 2 * MINUTE),
        Channel::WidgetChat | Channel::Messenger | Channel::Whatsapp | Channel::Sms => {
            (20 * SECOND, 15 * MINUTE)
        }
        Channel::Email | Channel::Api | Channel::Other => (10 * MINUTE, 20 * HOUR),
    };
    let gaps: Vec<i64> = (1..count)
        .map(|_| rng.random_range(min_gap..max_gap))
        .collect();
    let total: i64 = gaps.iter().sum();
    let room = anchor - MINUTE - start;
    let mut times = Vec::with_capacity(count as usize);
    let mut at = start;
    times.push(at);
    for gap in gaps {
        // Squeeze a late conversation's pace so that it ends before the anchor.
        at += if total > room {
            i64::try_from(i128::from(gap) * i128::from(room.max(0)) / i128::from(total))
                .unwrap_or(0)
        } else {
            gap
        };
        times.push(at);
    }
    times
}

fn sentiment_trend(sentiments: &[f64]) -> Option<SentimentTrend> {
    if sentiments.len() < 2 {
        return None;
    }
    let (first, second) = sentiments.split_at(sentiments.len() / 2);
    let change = mean(second) - mean(first);
    Some(if change > 0.2 {
        SentimentTrend::Up
    } else if change < -0.2 {
        SentimentTrend::Down
    } else {
        SentimentTrend::Flat
    })
}

fn source_of(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "email",
        Channel::WidgetChat => "chat",
        Channel::Messenger => "messenger",
        Channel::Whatsapp => "whatsapp",
        Channel::Phone => "phone",
        Channel::Sms => "sms",
        Channel::Api => "api",
        Channel::Other => "other",
    }
}

/// Providers that give messages ids of their own.
fn external_message_id(channel: Channel, number: i64, index: i64) -> Option<String> {
    match channel {
        Channel::Email => Some(format!("<msg-{number}-{index}@mail.parley.dev>")),
        Channel::Messenger | Channel::Whatsapp | Channel::Sms | Channel::Api => {
            Some(format!("msg-{number}-{index}"))
        }
        Channel::WidgetChat | Channel::Phone | Channel::Other => None,
    }
}

/// What a conversation says: its topic and case, and the lines around them, in English or
/// from the phrasebook of its language.
struct Script {
    translated: bool,
    topic: &'static Topic,
    case: &'static Case,
    /// Another case of the topic, for a second ticket.
    other: &'static Case,
    greetings: &'static [&'static str],
    follow_ups: &'static [Line],
    thanks: &'static [Line],
    frustration: &'static [Line],
    agent_greetings: &'static [Line],
    outreach: &'static [Line],
    agent_follow_ups: &'static [Line],
    closings: &'static [Line],
}

impl Script {
    fn new(rng: &mut ChaCha8Rng, language: &str) -> Self {
        if let Some(book) = text::PHRASEBOOKS.iter().find(|p| p.language == language) {
            let (topic, case) = pick_ref(rng, book.cases);
            let (_, other) = pick_ref(rng, book.cases);
            return Self {
                translated: true,
                topic: &text::TOPICS[*topic],
                case,
                other,
                greetings: book.greetings,
                follow_ups: book.follow_ups,
                thanks: book.thanks,
                frustration: book.frustration,
                agent_greetings: book.agent_greetings,
                outreach: book.outreach,
                agent_follow_ups: book.agent_follow_ups,
                closings: book.closings,
            };
        }
        let topic = pick_ref(rng, text::TOPICS);
        Self {
            translated: false,
            topic,
            case: pick_ref(rng, topic.cases),
            other: pick_ref(rng, topic.cases),
            greetings: text::CUSTOMER_GREETINGS,
            follow_ups: text::CUSTOMER_FOLLOW_UPS,
            thanks: text::CUSTOMER_THANKS,
            frustration: text::CUSTOMER_FRUSTRATION,
            agent_greetings: text::AGENT_GREETINGS,
            outreach: text::AGENT_OUTREACH,
            agent_follow_ups: text::AGENT_FOLLOW_UPS,
            closings: text::AGENT_CLOSINGS,
        }
    }
}

/// The values a conversation's templates are filled with.
struct Vars<'a> {
    first: &'a str,
    agent: &'a str,
    org: &'a str,
    product: &'static str,
    app: &'static str,
    plan: &'static str,
    error: &'static str,
    order: String,
    amount: String,
    days: String,
}

impl Vars<'_> {
    fn fill(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + 32);
        self.fill_into(&mut out, template);
        out
    }

    fn fill_into(&self, out: &mut String, template: &str) {
        let start = out.len();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            let key = &rest[open + 1..open + close];
            out.push_str(match key {
                "first" => self.first,
                "agent" => self.agent,
                "org" => self.org,
                "product" => self.product,
                "app" => self.app,
                "plan" => self.plan,
                "error" => self.error,
                "order" => &self.order,
                "amount" => &self.amount,
                "days" => &self.days,
                _ => &rest[open..=open + close],
            });
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        // A sentence that starts with a placeholder ("{app} crashes") starts with a capital.
        if template.starts_with('{')
            && let Some(first) = out[start..].chars().next()
            && first.is_lowercase()
        {
            let upper: String = first.to_uppercase().collect();
            out.replace_range(start..start + first.len_utf8(), &upper);
        }
    }
}

/// The text of a message under construction: chat lines run on, email lines are paragraphs.
struct Body {
    email: bool,
    text: String,
    sentiments: Vec<f64>,
}

impl Body {
    fn new(email: bool) -> Self {
        Self {
            email,
            text: String::with_capacity(256),
            sentiments: Vec::with_capacity(4),
        }
    }

    fn separate(&mut self) {
        if self.email && !self.text.is_empty() {
            self.text.push_str("\n\n");
        } else if self.text.ends_with(',') {
            // A chat message puts its greeting ("Hi Anna,") on a line of its own.
            self.text.push('\n');
        } else if !self.text.is_empty() {
            self.text.push(' ');
        }
    }

    fn push(&mut self, vars: &Vars<'_>, template: &str, sentiment: Option<f64>) {
        self.separate();
        vars.fill_into(&mut self.text, template);
        self.sentiments.extend(sentiment);
    }

    fn line(&mut self, vars: &Vars<'_>, (template, sentiment): Line) {
        self.push(vars, template, Some(sentiment));
    }

    fn push_raw(&mut self, filled: &str, sentiments: &[f64]) {
        self.separate();
        self.text.push_str(filled);
        self.sentiments.extend_from_slice(sentiments);
    }

    fn signoff(&mut self, closing: &str, name: &str) {
        self.separate();
        self.text.push_str(closing);
        self.text.push('\n');
        self.text.push_str(name);
    }

    fn sentiment(&self) -> f64 {
        mean(&self.sentiments)
    }

    /// The text, and for email its HTML: one paragraph per block, `<br>` per line break.
    fn finish(self) -> (String, Option<String>) {
        let html = self.email.then(|| {
            let mut html = String::with_capacity(self.text.len() + 64);
            for paragraph in self.text.split("\n\n") {
                html.push_str("<p>");
                for (i, line) in paragraph.split('\n').enumerate() {
                    if i > 0 {
                        html.push_str("<br>");
                    }
                    escape_html_into(&mut html, line);
                }
                html.push_str("</p>");
            }
            html
        });
        (self.text, html)
    }
}

fn escape_html_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
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
