//! One test per mapping rule of the faithful compiler: an HTML fragment in, the exact JSX out.

use replica_core::OutputStyle;
use replica_core::{
    DesignTokens, DomElement, DomNode, GenerateError, Lang, PlannedSection, RenderingMode,
};
use replica_section_gen::{CompileOptions, compile_section};

use crate::{
    compile_html, compile_html_file, compile_html_on_devices, html, section_from_html, test_context,
};

#[test]
fn attributes_take_react_names() {
    assert_eq!(
        compile_html(
            r#"<form class="f" enctype="multipart/form-data"><label for="email" class="l" tabindex="0">Email</label><input id="email" readonly maxlength="40" autocomplete="email"><table><tbody><tr><td colspan="2" rowspan="1" aria-label="cell" data-x="1">x</td></tr></tbody></table></form>"#
        ),
        r#"<form className="f" encType="multipart/form-data">
  <label htmlFor="email" className="l" tabIndex="0">Email</label>
  <input id="email" readOnly maxLength="40" autoComplete="email" />
  <table>
    <tbody>
      <tr>
        <td colSpan="2" rowSpan="1" aria-label="cell" data-x="1">x</td>
      </tr>
    </tbody>
  </table>
</form>"#
    );
}

#[test]
fn inline_styles_become_objects_with_custom_properties_quoted_and_urls_absolute() {
    assert_eq!(
        compile_html(
            r#"<div style="background-color: #fff; --brand-Color: rgb(1, 2, 3); -webkit-line-clamp: 2; background-image: url(&quot;a;b.png&quot;)">x</div>"#
        ),
        r##"<div
  style={{ backgroundColor: "#fff", "--brand-Color": "rgb(1, 2, 3)", WebkitLineClamp: "2", backgroundImage: "url(\"https://example.com/shop/a;b.png\")" }}>
  x
</div>"##
    );
}

#[test]
fn an_oklch_colour_is_kept_as_the_page_wrote_it() {
    // The faithful style keeps the page's own notation (Chromium paints oklch as the page
    // did); only the Tailwind style turns it into a theme name (tailwind.rs has that case).
    assert_eq!(
        compile_html(
            r#"<p style="color: oklch(0.546 0.245 262.881)" data-computed="color: oklch(0.546 0.245 262.881)">x</p>"#
        ),
        r#"<p style={{ color: "oklch(0.546 0.245 262.881)" }}>x</p>"#
    );
}

#[test]
fn important_declarations_move_to_a_generated_class() {
    // React sets style properties one by one and drops `!important`; a class keeps it.
    assert_eq!(
        compile_html_file(
            r#"<p class="lead" style="color: red !important; margin: 0; --gap: 4px!important">x</p>"#,
            OutputStyle::Faithful
        ),
        r#"export default function Fragment() {
  return (
    <>
      <p className="lead fragment-important-1" style={{ margin: "0" }}>x</p>
      <style>
        {".fragment-important-1.fragment-important-1 { color: red !important; --gap: 4px !important; }"}
      </style>
    </>
  );
}
"#
    );
}

#[test]
fn svg_attributes_are_camel_cased() {
    assert_eq!(
        compile_html(
            r##"<svg viewbox="0 0 24 24" xmlns:xlink="http://www.w3.org/1999/xlink" class="icon"><defs><linearGradient id="g" gradientTransform="rotate(90)"><stop offset="0" stop-color="#fff" stop-opacity=".5"/></linearGradient></defs><path d="M0 0h24" stroke-width="2" stroke-linecap="round" fill-rule="evenodd" clip-path="url(#c)"/><use xlink:href="#icon-star"/></svg>"##
        ),
        r##"<svg viewBox="0 0 24 24" xmlnsXlink="http://www.w3.org/1999/xlink" className="icon">
  <defs>
    <linearGradient id="g" gradientTransform="rotate(90)">
      <stop offset="0" stopColor="#fff" stopOpacity=".5" />
    </linearGradient>
  </defs>
  <path
    d="M0 0h24"
    strokeWidth="2"
    strokeLinecap="round"
    fillRule="evenodd"
    clipPath="url(#c)" />
  <use xlinkHref="#icon-star" />
</svg>"##
    );
}

#[test]
fn boolean_attributes_are_bare() {
    assert_eq!(
        compile_html(
            r#"<div><button disabled="">Go</button><video autoplay muted loop playsinline controls="controls" src="/v.mp4"></video><details open><summary>More</summary></details><div hidden="until-found">h</div></div>"#
        ),
        r#"<div>
  <button disabled>Go</button>
  <video autoPlay muted loop playsInline controls src="https://example.com/v.mp4" />
  <details open>
    <summary>More</summary>
  </details>
  <div hidden="until-found">h</div>
</div>"#
    );
}

