//! `GET /api/admin/audit`: the audit trail, so the owner can see who changed
//! what and when without reading the table. Entries are kept one partition
//! per UTC day ([`shop::store::audit`]), so the trail is read a day at a time.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use shop::Page;
use shop::store::AuditEntry;

use super::AdminState;
use crate::error::ApiError;
use crate::extract::QueryPairs;

/// Entries per page by default (`?limit=` up to 500).
pub(super) const PAGE_SIZE: i32 = 100;

/// A page of the trail, with the day it lists.
#[derive(Serialize)]
pub(super) struct AuditPage {
    day: String,
    #[serde(flatten)]
    page: Page<AuditEntry>,
}

/// `GET /api/admin/audit?day=yyyy-mm-dd&cursor=&limit=`: one UTC day's
/// changes, oldest first; `day` defaults to today.
pub(super) async fn list(
    State(state): State<AdminState>,
    query: QueryPairs,
) -> Result<Json<AuditPage>, ApiError> {
    let day = match query.first("day") {
        None | Some("") => time::OffsetDateTime::now_utc().date(),
        Some(d) => parse_day(d)?,
    };
    let limit = query.limit(PAGE_SIZE, 500)?;
    let day = day.to_string();
    let page = state
        .store
        .list_audit(&day, limit, query.first("cursor"))
        .await?;
    Ok(Json(AuditPage { day, page }))
}

fn parse_day(text: &str) -> Result<time::Date, ApiError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format).map_err(|_| {
        ApiError::bad_request(
            "invalid_day",
            format!("day must be a date as yyyy-mm-dd, got {text:?}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_dates() {
        assert_eq!(
            parse_day("2026-11-24").map(|d| d.to_string()).ok(),
            Some("2026-11-24".to_owned())
        );
        for bad in [
            "2026-13-01",
            "24/11/2026",
            "2026-11-24T00:00:00Z",
            "today",
            "2026-2-1",
        ] {
            assert!(parse_day(bad).is_err(), "{bad}");
        }
    }
}
