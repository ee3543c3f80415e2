//! `/robots.txt` and `/sitemap.xml`: what search engines may read of the shop, instead of the
//! storefront's HTML that every other unknown path gets.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use bakery_frontend::menu_page::esc;

/// The shop's pages worth indexing, relative to the site's root. The cart, checkout, order pages
/// and the staff's back-office are private to one visitor and stay out.
const PUBLIC_PAGES: &[&str] = &["/"];

/// Paths crawlers are asked to leave alone: the API, the back-office and one visitor's pages.
const PRIVATE_PATHS: &[&str] = &["/api/", "/staff", "/cart", "/checkout", "/orders"];

/// Both files, served whether or not the storefront is built.
pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/robots.txt", web::get().to(robots))
        .route("/sitemap.xml", web::get().to(sitemap));
}

/// The site's own address as the client reached it (honouring `Forwarded` and
/// `X-Forwarded-*` from a proxy in front), without a trailing slash.
fn site_root(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

async fn robots(req: HttpRequest) -> HttpResponse {
    text_answer("text/plain; charset=utf-8", robots_txt(&site_root(&req)))
}

async fn sitemap(req: HttpRequest) -> HttpResponse {
    text_answer(
        "application/xml; charset=utf-8",
        sitemap_xml(&site_root(&req)),
    )
}

fn text_answer(content_type: &'static str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body)
}

fn robots_txt(root: &str) -> String {
    let mut out = String::from("User-agent: *\nAllow: /\n");
    for path in PRIVATE_PATHS {
        out.push_str(&format!("Disallow: {path}\n"));
    }
    out.push_str(&format!("\nSitemap: {root}/sitemap.xml\n"));
    out
}

fn sitemap_xml(root: &str) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for page in PUBLIC_PAGES {
        out.push_str(&format!(
            "  <url><loc>{}{page}</loc><changefreq>daily</changefreq></url>\n",
            // The host comes from the request.
            esc(root)
        ));
    }
    out.push_str("</urlset>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_keeps_crawlers_out_of_private_pages_and_names_the_sitemap() {
        let text = robots_txt("https://shop.example");
        assert!(text.starts_with("User-agent: *\nAllow: /\n"));
        assert!(text.contains("Disallow: /staff\n"));
        assert!(text.contains("Disallow: /api/\n"));
        assert!(text.ends_with("Sitemap: https://shop.example/sitemap.xml\n"));
    }

    #[test]
    fn sitemap_lists_the_menu_with_an_escaped_host() {
        let xml = sitemap_xml("http://a&b");
        assert!(xml.contains("<loc>http://a&amp;b/</loc>"));
        assert!(xml.ends_with("</urlset>\n"));
    }
}
