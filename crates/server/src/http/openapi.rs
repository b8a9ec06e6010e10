//! The OpenAPI 3 document, generated from the handlers' annotations and served at `/openapi.json`:
//! the operational paths and tags here, merged with each service's own document.

use api::error::{ErrorBody, ErrorEnvelope};
use api::openapi::BearerAuth;
use axum::Json;
use utoipa::OpenApi;

use super::ops;

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Playhouse API", description = "Guandan, provably fair games and the operator API."),
    paths(ops::health, ops::ready, ops::metrics),
    components(schemas(ErrorEnvelope, ErrorBody)),
    modifiers(&BearerAuth),
    tags((name = "ops", description = "Health, readiness, metrics"), (name = "auth", description = "Accounts and tokens"),
        (name = "wallet", description = "Balances, history and admin adjustments"),
        (name = "operator", description = "Operator API: operators, signed sessions, internal-mode money"),
        (name = "guandan", description = "Guandan replays, match history and fair-play flags"),
        (name = "games", description = "Instant games: catalogue, bets, rounds, history, limits, live activity"),
        (name = "fair", description = "Provably fair seeds: commitments, client seed, rotation"))
)]
pub struct ApiDoc;

/// The whole document: [`ApiDoc`] and every service's paths.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(accounts::AccountsApi::openapi());
    doc.merge(wallet::http::WalletApi::openapi());
    doc.merge(operator::OperatorApi::openapi());
    doc.merge(operator::events::EventsApi::openapi());
    doc.merge(tables::TablesApi::openapi());
    doc.merge(games::GamesApi::openapi());
    doc.merge(contests::ContestsApi::openapi());
    doc
}

/// `GET /openapi.json`.
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}
