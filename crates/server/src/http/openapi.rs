//! The OpenAPI 3 document, generated from the handlers' annotations and served at `/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{account, ops};
use crate::error::{ErrorBody, ErrorEnvelope};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Playhouse API", description = "Guandan, provably fair games and the operator API."),
    paths(
        ops::health, ops::ready, ops::metrics,
        account::guest, account::register, account::login, account::refresh, account::logout,
        account::me, account::update_me,
        crate::wallet::http::wallet, crate::wallet::http::transfers, crate::wallet::http::adjust,
        crate::operator::http::create_operator, crate::operator::http::rotate_secret,
        crate::operator::http::create_session, crate::operator::http::revoke_session,
        crate::operator::http::deposit,
        crate::operator::http::withdraw, crate::operator::http::balance,
        crate::guandan::http::replay, crate::guandan::http::history, crate::guandan::http::flagged,
        crate::ratings::leaderboard, crate::ratings::my_rating, crate::ratings::user_rating,
        crate::ratings::result_card,
        crate::games::http::list, crate::games::http::one, crate::games::http::bet,
        crate::games::http::action, crate::games::http::active, crate::games::http::seeds,
        crate::games::http::client_seed, crate::games::http::rotate, crate::games::http::history,
        crate::games::http::bet_by_id, crate::games::http::get_limits, crate::games::http::put_limits,
        crate::games::http::activity,
    ),
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

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// `GET /openapi.json`.
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
