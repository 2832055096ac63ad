use super::*;

fn secrets() -> Settings {
    Settings {
        bot_token: Some("bot-token-value".into()),
        admin_token: Some("admin-token-value".into()),
        webhook_secret: Some("secret-value".into()),
        ..Settings::default()
    }
}

#[test]
fn every_missing_secret_is_named_in_one_line() {
    let settings = Settings {
        bot_token: Some("x".into()),
        webhook_secret: Some("  ".into()),
        ..Settings::default()
    };
    let error = Config::from_settings(&settings).expect_err("missing");
    assert_eq!(
        error.to_string(),
        "missing configuration: WEBEX_ADMIN_TOKEN, WEBEX_WEBHOOK_SECRET must be set"
    );
}

#[test]
fn defaults_apply_and_secrets_do_not_show_in_debug_output() {
    let config = Config::from_settings(&secrets()).expect("valid");
    assert_eq!(config.api_url, DEFAULT_API_URL);
    assert_eq!(config.listen_addr.to_string(), DEFAULT_LISTEN_ADDR);
    assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
    assert_eq!(config.log_filter, DEFAULT_LOG_FILTER);
    assert!(!config.requesters.allows("anyone@example.com"));
    assert_eq!(config.bulk, BulkLimits::default());
    assert_eq!(config.bulk.every_ms(), 510);
    let debug = format!("{config:?}");
    for secret in ["bot-token-value", "admin-token-value", "secret-value"] {
        assert!(!debug.contains(secret), "{secret} leaked into {debug}");
    }
}

#[test]
fn oauth_replaces_the_admin_token_and_needs_all_three_variables() {
    let oauth = Settings {
        bot_token: Some("b".into()),
        webhook_secret: Some("s".into()),
        admin_client_id: Some("C123".into()),
        admin_client_secret: Some("client-secret-value".into()),
        admin_refresh_token: Some("refresh-token-value".into()),
        ..Settings::default()
    };
    let config = Config::from_settings(&oauth).expect("valid without WEBEX_ADMIN_TOKEN");
    assert!(
        matches!(config.admin, AdminCredentials::OAuth { ref client_id, .. } if client_id == "C123")
    );
    let debug = format!("{config:?}");
    assert!(!debug.contains("client-secret-value") && !debug.contains("refresh-token-value"));
    let partial = Settings {
        admin_client_secret: None,
        ..oauth
    };
    let error = Config::from_settings(&partial).expect_err("incomplete");
    assert_eq!(
        error.to_string(),
        "missing configuration: WEBEX_ADMIN_CLIENT_SECRET must be set"
    );
}

#[test]
fn a_bad_value_is_named() {
    let cases = [
        (
            Settings {
                requesters: Some("not an email".into()),
                ..secrets()
            },
            "ONBOARD_REQUESTERS",
        ),
        (
            Settings {
                listen_addr: Some("8080".into()),
                ..secrets()
            },
            "LISTEN_ADDR",
        ),
        (
            Settings {
                workers: Some("many".into()),
                ..secrets()
            },
            "ONBOARD_WORKERS",
        ),
        (
            Settings {
                log_format: Some("xml".into()),
                ..secrets()
            },
            "LOG_FORMAT",
        ),
        (
            Settings {
                approvers_room: Some("../x".into()),
                ..secrets()
            },
            "ONBOARD_APPROVERS_ROOM",
        ),
        (
            Settings {
                bulk_rate: Some("0".into()),
                ..secrets()
            },
            "ONBOARD_BULK_RATE",
        ),
        (
            Settings {
                bulk_rate: Some("NaN".into()),
                ..secrets()
            },
            "ONBOARD_BULK_RATE",
        ),
        (
            Settings {
                bulk_max_rows: Some("-3".into()),
                ..secrets()
            },
            "ONBOARD_BULK_MAX_ROWS",
        ),
    ];
    for (settings, name) in cases {
        let error = Config::from_settings(&settings).expect_err("invalid");
        assert!(
            error.to_string().starts_with(&format!("{name} is invalid")),
            "{error}"
        );
    }
}
