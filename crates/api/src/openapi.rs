//! The OpenAPI document, collected from the registered handlers and completed
//! with the error responses every operation can give. `openapi.yaml` at the
//! repository root is this document; a test keeps them equal.

use actix_web::App;
use utoipa::{
    Modify, OpenApi,
    openapi::{
        Content, Ref, RefOr, ResponseBuilder,
        path::Operation,
        security::{Http, HttpAuthScheme, SecurityScheme},
    },
};
use utoipa_actix_web::AppExt;

use crate::error::{PROBLEM_JSON, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "filmroom",
        description = "Asynchronous call review for sales teams: reps pick two calls a week, review \
                       themselves, share with their manager, and the weekly 1:1 coaches on clips.\n\n\
                       Errors are RFC 9457 problem details with a stable `code`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    components(schemas(Problem)),
    modifiers(&BearerAuth),
    tags(
        (name = "operations", description = "Health, readiness, metrics and this document"),
        (name = "people", description = "The caller and the people of their organisation"),
        (name = "tokens", description = "API tokens"),
        (name = "calls", description = "Recorded calls: upload, analysis, playback"),
        (name = "comments", description = "Timestamped comments on calls"),
        (name = "one-on-ones", description = "The weekly 1:1: cadence, clip segment, action items, follow-through, focus skill"),
        (name = "webhooks", description = "Signed event deliveries to other systems"),
        (name = "email", description = "Invites, reminders, digests and 1:1 notices by email: the log, resending, each person's choices"),
        (name = "integrations", description = "Dialers: integration tokens, pushed calls, recording callbacks"),
        (name = "search", description = "Full-text search over transcripts and comments"),
        (name = "reviews", description = "The weekly two-call review: nominations, states, scores, rubric, progress, team board"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        for (name, description) in STANDARD_RESPONSES {
            components.responses.insert(
                (*name).to_owned(),
                RefOr::T(
                    ResponseBuilder::new()
                        .description(*description)
                        .content(PROBLEM_JSON, Content::new(Some(Ref::from_schema_name("Problem"))))
                        .build(),
                ),
            );
        }
    }
}

const STANDARD_RESPONSES: &[(&str, &str)] = &[
    ("BadRequest", "Malformed JSON, query string or path id"),
    ("Unauthorized", "Missing, invalid or revoked token, or a deactivated user"),
    ("Forbidden", "The caller's role does not allow this"),
    ("NotFound", "No such thing, or the caller cannot see it"),
    ("PayloadTooLarge", "The body is larger than allowed"),
    ("UnsupportedMediaType", "The body is not `application/json`"),
    (
        "Conflict",
        "The thing is not in a state that allows this, or an Idempotency-Key is still in use",
    ),
    ("UnprocessableEntity", "A field is missing, unknown, or has an invalid value"),
    ("InternalError", "The server failed; the body carries the request id"),
];

/// Adds the error responses an operation can give, judged from its shape.
fn add_standard_responses(operation: &mut Operation) {
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let params = operation.parameters.as_deref().unwrap_or_default();
    let has_path = params.iter().any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Path)));
    let has_query = params.iter().any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query)));
    let has_body = operation.request_body.is_some();
    let mut wanted = Vec::new();
    if has_path || has_query || has_body {
        wanted.push(("400", "BadRequest"));
    }
    if secured {
        wanted.extend([("401", "Unauthorized"), ("403", "Forbidden")]);
    }
    if has_path {
        wanted.push(("404", "NotFound"));
    }
    if has_body {
        wanted.extend([("413", "PayloadTooLarge"), ("415", "UnsupportedMediaType")]);
    }
    if secured && has_path && has_body {
        // Changes to an existing thing can meet it in a state that forbids them.
        wanted.push(("409", "Conflict"));
    }
    if has_body || has_query || has_path {
        wanted.push(("422", "UnprocessableEntity"));
    }
    if secured || has_body {
        wanted.push(("500", "InternalError"));
    }
    for (status, name) in wanted {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
    }
}

/// Operations whose response carries a secret shown once, and the field it is in.
const SHOWN_ONCE: &[(&str, &str)] = &[
    ("create_token", "secret"),
    ("create_integration_token", "secret"),
    ("create_webhook", "secret"),
    ("create_invite", "url"),
];

/// Names of the response headers declared once under `components/headers`.
const REQUEST_ID_HEADER: &str = "X-Request-Id";
const REPLAYED_HEADER: &str = "Idempotent-Replayed";

/// Declares the headers responses carry, once, for operations to refer to.
fn declare_headers(components: &mut utoipa::openapi::Components) {
    use utoipa::openapi::{
        header::HeaderBuilder,
        schema::{ObjectBuilder, Type},
    };
    let string = || ObjectBuilder::new().schema_type(Type::String);
    components.headers.insert(
        REQUEST_ID_HEADER.to_owned(),
        RefOr::T(
            HeaderBuilder::new()
                .schema(Some(string()))
                .description(Some(
                    "This request's id, also in a problem's `request_id`; quote it in bug reports \
                     (the server's log has it beside what happened).",
                ))
                .build(),
        ),
    );
    components.headers.insert(
        REPLAYED_HEADER.to_owned(),
        RefOr::T(
            HeaderBuilder::new()
                .schema(Some(string().enum_values(Some(["true"]))))
                .description(Some(
                    "`true` when this is the kept response to an earlier request with the same \
                     `Idempotency-Key`, sent again instead of acting twice; absent otherwise.",
                ))
                .build(),
        ),
    );
}