#[test]
fn text_is_escaped_and_entities_survive() {
    assert_eq!(
        compile_html(
            r#"<p>if (a &lt; b &amp;&amp; c &gt; d) { return; } &copy; 2024&nbsp;Acme</p>"#
        ),
        r#"<p>if (a &lt; b &amp;&amp; c &gt; d) &#123; return; &#125; © 2024&nbsp;Acme</p>"#
    );
}

#[test]
fn spaces_between_inline_elements_are_explicit() {
    // JSX drops whitespace that holds a line break; HTML renders one space there.
    assert_eq!(
        compile_html(
            "<p>\n  Read the\n  <a href=\"/docs\">docs</a>\n  <em>now</em>,\n  or <b>later</b>\n</p>"
        ),
        r#"<p>
  Read the
  {" "}
  <a href="https://example.com/docs">docs</a>
  {" "}
  <em>now</em>
  , or
  {" "}
  <b>later</b>
</p>"#
    );
}

#[test]
fn spaces_around_an_inline_formula_are_kept() {
    // MathML's `display: math` is inline: "Related n Lab", not "RelatednLab".
    let jsx = compile_html(
        "<h2>2. Related\n<math display=\"inline\" data-computed=\"display: math\"><mi>n</mi></math>\nLab entries</h2>",
    );
    assert_eq!(
        jsx,
        r#"<h2>2. Related{" "}<math display="inline"><mi>n</mi></math>{" "}Lab entries</h2>"#
    );
}

#[test]
fn whitespace_between_blocks_and_in_flex_containers_is_dropped() {
    assert_eq!(
        compile_html(
            "<div>\n  <h2>Title</h2>\n  <p>Body</p>\n</div>\n<nav data-computed=\"display: flex\">\n  <a href=\"#a\">A</a>\n  <a href=\"#b\">B</a>\n</nav>"
        ),
        r##"<>
  <div>
    <h2>Title</h2>
    <p>Body</p>
  </div>
  <nav>
    <a href="#a">A</a>
    <a href="#b">B</a>
  </nav>
</>"##
    );
    // Inline-block siblings keep their space: it is visible between them.
    assert_eq!(
        compile_html(
            "<div>\n  <span data-computed=\"display: inline-block\">A</span>\n  <span data-computed=\"display: inline-block\">B</span>\n</div>"
        ),
        r#"<div><span>A</span>{" "}<span>B</span></div>"#
    );
}

#[test]
fn preformatted_text_keeps_its_whitespace() {
    assert_eq!(
        compile_html("<pre>fn main() {\n    println!(\"hi\");\n}</pre>"),
        r#"<pre>{"fn main() {\n    println!(\"hi\");\n}"}</pre>"#
    );
    assert_eq!(
        compile_html("<p data-computed=\"white-space: pre-wrap\">a  b</p>"),
        r#"<p>{"a  b"}</p>"#
    );
}

