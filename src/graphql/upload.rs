//! `Upload`: a file sent with the request as a `multipart/form-data` part (the
//! GraphQL multipart request spec), and reading the files an input names.

use async_graphql::{Context, InputValueError, InputValueResult, Scalar, ScalarType, Value};

use crate::error::{Error, Result};
use crate::service::attachments::NewFile;

/// What async-graphql writes into a variable in place of the file part the
/// request's `map` points there, followed by the file's index in the request.
const PLACEHOLDER: &str = "#__graphql_file__:";

/// A file of the request, by its index. Parley's own scalar rather than
/// async-graphql's `Upload`, which unwraps the number after the placeholder (a
/// client writing `"#__graphql_file__:x"` into a JSON request would panic it) and
/// indexes the request's files unchecked; this one refuses both as BAD_USER_INPUT.
#[derive(Debug, Clone, Copy)]
pub struct Upload(usize);

/// A file sent with the request as a `multipart/form-data` part, following the
/// GraphQL multipart request spec: the variable is null in `operations` and the
/// request's `map` points a file part at it. Requests with files must carry the
/// `Authorization` header.
#[Scalar(
    name = "Upload",
    specified_by_url = "https://github.com/jaydenseric/graphql-multipart-request-spec"
)]
impl ScalarType for Upload {
    fn parse(value: Value) -> InputValueResult<Self> {
        if let Value::String(text) = &value
            && let Some(index) = text.strip_prefix(PLACEHOLDER).and_then(|n| n.parse().ok())
        {
            return Ok(Upload(index));
        }
        Err(InputValueError::custom(
            "a file is sent as a part of a multipart/form-data request (the GraphQL multipart \
             request spec), with its variable null in `operations`",
        ))
    }

    fn to_value(&self) -> Value {
        Value::Null
    }
}

/// The files `uploads` name, read from the request; one that names no file of the
/// request is BAD_USER_INPUT.
pub fn files(ctx: &Context<'_>, uploads: Option<Vec<Upload>>) -> Result<Vec<NewFile>> {
    uploads
        .unwrap_or_default()
        .into_iter()
        .map(|Upload(index)| {
            let file = ctx.query_env.uploads.get(index).ok_or_else(|| {
                Error::bad_input(
                    "an `Upload` names no file of this request: send files as parts of a \
                     multipart/form-data request",
                )
            })?;
            Ok(NewFile::new(file.filename.clone(), file.content.clone()))
        })
        .collect()
}