/// Adds the headers every response carries (and, on a POST's successes, the
/// replay marker) to a response defined in place.
fn add_response_headers(response: &mut RefOr<utoipa::openapi::Response>, replayable: bool) {
    let RefOr::T(response) = response else { return };
    let mut names = vec![REQUEST_ID_HEADER];
    if replayable {
        names.push(REPLAYED_HEADER);
    }
    for name in names {
        response
            .headers
            .entry(name.to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::new(format!("#/components/headers/{name}"))));
    }
}

/// Lists every problem `code` where the field is described, from the one
/// table of codes, so the list cannot drift.
fn describe_problem_codes(components: &mut utoipa::openapi::Components) {
    use utoipa::openapi::schema::Schema;
    let Some(RefOr::T(Schema::Object(problem))) = components.schemas.get_mut("Problem") else {
        return;
    };
    let Some(RefOr::T(Schema::Object(code))) = problem.properties.get_mut("code") else {
        return;
    };
    let codes: Vec<String> = crate::error::Code::ALL
        .iter()
        .map(|c| format!("`{}` ({})", c.as_str(), c.status().as_u16()))
        .collect();
    code.description = Some(format!(
        "Stable snake_case code for programs to branch on; each has one status: {}. \
         New codes may be added, so treat an unknown one by its status.",
        codes.join(", ")
    ));
}

/// Says what content type each part of a multipart upload has.
fn describe_multipart_parts(operation: &mut Operation) {
    use utoipa::openapi::encoding::EncodingBuilder;
    let Some(RefOr::T(body)) = operation.request_body.as_mut() else { return };
    let Some(RefOr::T(content)) = body.content.get_mut("multipart/form-data") else { return };
    content.encoding.insert(
        "metadata".to_owned(),
        EncodingBuilder::new().content_type(Some("application/json")).build(),
    );
    content.encoding.insert(
        "audio".to_owned(),
        EncodingBuilder::new().content_type(Some("application/octet-stream, audio/*")).build(),
    );
}

/// Documents the `Idempotency-Key` header every POST honours, and its answers.
fn add_idempotency_key(operation: &mut Operation) {
    use utoipa::openapi::{
        Required,
        path::{ParameterBuilder, ParameterIn},
        schema::{ObjectBuilder, Type},
    };
    let mut description = "Send the same key again with the same request to get the first \
         response again (marked `Idempotent-Replayed: true`) instead of acting twice; keys are \
         kept for 24 hours per token. The same key with a different request is refused with 422 \
         `idempotency_key_reused`, and while the first is still running with 409 \
         `idempotency_key_in_use`. A 5xx is not kept: the retry runs again."
        .to_owned();
    let shown_once = operation
        .operation_id
        .as_deref()
        .and_then(|id| SHOWN_ONCE.iter().find(|(op, _)| *op == id))
        .map(|(_, field)| *field);
    if let Some(field) = shown_once {
        description.push_str(&format!(
            " This response carries a secret that is shown once and never stored: a replay \
             answers with the same ids, `{field}` null and `secret_already_shown: true`, so a \
             client that lost the first answer learns what was made and can revoke it."
        ));
    }
    let parameter = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                .pattern(Some("^[!-~]+$")),
        ))
        .build();
    operation.parameters.get_or_insert_with(Vec::new).push(RefOr::T(parameter));
    for (status, name) in
        [("409", "Conflict"), ("422", "UnprocessableEntity"), ("400", "BadRequest")]
    {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
    }
}

/// The complete OpenAPI document of this server.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes)
        .split_for_parts();
    for item in document.paths.paths.values_mut() {
        if let Some(post) = item.post.as_mut() {
            add_idempotency_key(post);
            for (status, response) in post.responses.responses.iter_mut() {
                add_response_headers(response, status.starts_with('2'));
            }
        }
        for operation in
            [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch]
                .into_iter()
                .flatten()
        {
            add_standard_responses(operation);
            describe_multipart_parts(operation);
            for response in operation.responses.responses.values_mut() {
                add_response_headers(response, false);
            }
        }
    }
    if let Some(components) = document.components.as_mut() {
        declare_headers(components);
        describe_problem_codes(components);
        for response in components.responses.values_mut() {
            add_response_headers(response, false);
        }
    }
    document
}

/// The document as served, with the methods of each path for 405 answers.
pub struct OpenApiDocument {
    /// The JSON text served at `/openapi.json`.
    pub json: String,
    /// Path templates and the methods each accepts.
    pub methods_by_path: Vec<(String, Vec<String>)>,
}

impl OpenApiDocument {
    /// Serialises the document once.
    pub fn new(document: utoipa::openapi::OpenApi) -> Result<Self, serde_json::Error> {
        let methods_by_path = document
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter(|(_, present)| *present)
                .map(|(m, _)| m.to_owned())
                .collect();
                (path.clone(), methods)
            })
            .collect();
        Ok(Self { json: document.to_json()?, methods_by_path })
    }
}