#[test]
fn void_elements_are_self_closed() {
    assert_eq!(
        compile_html(r#"<div>a<br>b<wbr>c<img src="x.png" alt=""><hr></div>"#),
        "// eslint-disable-next-line @next/next/no-img-element\n\
         <div>a<br />b<wbr />c<img src=\"https://example.com/shop/x.png\" alt=\"\" /><hr /></div>"
    );
}

/// An image with its pixel size and one source renders the same through `next/image`; the
/// others stay `<img>`, exempt from the rule line by line; every image has an alt text.
#[test]
fn sized_images_use_next_image_and_keep_their_alt_text() {
    let file = compile_section(
        &section_from_html(
            "Gallery",
            r#"<div><img class="a" src="a.png" width="640" height="420" alt="A"><img src="b.png" width="50%" height="10"><picture><source srcset="c.webp"><img src="c.png" width="10" height="10" alt="C"></picture><img src="d.png" width="1" height="1" loading="lazy"></div>"#,
        ),
        &test_context(),
        &DesignTokens::default(),
        &CompileOptions::default(),
    )
    .unwrap();
    assert!(
        file.source
            .starts_with("import Image from \"next/image\";\n\n"),
        "{}",
        file.source
    );
    for expected in [
        "<Image\n        className=\"a\"\n        src=\"https://example.com/shop/a.png\"\n        alt=\"A\"\n        width={640}\n        height={420}\n        loading=\"eager\"\n        unoptimized />",
        "{/* eslint-disable-next-line @next/next/no-img-element */}\n      <img src=\"https://example.com/shop/b.png\" width=\"50%\" height=\"10\" alt=\"\" />",
        "{/* eslint-disable-next-line @next/next/no-img-element */}\n        <img src=\"https://example.com/shop/c.png\" width=\"10\" height=\"10\" alt=\"C\" />",
        "src=\"https://example.com/shop/d.png\"\n        loading=\"lazy\"\n        alt=\"\"\n        width={1}\n        height={1}\n        unoptimized />",
    ] {
        assert!(
            file.source.contains(expected),
            "{expected}\nin\n{}",
            file.source
        );
    }
    let errors = replica_section_gen::parse_errors(&file.source, Lang::TypeScript);
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn scripts_handlers_comments_templates_and_noscript_are_dropped() {
    assert_eq!(
        compile_html(
            r#"<div onclick="track()"><!-- a comment --><script>alert(1)</script><noscript><img src="/pixel.gif"></noscript><template><p>later</p></template><button type="button" onmouseover="x()" @click="open = true">Open</button></div>"#
        ),
        r#"<div>
  <button type="button">Open</button>
</div>"#
    );
}

#[test]
fn form_controls_use_default_value_and_default_checked() {
    assert_eq!(
        compile_html(
            r#"<form><input name="q" value="initial" data-state-value="typed"><input type="checkbox" checked><input type="radio" name="r" data-state-checked="true"><textarea name="t">Hello
world</textarea><select name="s"><option value="a">A</option><option value="b" selected>B</option></select><select multiple><option selected>x</option><option selected>y</option></select><input type="file" value="C:\fake"></form>"#
        ),
        r#"<form>
  <input name="q" defaultValue="typed" />
  <input type="checkbox" defaultChecked />
  <input type="radio" name="r" defaultChecked />
  <textarea name="t" defaultValue={"Hello\nworld"} />
  <select name="s" defaultValue="b">
    <option value="a">A</option>
    <option value="b">B</option>
  </select>
  <select multiple defaultValue={["x", "y"]}>
    <option>x</option>
    <option>y</option>
  </select>
  <input type="file" />
</form>"#
    );
}

#[test]
fn iframes_links_and_images_keep_real_absolute_urls() {
    assert_eq!(
        compile_html(
            r##"<div><iframe src="//www.youtube.com/embed/x" frameborder="0" allowfullscreen></iframe><a class="a" href="../about?a=1&amp;b=2">About</a><a class="b" href="#top">Top</a><a class="c" href="javascript:void(0)">JS</a><a class="d" href="mailto:a@b.c">Mail</a><img src="img/a.png" srcset="img/a.png 1x, /img/a@2x.png 2x" alt="A"></div>"##
        ),
        r##"<div>
  <iframe src="https://www.youtube.com/embed/x" frameBorder="0" allowFullScreen />
  <a className="a" href="https://example.com/about?a=1&amp;b=2">About</a>
  <a className="b" href="#top">Top</a>
  <a className="c" href="#">JS</a>
  <a className="d" href="mailto:a@b.c">Mail</a>
  {/* eslint-disable-next-line @next/next/no-img-element */}
  <img
    src="https://example.com/shop/img/a.png"
    srcSet="https://example.com/shop/img/a.png 1x, https://example.com/img/a@2x.png 2x"
    alt="A" />
</div>"##
    );
}

#[test]
fn canvas_drawings_become_images() {
    let mut section = section_from_html(
        "Chart",
        r#"<canvas class="chart" width="300" height="150"></canvas>"#,
    );
    section.data.dom[0]
        .state
        .insert("canvas".into(), "data:image/png;base64,iVBORw0KGgo=".into());
    let file = compile_section(
        &section,
        &test_context(),
        &DesignTokens::default(),
        &CompileOptions::default(),
    )
    .unwrap();
    assert_eq!(
        file.source,
        r#"export default function Chart() {
  return (
    // eslint-disable-next-line @next/next/no-img-element
    <img
      className="chart"
      width="300"
      height="150"
      src="data:image/png;base64,iVBORw0KGgo="
      alt="" />
  );
}
"#
    );
}

#[test]
fn a_chart_that_scaled_on_mobile_shrinks_with_the_page() {
    // Chart.js writes the desktop size inline; on the phone it had redrawn at 311 px wide with
    // the same aspect. A chart whose height stayed put keeps its size as written.
    let chart = |box_: &str| {
        format!(
            r#"<canvas id="c" width="983" height="294" style="display: block; width: 983px; height: 294px" data-box="{box_}"></canvas>"#
        )
    };
    let compile = |mobile_box: &str| {
        let mut section = section_from_html("Chart", &chart("983 294"));
        section.data.dom[0]
            .state
            .insert("canvas".into(), "data:image/png;base64,iVBORw0KGgo=".into());
        let mobile = DomElement {
            tag: "html".into(),
            children: html::parse_fragment(&chart(mobile_box))
                .into_iter()
                .map(DomNode::Element)
                .collect(),
            ..DomElement::default()
        };
        let options = CompileOptions {
            mobile_dom: Some(&mobile),
            ..CompileOptions::default()
        };
        compile_section(
            &section,
            &test_context(),
            &DesignTokens::default(),
            &options,
        )
        .unwrap()
        .source
    };
    let scaled = compile("311 93");
    assert!(
        scaled.contains(
            r#"style={{ display: "block", width: "983px", height: "auto", maxWidth: "100%" }}"#
        ),
        "{scaled}"
    );
    let fixed = compile("311 294");
    assert!(
        fixed.contains(r#"style={{ display: "block", width: "983px", height: "294px" }}"#),
        "{fixed}"
    );
}

#[test]
fn a_canvas_drawn_again_on_phones_shows_each_device_its_own_drawing() {
    // A script drew the chart to the window's width: seven labels on desktop, three on the
    // phone. The phone's picture comes from the phone's own drawing.
    let canvas = |drawing: &str| {
        format!(
            r#"<div><canvas id="c" width="600" height="200" data-state-canvas="{drawing}"></canvas></div>"#
        )
    };
    let jsx = compile_html_on_devices(
        &canvas("data:image/png;base64,DESKTOP="),
        &canvas("data:image/png;base64,PHONE="),
    );
    assert_eq!(
        jsx,
        r#"<div>
  <picture style={{ display: "contents" }}>
    <source media="(max-width: 767px)" srcSet="data:image/png;base64,PHONE=" />
    {/* eslint-disable-next-line @next/next/no-img-element */}
    <img id="c" width="600" height="200" src="data:image/png;base64,DESKTOP=" alt="" />
  </picture>
</div>"#
    );
    // The same drawing on both devices: one image.
    let same = compile_html_on_devices(
        &canvas("data:image/png;base64,SAME="),
        &canvas("data:image/png;base64,SAME="),
    );
    assert!(!same.contains("<picture"), "{same}");
}

#[test]
fn classes_and_styles_a_script_set_on_phones_only_go_with_the_markup() {
    // A script collapsed the sidebar on the phone (a class) and moved the column (an inline
    // style): the markup says so for the project's DeviceState component to apply there.
    let jsx = compile_html_on_devices(
        r##"<aside id="s" class="sidebar open"><a href="#o">O</a></aside>"##,
        r##"<aside id="s" class="sidebar collapsed" style="padding-top: 12px; background: url(/i.png)"><a href="#o">O</a></aside>"##,
    );
    assert_eq!(
        jsx,
        r##"<aside
  id="s"
  className="sidebar open"
  data-mobile-add-class="collapsed"
  data-mobile-remove-class="open"
  data-mobile-style="padding-top: 12px; background: url(&quot;https://example.com/i.png&quot;)">
  <a href="#o">O</a>
</aside>"##
    );
    // The same on both devices: nothing added.
    let same = r##"<aside id="s" class="sidebar"><a href="#o">O</a></aside>"##;
    assert!(!compile_html_on_devices(same, same).contains("data-mobile"));
}

#[test]
fn custom_elements_keep_their_attribute_names() {
    assert_eq!(
        compile_html(r#"<my-widget class="w" for="x" onclick="y()">hi</my-widget>"#),
        r#"<my-widget class="w" for="x">hi</my-widget>"#
    );
}

#[test]
fn repeated_cards_render_from_a_data_array() {
    let source = compile_html_file(
        r#"<ul class="features">
  <li class="card"><h3>Fast</h3><p>Builds in seconds.</p><a href="/fast">More</a></li>
  <li class="card"><h3>Safe</h3><p>Typed &amp; tested.</p><a href="/safe">More</a></li>
  <li class="card"><h3>Open</h3><p>MIT licensed.</p><a href="/open">More</a></li>
</ul>"#,
        OutputStyle::Faithful,
    );
    assert_eq!(
        source,
        r#"const cardItems = [
  { text: "Fast", text2: "Builds in seconds.", href: "https://example.com/fast" },
  { text: "Safe", text2: "Typed & tested.", href: "https://example.com/safe" },
  { text: "Open", text2: "MIT licensed.", href: "https://example.com/open" },
];

export default function Fragment() {
  return (
    <ul className="features">
      {cardItems.map((item) => (
        <li key={item.text} className="card">
          <h3>{item.text}</h3>
          <p>{item.text2}</p>
          <a href={item.href}>More</a>
        </li>
      ))}
    </ul>
  );
}
"#
    );
}

#[test]
fn siblings_of_different_shapes_stay_apart() {
    let jsx = compile_html(
        r#"<ul><li class="a">One</li><li class="b">Two</li><li class="a">Three</li></ul>"#,
    );
    assert!(!jsx.contains(".map("), "{jsx}");
}

#[test]
fn output_is_stable() {
    let html = r#"<section class="hero"><h1>Hi</h1> <p style="color: red">x</p></section>"#;
    assert_eq!(
        compile_html_file(html, OutputStyle::Faithful),
        compile_html_file(html, OutputStyle::Faithful)
    );
}

#[test]
fn a_bad_component_name_is_a_typed_error() {
    let section = section_from_html("not-a-name", "<div></div>");
    let error = compile_section(
        &section,
        &test_context(),
        &DesignTokens::default(),
        &CompileOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&error, GenerateError::Invalid { section, message } if section == "section-0" && message.contains("not-a-name")),
        "{error}"
    );
}

#[test]
fn an_empty_section_renders_nothing() {
    assert_eq!(
        compile_html_file("", OutputStyle::Faithful),
        "export default function Fragment() {\n  return null;\n}\n"
    );
}

#[test]
fn spaces_next_to_line_breaks_are_dropped() {
    // A space before a <br> ends a line and one after it starts the next: HTML drops both.
    assert_eq!(
        compile_html("<p>one <br>\n  two <b>three</b></p>"),
        r#"<p>one<br />two{" "}<b>three</b></p>"#
    );
}

#[test]
fn spaces_next_to_a_line_break_hidden_at_a_device_are_kept() {
    // The headline breaks on desktop; a media query hides the <br> on phones, where the words
    // must not run together ("amassive").
    let html = "<h1>And this is a<br class=\"d\">\n massive headline</h1>";
    assert_eq!(
        compile_html_on_devices(
            html,
            "<h1>And this is a<br class=\"d\" data-computed=\"display: none\">\n massive headline</h1>"
        ),
        r#"<h1>And this is a<br className="d" />{" "}massive headline</h1>"#
    );
    // Hidden on desktop and shown on phones: the same.
    assert_eq!(
        compile_html_on_devices(
            "<p>HTML5 <br data-computed=\"display: none\">Up</p>",
            "<p>HTML5 <br>Up</p>"
        ),
        r#"<p>HTML5{" "}<br />Up</p>"#
    );
    // Shown at both: a line edge at both, the spaces go.
    assert_eq!(
        compile_html_on_devices(html, html),
        r#"<h1>And this is a<br className="d" />massive headline</h1>"#
    );
}

#[test]
fn spaces_next_to_hidden_boxes_are_kept() {
    // A hidden box ends no line: the spaces on both sides of it collapse into one.
    assert_eq!(
        compile_html(r#"<p>dolor <span data-computed="display: none">x</span> amet</p>"#),
        r#"<p>dolor{" "}<span>x</span>{" "}amet</p>"#
    );
    // A block on desktop that is gone on phones.
    assert_eq!(
        compile_html_on_devices(
            r#"<p>dolor <span data-computed="display: block">x</span> amet</p>"#,
            r#"<p>dolor <span data-computed="display: none">x</span> amet</p>"#
        ),
        r#"<p>dolor{" "}<span>x</span>{" "}amet</p>"#
    );
    // Between blocks it stays out.
    assert_eq!(
        compile_html("<div>\n<div data-computed=\"display: none\">a</div>\n<div>b</div>\n</div>"),
        "<div>\n  <div>a</div>\n  <div>b</div>\n</div>"
    );
}

#[test]
fn spaces_in_a_box_hidden_at_a_device_keep_what_it_renders_once_shown() {
    // A menu collapsed on phones (a toggle opens it) whose links are blocks on desktop and
    // inline on phones: opened there, the links need the space between them.
    assert_eq!(
        compile_html_on_devices(
            r#"<nav><a data-computed="display: block">One</a> <a data-computed="display: block">Two</a></nav>"#,
            r#"<nav data-computed="display: none"><a>One</a> <a>Two</a></nav>"#
        ),
        r#"<nav><a>One</a>{" "}<a>Two</a></nav>"#
    );
    // An inline box hidden everywhere (a script shows it) keeps the spaces at its edges,
    // which its neighbours' words need once it shows.
    assert_eq!(
        compile_html(r#"<p>Total:<span data-computed="display: none"> 3 items </span>left</p>"#),
        r#"<p>Total:<span>{" "}3 items{" "}</span>left</p>"#
    );
    // A hidden block still drops them, as it does once shown.
    assert_eq!(
        compile_html("<div data-computed=\"display: none\">\n  Saved\n</div>"),
        "<div>Saved</div>"
    );
}

#[test]
fn a_parent_that_is_inline_at_one_device_keeps_its_edge_spaces() {
    // A flex row on desktop, a run of inline text on phones: the space between the two links
    // shows there.
    assert_eq!(
        compile_html_on_devices(
            r##"<div data-computed="display: flex"><a href="#a">A</a> <a href="#b">B</a></div>"##,
            r##"<div data-computed="display: inline"><a href="#a">A</a> <a href="#b">B</a></div>"##
        ),
        r##"<div><a href="#a">A</a>{" "}<a href="#b">B</a></div>"##
    );
}

#[test]
fn a_paragraph_holding_a_block_becomes_a_div_with_its_look() {
    // Scripts (or quirks-mode parsing) can put a <table> in a <p>; served as HTML the parser
    // would close the <p> first, and hydration would fail.
    assert_eq!(
        compile_html(
            r#"<p class="intro" data-computed="color: rgb(255, 0, 0); margin-top: 0px"><table><tbody><tr><td>t</td></tr></tbody></table></p>"#
        ),
        r#"<div
  className="intro"
  style={{ color: "rgb(255, 0, 0)", marginBottom: "1em", marginTop: "0px" }}>
  <table>
    <tbody>
      <tr>
        <td>t</td>
      </tr>
    </tbody>
  </table>
</div>"#
    );
}

/// The faithful component of `section`, as a page in quirks mode or standards mode gives it.
fn compile_faithful(section: &PlannedSection, quirks_mode: bool) -> String {
    compile_section(
        section,
        &test_context(),
        &DesignTokens::default(),
        &CompileOptions {
            style: OutputStyle::Faithful,
            mobile_dom: None,
            rendering_mode: if quirks_mode {
                RenderingMode::Quirks
            } else {
                RenderingMode::Standards
            },
            lang: Lang::JavaScript,
        },
    )
    .unwrap()
    .source
}

#[test]
fn parents_that_hold_no_text_get_no_spaces_even_around_boxes_hidden_at_a_device() {
    // Two cells (or options) hidden on phones end no line there, but a text node inside a
    // <tr>, a <tbody> or a <select> is a hydration error in React: whitespace never goes there.
    let desktop = r#"<table> <tbody> <tr><td>a</td> <td class="x">b</td> <td class="x">c</td></tr> </tbody> </table>"#;
    let mobile = r#"<table> <tbody> <tr><td>a</td> <td class="x" data-computed="display: none">b</td> <td class="x" data-computed="display: none">c</td></tr> </tbody> </table>"#;
    let jsx = compile_html_on_devices(desktop, mobile);
    assert!(!jsx.contains(r#"{" "}"#), "{jsx}");
    let select = compile_html_on_devices(
        r#"<select><option>a</option> <option>b</option> <optgroup label="g"> <option>c</option> </optgroup></select>"#,
        r#"<select><option data-computed="display: none">a</option> <option data-computed="display: none">b</option> <optgroup label="g"> <option>c</option> </optgroup></select>"#,
    );
    assert!(!select.contains(r#"{" "}"#), "{select}");
    // Preserved whitespace (a table inside <pre>) does not put text there either.
    let pre = compile_html("<pre><table>\n<tr><td> a </td>\n</tr>\n</table></pre>");
    assert!(
        pre.contains(r#"<tr>"#) && !pre.contains(r#"<tr>{"#) && !pre.contains(r#"<table>{"#),
        "{pre}"
    );
    assert!(pre.contains(r#"<td>{" a "}</td>"#), "{pre}");
}

#[test]
fn quirks_mode_image_lines_have_no_strut() {
    // A spacer GIF alone in a cell was as tall as the GIF in quirks mode.
    let section = section_from_html(
        "Legacy",
        r#"<div><p><img src="spacer.gif" width="1" height="4"> <img src="dot.gif"></p><p>text <img src="dot.gif"></p></div>"#,
    );
    let compile = |quirks_mode| compile_faithful(&section, quirks_mode);
    assert!(!compile(false).contains("lineHeight"), "{}", compile(false));
    let quirks = compile(true);
    assert_eq!(
        quirks.matches(r#"<p style={{ lineHeight: "0" }}>"#).count(),
        1,
        "{quirks}"
    );
}

#[test]
fn quirks_mode_lines_of_inline_text_have_no_strut() {
    // Measured in Chromium: `<td><font size=1>x</font></td>` is 11 px tall in quirks mode and
    // 18 px in standards mode; with text of its own, a space between two inline children or
    // a list marker, the cell keeps its strut (18 px in both).
    let section = section_from_html(
        "Legacy",
        r#"<table><tbody><tr><td><font size="1">small</font></td><td><b><font size="1">nested</font></b></td><td>own <font size="1">small</font></td><td><font size="1">a</font> <font size="1">b</font></td><td><a href="/"><img src="dot.gif"></a><b data-computed="line-height: 20px">x</b></td></tr></tbody></table><ul><li><font size="1">item</font></li></ul>"#,
    );
    let compile = |quirks_mode| compile_faithful(&section, quirks_mode);
    assert!(
        !compile(false).contains("lineHeight: \"0\""),
        "{}",
        compile(false)
    );
    let quirks = compile(true);
    assert_eq!(
        quirks
            .matches(r#"<td style={{ lineHeight: "0" }}>"#)
            .count(),
        3,
        "{quirks}"
    );
    // The table's own font reset, and the two elements with text of their own; the <b> holds
    // none, so quirks mode gave its box no height either.
    assert_eq!(
        quirks.matches(r#"lineHeight: "normal""#).count(),
        3,
        "{quirks}"
    );
    assert!(
        quirks.contains(r#"<font size="1" style={{ lineHeight: "normal" }}>small</font>"#),
        "{quirks}"
    );
    assert!(
        quirks.contains(r#"<font size="1" style={{ lineHeight: "normal" }}>nested</font>"#),
        "{quirks}"
    );
    assert!(!quirks.contains("<b style"), "{quirks}");
    // The link holds only an image (a line of images: 0 too) and the bold text sets its own
    // line height.
    assert!(
        quirks.contains(r#"<a href="https://example.com/" style={{ lineHeight: "0" }}>"#),
        "{quirks}"
    );
    assert!(quirks.contains("<b>x</b>"), "{quirks}");
}

#[test]
fn quirks_mode_spaces_html_collapses_are_not_text_of_the_line() {
    // Measured in Chromium (quirks, 16 px cell, 12 px spans): a float and a space after it
    // is 15 px (the space starts the line and goes), "x " then a space is 15 px (the cell's
    // space collapses into the span's), "x" then a space is 18 px (the space is the cell's).
    let section = section_from_html(
        "Legacy",
        r#"<table><tbody><tr><td><a><img src="a.gif" data-computed="float: left"></a> <span>x</span></td><td><span>x </span> <span>y</span></td><td><span>x</span> <span>y</span></td><td><ins data-computed="display: inline-block"><div></div></ins></td></tr></tbody></table>"#,
    );
    let quirks = compile_faithful(&section, true);
    assert_eq!(
        quirks
            .matches(r#"<td style={{ lineHeight: "0" }}>"#)
            .count(),
        3,
        "{quirks}"
    );
    assert!(
        quirks.contains(r#"<td><span>x</span>{" "}<span>y</span></td>"#),
        "{quirks}"
    );
}

#[test]
fn quirks_mode_blank_lines_of_a_break_keep_their_height() {
    // A line holding only a <br> had the break's own line height in quirks mode; standards
    // mode ignores a <br>'s style, so the clone wraps it. A break after text on its line is
    // left alone.
    let section = section_from_html(
        "Legacy",
        r#"<table><tbody><tr><td><font size="1">x<br></font><br><center><img src="a.gif"></center><br><font size="1">y</font></td></tr></tbody></table>"#,
    );
    let quirks = compile_faithful(&section, true);
    assert_eq!(
        quirks
            .matches("<span style={{ lineHeight: \"normal\" }}>\n")
            .count(),
        2,
        "{quirks}"
    );
    assert!(!compile_faithful(&section, false).contains("<span"));
}

#[test]
fn quirks_mode_ignores_default_margins_at_the_edges_of_cells() {
    // Measured in Chromium: a <p> at a cell's start and end, even inside a <div>, loses both
    // margins in quirks mode; a heading or a list only its top one; a margin the page set
    // (captured) stays, and so does one after text.
    let section = section_from_html(
        "Legacy",
        r#"<table><tbody><tr><td><div><p>a</p><p>b</p></div></td><td><h1>c</h1></td><td>text<p>d</p>text</td><td><p data-computed="margin-top: 4px">e</p></td></tr></tbody></table>"#,
    );
    let quirks = compile_faithful(&section, true);
    assert!(
        quirks.contains(r#"<p style={{ marginTop: "0" }}>a</p>"#),
        "{quirks}"
    );
    assert!(
        quirks.contains(r#"<p style={{ marginBottom: "0" }}>b</p>"#),
        "{quirks}"
    );
    assert!(
        quirks.contains(r#"<h1 style={{ marginTop: "0" }}>c</h1>"#),
        "{quirks}"
    );
    assert!(quirks.contains("<p>d</p>"), "{quirks}");
    assert!(
        quirks.contains(r#"<p style={{ marginBottom: "0" }}>e</p>"#),
        "{quirks}"
    );
    assert!(!compile_faithful(&section, false).contains("margin"));
}

#[test]
fn quirks_mode_forms_have_a_bottom_margin_and_text_fields_their_border_box() {
    let section = section_from_html(
        "Legacy",
        r#"<form><input name="q"> <input type="submit" value="Go"></form><form data-computed="margin-bottom: 0px"><textarea></textarea></form>"#,
    );
    let quirks = compile_faithful(&section, true);
    assert!(
        quirks.contains(r#"<form style={{ marginBottom: "1em" }}>"#),
        "{quirks}"
    );
    assert_eq!(quirks.matches("boxSizing").count(), 2, "{quirks}");
    assert!(
        quirks.contains(r#"<input type="submit" defaultValue="Go" />"#),
        "{quirks}"
    );
    assert!(!compile_faithful(&section, false).contains("style"));
}

#[test]
fn quirks_mode_separators_give_a_strut_only_to_their_own_line() {
    // `<a><img></a>&nbsp;<a>Kyiv Tour</a>` wrapping onto two lines: the second line holds no
    // text of the block's own, so quirks mode gave it the link's line height only.
    let block = |size: &str| {
        format!(
            r#"<div align="center" data-box="{size}"><a><img src="a.gif"></a>&nbsp;<a class="small">Kyiv Tour</a></div>"#
        )
    };
    let wrapped = compile_faithful(&section_from_html("Legacy", &block("100 40")), true);
    assert!(
        wrapped.contains(r#"<div align="center" style={{ lineHeight: "0" }}>"#),
        "{wrapped}"
    );
    assert!(
        wrapped.contains(r#"<span style={{ lineHeight: "normal" }}>&nbsp;</span>"#),
        "{wrapped}"
    );
    let one_line = compile_faithful(&section_from_html("Legacy", &block("100 18")), true);
    assert!(
        one_line.contains(r#"<div align="center">"#) && !one_line.contains("<span"),
        "{one_line}"
    );
}

#[test]
fn limited_quirks_mode_has_the_line_height_quirk_only() {
    // Measured in Chromium with an XHTML 1.0 Transitional doctype: a 90px image alone in a
    // block is 90px tall (94px in standards mode), but tables inherit fonts and forms have
    // no margin, as in standards mode.
    let section = section_from_html(
        "Almost",
        r#"<div><img src="a.gif"></div><table><tbody><tr><td><p>x</p></td></tr></tbody></table><form><input name="q"></form>"#,
    );
    let compile = |rendering_mode| {
        compile_section(
            &section,
            &test_context(),
            &DesignTokens::default(),
            &CompileOptions {
                style: OutputStyle::Faithful,
                mobile_dom: None,
                rendering_mode,
                lang: Lang::JavaScript,
            },
        )
        .unwrap()
        .source
    };
    let limited = compile(RenderingMode::LimitedQuirks);
    assert!(
        limited.contains(r#"<div style={{ lineHeight: "0" }}>"#),
        "{limited}"
    );
    assert!(
        !limited.contains("fontSize")
            && !limited.contains("margin")
            && !limited.contains("boxSizing"),
        "{limited}"
    );
    assert!(!compile(RenderingMode::Standards).contains("lineHeight"));
}

#[test]
fn quirks_mode_tables_keep_their_own_fonts() {
    // In quirks mode tables did not inherit fonts; Next.js serves standards mode.
    let section = section_from_html(
        "Legacy",
        r#"<table style="color: red" data-computed="font-size: 13px; color: rgb(255, 0, 0)"><tbody><tr><td>t</td></tr></tbody></table>"#,
    );
    let compile = |quirks_mode| compile_faithful(&section, quirks_mode);
    assert!(compile(false).contains(r#"<table style={{ color: "red" }}>"#));
    assert!(
        compile(true).contains(
            r#"style={{ fontSize: "13px", fontWeight: "normal", fontStyle: "normal", fontVariant: "normal", lineHeight: "normal", whiteSpace: "normal", textAlign: "start", color: "red" }}"#
        ),
        "{}",
        compile(true)
    );
}

#[test]
fn namespaced_tags_and_attributes_are_not_written() {
    // Word's `<o:p>` and Illustrator's `xmlns:serif` parse as JSX namespaces, which Next.js
    // refuses to compile.
    assert_eq!(
        compile_html(
            r#"<p class="MsoNormal">Text<o:p></o:p></p><svg xmlns:serif="http://www.serif.com/" viewbox="0 0 1 1"><svg:rect width="1"/></svg>"#
        ),
        r#"<>
  <p className="MsoNormal">Text<span /></p>
  <svg viewBox="0 0 1 1">
    <g width="1" />
  </svg>
</>"#
    );
}
