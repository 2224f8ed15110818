//! The HTML part of an email, made from its plain text: the same words, with
//! the paragraphs, lists and links a mail client shows as such. Every piece
//! of text goes through askama's HTML escaper (the one the pages use), so a
//! name, a call title or an agenda topic can never become markup.

use std::fmt::Write;

/// `text` (as composed: blank lines between paragraphs, `- ` items,
/// two-space continuations, a `-- ` signature) as an HTML document.
pub(super) fn html_of(text: &str) -> String {
    let (body, signature) = match text.split_once("\n\n-- \n") {
        Some((body, signature)) => (body, Some(signature)),
        None => (text, None),
    };
    let mut out = String::from(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"></head>\n\
         <body style=\"font-family: -apple-system, 'Segoe UI', Roboto, sans-serif; \
         font-size: 15px; line-height: 1.5; color: #1f2328; max-width: 40em;\">\n",
    );
    for block in body.split("\n\n") {
        let mut paragraph: Vec<&str> = Vec::new();
        let mut items: Vec<Vec<&str>> = Vec::new();
        for line in block.lines() {
            if let Some(item) = line.strip_prefix("- ") {
                push_paragraph(&mut out, &mut paragraph, "");
                items.push(vec![item]);
            } else if let (true, Some(item)) = (line.starts_with("  "), items.last_mut()) {
                item.push(line.trim());
            } else {
                push_list(&mut out, &mut items);
                paragraph.push(line);
            }
        }
        push_paragraph(&mut out, &mut paragraph, "");
        push_list(&mut out, &mut items);
    }
    if let Some(signature) = signature {
        let mut lines: Vec<&str> = signature.lines().collect();
        push_paragraph(
            &mut out,
            &mut lines,
            " style=\"margin-top: 2em; color: #59636e; font-size: 13px;\"",
        );
    }
    out.push_str("</body></html>\n");
    out
}

fn push_paragraph(out: &mut String, lines: &mut Vec<&str>, style: &str) {
    if lines.iter().all(|l| l.trim().is_empty()) {
        lines.clear();
        return;
    }
    let _ = writeln!(out, "<p{style}>{}</p>", lines_html(lines));
    lines.clear();
}

fn push_list(out: &mut String, items: &mut Vec<Vec<&str>>) {
    if items.is_empty() {
        return;
    }
    out.push_str("<ul>\n");
    for item in items.iter() {
        let _ = writeln!(out, "<li>{}</li>", lines_html(item));
    }
    out.push_str("</ul>\n");
    items.clear();
}

/// Lines joined by line breaks, each escaped, its web addresses as links.
fn lines_html(lines: &[&str]) -> String {
    lines.iter().map(|line| linked(line)).collect::<Vec<_>>().join("<br>\n")
}

fn linked(line: &str) -> String {
    line.split(' ')
        .map(|word| {
            if word.starts_with("https://") || word.starts_with("http://") {
                let url = escaped(word);
                format!("<a href=\"{url}\">{url}</a>")
            } else {
                escaped(word)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn escaped(text: &str) -> String {
    match askama::filters::escape(text, askama::filters::Html) {
        Ok(safe) => safe.to_string(),
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::html_of;

    #[test]
    fn paragraphs_lists_links_and_the_signature_become_html() {
        let html = html_of(
            "Hello Ann,\n\nYour 1:1 is Monday.\n\nAgenda:\n- Pricing\n- Next steps\n  https://filmroom.example/calls/1\n\nOpen it:\nhttps://filmroom.example/one-on-ones/2\n\n-- \nfilmroom at Acme.\nStop these emails: https://filmroom.example/unsubscribe/x",
        );
        assert!(html.contains("<p>Hello Ann,</p>"), "{html}");
        assert!(html.contains("<p>Agenda:</p>\n<ul>\n<li>Pricing</li>\n<li>Next steps<br>\n<a href=\"https://filmroom.example/calls/1\">"), "{html}");
        assert!(html.contains("<p>Open it:<br>\n<a href=\"https://filmroom.example/one-on-ones/2\">https://filmroom.example/one-on-ones/2</a></p>"), "{html}");
        assert!(
            html.contains("color: #59636e; font-size: 13px;\">filmroom at Acme.<br>"),
            "{html}"
        );
    }

    #[test]
    fn every_value_is_escaped() {
        let html = html_of(
            "Hello <script>alert(1)</script> & \"Co\",\n\n- <b>topic</b>\n\nhttps://x.example/?a=\"><img>",
        );
        assert!(
            !html.contains("<script>") && !html.contains("<b>") && !html.contains("<img>"),
            "{html}"
        );
        assert!(
            html.contains("Hello &#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;Co&#34;,"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"https://x.example/?a=&#34;&#62;&#60;img&#62;\">"),
            "{html}"
        );
    }
}
