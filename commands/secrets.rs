//! Secrets as `config print` and `apps ... --json` show them: masked, with none of their
//! characters left.

/// An app's secret, encryption master key and webhook header values, masked.
pub fn mask_app(app: &mut sockudo::app::App) {
    app.secret = MASK.into();
    mask_option(&mut app.encryption_master_key_base64);
    for webhook in &mut app.webhooks {
        for value in webhook.headers.values_mut() {
            *value = MASK.into();
        }
    }
}

/// What a masked secret shows.
pub const MASK: &str = "********";

pub fn mask_option(secret: &mut Option<String>) {
    if secret.is_some() {
        *secret = Some(MASK.into());
    }
}

pub fn mask_url_option(url: &mut Option<String>) {
    *url = url.as_deref().map(mask_url);
}

/// `scheme://user:password@host` with the password masked (a lone `token@` wholly).
pub fn mask_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            // `user:password@` keeps the user; a lone `token@` (NATS) is all secret.
            let shown = match credentials.split_once(':') {
                Some((user, _)) => format!("{user}:{MASK}"),
                None => MASK.to_owned(),
            };
            format!("{}{shown}{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}
