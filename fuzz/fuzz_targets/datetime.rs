//! `DateTime` arguments: any string (or other value) must parse or be refused,
//! never panic; a parsed one round-trips.
#![no_main]

use async_graphql::{InputType, Value};
use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Ok(parsed) = <DateTime<Utc> as InputType>::parse(Some(Value::String(input.into()))) {
        let again = <DateTime<Utc> as InputType>::parse(Some(parsed.to_value())).expect("round trip");
        assert_eq!(again, parsed);
    }
    let _ = <DateTime<Utc> as InputType>::parse(Some(Value::Number(input.len().into())));
});
