//! Page cursors come back from clients: decoding any string must not panic, and a
//! cursor that decodes must encode to one that decodes to the same key.
#![no_main]

use async_graphql::connection::CursorType;
use libfuzzer_sys::fuzz_target;
use parley::pagination::Cursor;

fuzz_target!(|input: &str| {
    if let Ok(cursor) = Cursor::decode(input) {
        let again = Cursor::decode(&cursor.encode_cursor()).expect("a re-encoded cursor decodes");
        assert_eq!(again.encode_cursor(), cursor.encode_cursor());
    }
});
