//! Global IDs come back from clients: decoding any string must not panic, and an
//! ID that decodes names the same object when encoded again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parley::ids;

fuzz_target!(|input: &str| {
    if let Some((kind, key)) = ids::decode(input) {
        assert_eq!(ids::decode(&kind.id(key)), Some((kind, key)));
        assert_eq!(ids::decode_as(input, kind), Some(key));
    }
});
