//! Enum arguments: any name, as an enum literal or a string from variables, must
//! parse into a value that round-trips or be refused, never panic.
#![no_main]

use async_graphql::{InputType, Name, Value};
use entity::enums::*;
use libfuzzer_sys::fuzz_target;

fn check<T: InputType + PartialEq + std::fmt::Debug>(input: &str) {
    for value in [Value::Enum(Name::new(input)), Value::String(input.into())] {
        if let Ok(parsed) = T::parse(Some(value)) {
            assert_eq!(T::parse(Some(parsed.to_value())).ok(), Some(parsed));
        }
    }
}

fuzz_target!(|input: &str| {
    check::<Channel>(input);
    check::<Direction>(input);
    check::<ConversationState>(input);
    check::<MessageRole>(input);
    check::<Modality>(input);
    check::<TicketStatus>(input);
    check::<TicketPriority>(input);
    check::<TagState>(input);
    check::<RatingType>(input);
    check::<RatingStatus>(input);
    check::<ActivityType>(input);
    check::<AgentRole>(input);
    check::<AttributeKind>(input);
    check::<SentimentTrend>(input);
});
