//! The browser files the pages use, embedded in the binary and served under
//! content-hashed names (`app.3f9c0e1a2b4d.js`) with year-long caching: a
//! changed file gets a new name, so no browser ever runs a stale one.

use std::sync::OnceLock;

use actix_web::{HttpResponse, get, http::header, web};
use sha2::{Digest, Sha256};

/// One embedded file.
struct Asset {
    /// The name templates ask for.
    name: &'static str,
    bytes: &'static [u8],
    content_type: &'static str,
}

const JS: &str = "text/javascript; charset=utf-8";

static ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        bytes: include_bytes!("../assets/css/app.css"),
        content_type: "text/css; charset=utf-8",
    },
    Asset { name: "app.js", bytes: include_bytes!("../assets/js/app.js"), content_type: JS },
    Asset { name: "player.js", bytes: include_bytes!("../assets/js/player.js"), content_type: JS },
    Asset { name: "upload.js", bytes: include_bytes!("../assets/js/upload.js"), content_type: JS },
    Asset {
        name: "one_on_one.js",
        bytes: include_bytes!("../assets/js/one_on_one.js"),
        content_type: JS,
    },
    Asset {
        name: "htmx.min.js",
        bytes: include_bytes!("../assets/vendor/htmx.org/htmx.min.js"),
        content_type: JS,
    },
    Asset {
        name: "wavesurfer.esm.js",
        bytes: include_bytes!("../assets/vendor/wavesurfer.js/wavesurfer.esm.js"),
        content_type: JS,
    },
    Asset {
        name: "regions.esm.js",
        bytes: include_bytes!("../assets/vendor/wavesurfer.js/regions.esm.js"),
        content_type: JS,
    },
    Asset {
        name: "timeline.esm.js",
        bytes: include_bytes!("../assets/vendor/wavesurfer.js/timeline.esm.js"),
        content_type: JS,
    },
    Asset {
        name: "favicon.svg",
        bytes: include_bytes!("../assets/favicon.svg"),
        content_type: "image/svg+xml",
    },
];

/// Hashed file name → index into [`ASSETS`].
fn hashed() -> &'static Vec<(String, usize)> {
    static HASHED: OnceLock<Vec<(String, usize)>> = OnceLock::new();
    HASHED.get_or_init(|| {
        ASSETS
            .iter()
            .enumerate()
            .map(|(index, asset)| {
                let digest = Sha256::digest(asset.bytes);
                let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
                let name = match asset.name.split_once('.') {
                    Some((stem, extension)) => format!("{stem}.{hex}.{extension}"),
                    None => format!("{}.{hex}", asset.name),
                };
                (name, index)
            })
            .collect()
    })
}

/// The URL a page links to for an asset; an unknown name gives a URL that
/// answers 404, which the browser tests catch.
pub fn url(name: &str) -> String {
    hashed()
        .iter()
        .find(|(_, index)| ASSETS.get(*index).is_some_and(|a| a.name == name))
        .map_or_else(
            || format!("/assets/missing/{name}"),
            |(hashed, _)| format!("/assets/{hashed}"),
        )
}

/// Serves an embedded file by its hashed name.
#[get("/assets/{file}")]
pub async fn serve(file: web::Path<String>) -> HttpResponse {
    let found = hashed()
        .iter()
        .find(|(hashed, _)| *hashed == *file)
        .and_then(|(_, index)| ASSETS.get(*index));
    match found {
        Some(asset) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, asset.content_type))
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(asset.bytes),
        None => HttpResponse::NotFound()
            .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body("no such file; reload the page"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_distinct_hashed_url() {
        let urls: std::collections::HashSet<String> = ASSETS.iter().map(|a| url(a.name)).collect();
        assert_eq!(urls.len(), ASSETS.len());
        assert!(urls.iter().all(|u| u.starts_with("/assets/") && !u.contains("missing")));
        assert!(url("nothing.js").contains("missing"));
    }
}
