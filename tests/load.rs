//! The load stage seen from outside: the real seeds, GB18030 copies of them,
//! `.docx` files built here with the zip crate, web pages, and hostile input
//! (empty, binary, undecodable, truncated, zip bombs, unreadable files,
//! symlink loops), plus the directory walk and atomic writing.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use planlint::load::{self, Format, LineIndex, LoadError, Source};

fn seeds() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut seeds: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("seeds/ exists")
        .map(|e| e.expect("readable seeds/").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    seeds.sort();
    assert_eq!(seeds.len(), 5, "the five seeds");
    seeds
}

fn seed(prefix: &str) -> PathBuf {
    seeds()
        .into_iter()
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        })
        .expect("seed exists")
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&path, bytes).expect("write fixture");
    path
}

/// Checks that `normalized` differs from `text` only where the module doc says.
fn assert_only_documented_changes(source: &Source) {
    let text = &*source.text;
    let normalized = &source.normalized;
    assert_eq!(
        text.len(),
        normalized.len(),
        "{}: same byte length",
        source.path.display()
    );
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with("[bookmark: ") {
            let end = rest.find(']').expect("closed debris") + 1;
            assert!(
                normalized[i..i + end].bytes().all(|b| b == b' '),
                "debris blanked at {i}"
            );
            i += end;
            continue;
        }
        let c = rest.chars().next().expect("char");
        let n = c.len_utf8();
        let odd = matches!(
            c,
            '\u{A0}' | '\u{2000}'
                ..='\u{200B}' | '\u{202F}' | '\u{205F}' | '\u{2060}' | '\u{3000}' | '\u{FEFF}'
        );
        if odd || (c == '\r' && rest[1..].starts_with('\n')) {
            assert!(
                normalized[i..i + n].bytes().all(|b| b == b' '),
                "odd space blanked at {i}"
            );
        } else {
            assert_eq!(&normalized[i..i + n], &rest[..n], "byte {i} unchanged");
        }
        i += n;
    }
}

// ---------------------------------------------------------------- seeds --

#[test]
fn seeds_decode_as_utf8_text() {
    for path in seeds() {
        let source = load::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let original = std::fs::read_to_string(&path).expect("seed is UTF-8");
        assert_eq!(source.encoding, "UTF-8", "{}", path.display());
        assert_eq!(source.format, Format::Text);
        assert_eq!(&*source.text, original.as_str());
        assert_eq!(
            source.lines.line_count(),
            original.matches('\n').count() + 1
        );
        assert_only_documented_changes(&source);
    }
}

#[test]
fn word_debris_of_002_is_blanked_in_normalized_with_equal_length() {
    let source = load::load(&seed("002_")).expect("002 loads");
    assert!(
        source.text.contains("[bookmark: _GoBack]"),
        "text keeps what the file says"
    );
    assert!(source.text.contains("[bookmark: _Toc42160683]"));
    assert!(
        !source.normalized.contains("[bookmark:"),
        "normalized has no debris"
    );
    assert_eq!(source.text.len(), source.normalized.len());
    // Task （三） stands behind six bookmarks: in normalized, the line starts
    // with blanks and then the marker, at the same offset as in the text.
    let at = source.text.find("（三）推进京津冀").expect("task 3");
    assert_eq!(&source.normalized[at..at + "（三）".len()], "（三）");
    let line_start = source.text[..at].rfind('\n').map_or(0, |i| i + 1);
    assert!(source.normalized[line_start..at].bytes().all(|b| b == b' '));
    assert_eq!(
        source.normalized[line_start..].trim_start().find("（三）"),
        Some(0)
    );
    assert_only_documented_changes(&source);
}

#[test]
fn odd_spaces_of_000_and_001_are_blanked() {
    let s000 = load::load(&seed("000_")).expect("000 loads");
    assert_eq!(s000.text.matches('\u{2002}').count(), 74);
    assert!(!s000.normalized.contains('\u{2002}'));
    let s001 = load::load(&seed("001_")).expect("001 loads");
    assert!(s001.text.contains('\u{A0}'));
    assert!(!s001.normalized.contains('\u{A0}'));
}

#[test]
fn crlf_is_blanked_before_newline_only() {
    let source = Source::from_text(
        "x.txt",
        Format::Text,
        "UTF-8",
        "一、总体\r\n（一）任务\r末尾\n",
    );
    assert_eq!(source.normalized, "一、总体 \n（一）任务\r末尾\n");
}

#[test]
fn unclosed_bookmark_is_not_debris() {
    let text = "[bookmark: 没有右括号\n下一行]";
    assert_eq!(load::normalize(text), text);
    let text = "前[bookmark: _Toc1]后";
    assert_eq!(
        load::normalize(text),
        format!("前{}后", " ".repeat("[bookmark: _Toc1]".len()))
    );
}

// ------------------------------------------------------------ encodings --

#[test]
fn gb18030_copy_of_a_seed_decodes_back_identical() {
    let dir = temp_dir();
    for prefix in ["000_", "003_"] {
        let original = std::fs::read_to_string(seed(prefix)).expect("seed");
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&original);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&bytes).is_err(), "really not UTF-8");
        let path = write(dir.path(), &format!("{prefix}gb.txt"), &bytes);
        let source = load::load(&path).expect("GB18030 loads");
        assert_eq!(source.encoding, "GB18030");
        assert_eq!(&*source.text, original.as_str());
        // Writing back gives the very same bytes.
        assert_eq!(
            load::encode_like(&source, &source.text).expect("encodes"),
            bytes.as_ref()
        );
    }
}

#[test]
fn short_gbk_text_is_detected() {
    let dir = temp_dir();
    let text = "一、总体要求\n（一）加强组织领导（市知识产权局负责；持续推进）\n";
    let (bytes, _, _) = encoding_rs::GBK.encode(text);
    let path = write(dir.path(), "short.txt", &bytes);
    let source = load::load(&path).expect("GBK loads");
    assert_eq!(source.encoding, "GB18030");
    assert_eq!(&*source.text, text);
}

#[test]
fn bom_is_stripped_and_remembered() {
    let dir = temp_dir();
    let text = "一、总体要求\n1.任务（市公安局负责）\n";
    let cases: [(&str, Vec<u8>); 3] = [
        (
            "UTF-8 BOM",
            [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        ),
        (
            "UTF-16LE",
            [0xFF, 0xFE]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                .collect(),
        ),
        (
            "UTF-16BE",
            [0xFE, 0xFF]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
                .collect(),
        ),
    ];
    for (name, bytes) in cases {
        let path = write(dir.path(), "bom.txt", &bytes);
        let source = load::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(source.encoding, name);
        assert_eq!(&*source.text, text, "{name}: BOM stripped");
        assert_eq!(
            load::encode_like(&source, &source.text).expect("encodes"),
            bytes,
            "{name}: round trip"
        );
    }
}

#[test]
fn encode_like_keeps_the_encoding_of_fixed_text() {
    let source = Source::from_text("plan.txt", Format::Text, "GB18030", "202012月底前完成\n");
    let fixed = "2020年12月底前完成\n";
    let bytes = load::encode_like(&source, fixed).expect("encodes");
    assert_eq!(
        encoding_rs::GB18030.decode_without_bom_handling(&bytes).0,
        fixed
    );
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "still GB18030, not UTF-8"
    );

    // The one character GB18030 has no code for, located for the user.
    let err = load::encode_like(&source, "第一行\n甲\u{E5E5}乙\n").expect_err("U+E5E5");
    assert_eq!(err.code(), "load::unencodable");
    let message = err.to_string();
    assert!(message.starts_with("plan.txt: "), "{message}");
    assert!(message.contains("U+E5E5 at line 2, column 2"), "{message}");
}

#[test]
fn docx_and_html_are_not_written_back() {
    for format in [Format::Docx, Format::Html] {
        let source = Source::from_text("plan.x", format, "UTF-8", "text\n");
        let err = load::encode_like(&source, "text\n").expect_err("refused");
        assert_eq!(err.code(), "load::cannot-write-back");
        assert!(err.to_string().starts_with("plan.x: "));
    }
}

// ---------------------------------------------------------------- docx --

const W_NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:v="urn:schemas-microsoft-com:vml""#;

/// A `.docx` with the given parts, deflated as Word does.
fn build_docx(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let content_types = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#;
    zip.start_file("[Content_Types].xml", options).expect("zip");
    zip.write_all(content_types).expect("zip");
    for (name, bytes) in parts {
        zip.start_file(*name, options).expect("zip");
        zip.write_all(bytes).expect("zip");
    }
    zip.finish().expect("zip").into_inner()
}

fn document(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W_NS}><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>"#
    )
}

fn para(text: &str) -> String {
    format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
}

fn numbered(num_id: u32, ilvl: u32, text: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
    )
}

fn cell(props: &str, paras: &[&str]) -> String {
    let body: String = paras.iter().map(|p| para(p)).collect();
    format!("<w:tc><w:tcPr>{props}</w:tcPr>{body}</w:tc>")
}

fn row(cells: &[String]) -> String {
    format!("<w:tr>{}</w:tr>", cells.concat())
}

const NUMBERING: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">
  <w:abstractNum w:abstractNumId="0">
    <w:multiLevelType w:val="multilevel"/>
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/><w:lvlJc w:val="left"/>
      <w:pPr><w:tabs><w:tab w:val="num" w:pos="720"/></w:tabs><w:ind w:left="720" w:hanging="720"/></w:pPr></w:lvl>
    <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:suff w:val="nothing"/><w:lvlText w:val="（%2）"/></w:lvl>
    <w:lvl w:ilvl="2"><w:start w:val="1"/>
      <mc:AlternateContent><mc:Choice Requires="w14"><w:numFmt w:val="custom" w:format="01, 02, 03, ..."/></mc:Choice><mc:Fallback><w:numFmt w:val="decimal"/></mc:Fallback></mc:AlternateContent>
      <w:lvlText w:val="%3."/></w:lvl>
  </w:abstractNum>
  <w:abstractNum w:abstractNumId="1">
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="&#xF0B7;"/></w:lvl>
  </w:abstractNum>
  <w:abstractNum w:abstractNumId="2">
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:pStyle w:val="Heading1"/><w:lvlText w:val="第%1章"/></w:lvl>
  </w:abstractNum>
  <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
  <w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
  <w:num w:numId="3"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="2"><w:startOverride w:val="5"/></w:lvlOverride></w:num>
  <w:num w:numId="4"><w:abstractNumId w:val="2"/></w:num>
</w:numbering>"#;

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
  <w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
  <w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/>
    <w:pPr><w:keepNext/><w:numPr><w:numId w:val="4"/></w:numPr></w:pPr></w:style>
</w:styles>"#;

/// A plan as Word writes it: automatic numbering, tracked changes, a field, a
/// hidden run, a text box, and a task table with merged cells.
fn sample_docx() -> Vec<u8> {
    let body = [
        r#"<w:p><w:pPr><w:jc w:val="center"/><w:tabs><w:tab w:val="left" w:pos="420"/></w:tabs></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t>2021年工作要点</w:t></w:r></w:p>"#.to_owned(),
        r#"<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>总则</w:t></w:r></w:p>"#.to_owned(),
        numbered(1, 0, "总体要求"),
        r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr></w:pPr><w:bookmarkStart w:id="0" w:name="_GoBack"/><w:r><w:t>加强组织领导</w:t></w:r><w:bookmarkEnd w:id="0"/></w:p>"#.to_owned(),
        concat!(
            r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="2"/><w:numId w:val="1"/></w:numPr></w:pPr>"#,
            r#"<w:r><w:t>建立</w:t></w:r><w:r><w:t>R&amp;D</w:t></w:r><w:r><w:t xml:space="preserve">工作机制</w:t></w:r>"#,
            r#"<w:del w:id="1" w:author="审稿人"><w:r><w:delText>删除的文字</w:delText></w:r></w:del>"#,
            r#"<w:ins w:id="2" w:author="审稿人"><w:r><w:t>新增</w:t></w:r></w:ins></w:p>"#
        )
        .to_owned(),
        r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="2"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>丙</w:t></w:r></w:p>"#.to_owned(),
        numbered(1, 1, "强化保障"),
        numbered(1, 2, "落实责任"),
        numbered(3, 2, "另起编号"),
        numbered(1, 0, "保障措施"),
        numbered(2, 0, "项目"),
        r#"<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r><w:r><w:t>可见</w:t></w:r></w:p>"#.to_owned(),
        concat!(
            r#"<w:p><w:r><w:t>第</w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>"#,
            r#"<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>3</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t>页</w:t></w:r></w:p>"#
        )
        .to_owned(),
        r#"<w:p><w:pPr><w:pStyle w:val="Heading1"/><w:numPr><w:numId w:val="0"/></w:numPr></w:pPr><w:r><w:t>附件</w:t></w:r></w:p>"#.to_owned(),
        "<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>".to_owned(),
        row(&[cell("", &["序号"]), cell("", &["任务"]), cell("", &["牵头单位"]), cell("", &["完成时限"])]),
        row(&[
            cell("", &["1"]),
            cell("", &["完善制度", "第二段"]),
            cell(r#"<w:vMerge w:val="restart"/>"#, &["市知识产权局"]),
            cell("", &["2021年6月底前"]),
        ]),
        row(&[
            cell("", &["2"]),
            r#"<w:tc><w:p><w:r><w:t>加强执法</w:t><w:tab/><w:t>检查</w:t></w:r></w:p></w:tc>"#.to_owned(),
            r#"<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>"#.to_owned(),
            cell("", &["持续推进"]),
        ]),
        row(&[cell(r#"<w:gridSpan w:val="2"/>"#, &["合计"]), cell("", &["—"])]),
        "</w:tbl>".to_owned(),
        concat!(
            r#"<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>"#,
            r#"<w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:drawing></mc:Choice>"#,
            r#"<mc:Fallback><w:pict><v:textbox><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></v:textbox></w:pict></mc:Fallback>"#,
            r#"</mc:AlternateContent></w:r><w:r><w:t>正文</w:t></w:r></w:p>"#
        )
        .to_owned(),
        para("&#x3000;&#x3000;此件公开"),
    ]
    .concat();
    build_docx(&[
        ("word/document.xml", document(&body).as_bytes()),
        ("word/numbering.xml", NUMBERING.as_bytes()),
        ("word/styles.xml", STYLES.as_bytes()),
    ])
}

const SAMPLE_DOCX_TEXT: &str = "2021年工作要点
第一章 总则
一、总体要求
（一）加强组织领导
1.建立R&D工作机制新增
2.甲\t乙
丙
（二）强化保障
1.落实责任
5.另起编号
二、保障措施
项目
可见
第3页
附件
序号\t任务\t牵头单位\t完成时限
1\t完善制度 第二段\t市知识产权局\t2021年6月底前
2\t加强执法 检查\t市知识产权局\t持续推进
合计\t\t—
文本框
正文
\u{3000}\u{3000}此件公开
";

#[test]
fn docx_gives_paragraphs_numbering_and_table_rows() {
    let dir = temp_dir();
    let path = write(dir.path(), "plan.docx", &sample_docx());
    let source = load::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(source.format, Format::Docx);
    assert_eq!(source.encoding, "UTF-8");
    assert_eq!(&*source.text, SAMPLE_DOCX_TEXT);
    assert!(
        source.normalized.ends_with("      此件公开\n"),
        "U+3000 blanked"
    );
    assert_only_documented_changes(&source);
}

#[test]
fn docx_is_detected_by_content_not_by_name() {
    let dir = temp_dir();
    let path = write(dir.path(), "plan.txt", &sample_docx());
    let source = load::load(&path).expect("loads");
    assert_eq!(source.format, Format::Docx);
    assert_eq!(&*source.text, SAMPLE_DOCX_TEXT);
}

#[test]
fn docx_without_numbering_or_styles_still_reads() {
    let body = [numbered(1, 0, "总体要求"), para("正文")].concat();
    let bytes = build_docx(&[("word/document.xml", document(&body).as_bytes())]);
    let source = load::load_bytes(Path::new("bare.docx"), &bytes).expect("loads");
    assert_eq!(&*source.text, "总体要求\n正文\n");
}

#[test]
fn docx_with_an_empty_body_is_empty() {
    let bytes = build_docx(&[(
        "word/document.xml",
        document("<w:p/><w:p><w:r><w:t> </w:t></w:r></w:p>").as_bytes(),
    )]);
    let err = load::load_bytes(Path::new("blank.docx"), &bytes).expect_err("empty");
    assert_eq!(err.code(), "load::empty");
}

#[test]
fn a_zip_that_is_not_a_word_document_says_what_it_is() {
    let bytes = build_docx(&[("xl/workbook.xml", b"<workbook/>".as_slice())]);
    let err = load::load_bytes(Path::new("sheet.docx"), &bytes).expect_err("not docx");
    assert_eq!(err.code(), "load::binary");
    assert!(err.to_string().contains("Excel"), "{err}");
}

#[test]
fn truncated_docx_is_a_clear_error() {
    let bytes = sample_docx();
    for cut in [bytes.len() / 2, bytes.len() - 30, 100] {
        let err = load::load_bytes(Path::new("cut.docx"), &bytes[..cut]).expect_err("truncated");
        assert_eq!(err.code(), "load::corrupt-docx", "cut at {cut}: {err}");
        assert!(
            err.to_string()
                .starts_with("cut.docx: corrupt or truncated .docx"),
            "{err}"
        );
    }
}

#[test]
fn malformed_document_xml_is_a_clear_error() {
    let broken = document("<w:p><w:r><w:t>未闭合</w:r></w:p>");
    let bytes = build_docx(&[("word/document.xml", broken.as_bytes())]);
    let err = load::load_bytes(Path::new("bad.docx"), &bytes).expect_err("malformed");
    assert_eq!(err.code(), "load::corrupt-docx");
    assert!(err.to_string().contains("word/document.xml"), "{err}");

    let cut = &document(&para("正文"))[..200];
    let bytes = build_docx(&[("word/document.xml", cut.as_bytes())]);
    let err = load::load_bytes(Path::new("cut.docx"), &bytes).expect_err("cut XML");
    assert_eq!(err.code(), "load::corrupt-docx", "{err}");
}

/// A `document.xml` just past the cap, all of it the same few bytes: it
/// deflates to about a thousandth of its size.
fn zip_bomb() -> Vec<u8> {
    let filler =
        "<w:p><w:r><w:t>炸</w:t></w:r></w:p>".repeat((load::MAX_DOCX_PART_SIZE as usize) / 30 + 1);
    let xml = document(&filler);
    assert!(xml.len() as u64 > load::MAX_DOCX_PART_SIZE);
    build_docx(&[("word/document.xml", xml.as_bytes())])
}

#[test]
fn zip_bomb_named_docx_is_refused() {
    let bomb = zip_bomb();
    assert!(
        bomb.len() < 1024 * 1024,
        "compressed to {} bytes",
        bomb.len()
    );
    let dir = temp_dir();
    let path = write(dir.path(), "bomb.docx", &bomb);
    let started = std::time::Instant::now();
    let err = load::load(&path).expect_err("refused");
    assert_eq!(err.code(), "load::docx-too-large", "{err}");
    assert!(err.to_string().contains("bomb.docx"), "{err}");
    assert!(err.to_string().contains("word/document.xml"), "{err}");
    assert!(
        started.elapsed().as_secs() < 5,
        "refused without inflating it all"
    );

    // The same bomb with sizes in its headers that lie (say 1 KiB): it is
    // still stopped, while streaming, as too large or as corrupt.
    let lying = lie_about_sizes(&bomb, "word/document.xml", 1024);
    let err = load::load_bytes(Path::new("liar.docx"), &lying).expect_err("refused");
    assert!(
        matches!(
            err,
            LoadError::DocxTooLarge { .. } | LoadError::CorruptDocx { .. }
        ),
        "{err}"
    );
}

/// Rewrites the uncompressed size of entry `name` in its local header and in
/// the central directory.
fn lie_about_sizes(zip: &[u8], name: &str, size: u32) -> Vec<u8> {
    let mut out = zip.to_vec();
    let name = name.as_bytes();
    let mut patched = 0;
    for i in 0..out.len().saturating_sub(46 + name.len()) {
        if out[i..].starts_with(b"PK\x03\x04") && out[i + 30..].starts_with(name) {
            let extra_len = u16::from_le_bytes([out[i + 28], out[i + 29]]) as usize;
            out[i + 22..i + 26].copy_from_slice(&size.to_le_bytes());
            // Zip64 extra field (large_file): its first 8 bytes are the size.
            let extra = i + 30 + name.len();
            if extra_len >= 12 && out[extra..extra + 2] == [0x01, 0x00] {
                out[extra + 4..extra + 12].copy_from_slice(&u64::from(size).to_le_bytes());
            }
            patched += 1;
        }
        if out[i..].starts_with(b"PK\x01\x02") && out[i + 46..].starts_with(name) {
            out[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
            let extra_len = u16::from_le_bytes([out[i + 30], out[i + 31]]) as usize;
            let extra = i + 46 + name.len();
            if extra_len >= 12 && out[extra..extra + 2] == [0x01, 0x00] {
                out[extra + 4..extra + 12].copy_from_slice(&u64::from(size).to_le_bytes());
            }
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "both headers found");
    out
}

// ---------------------------------------------------------------- html --

#[test]
fn html_gives_the_visible_text() {
    let html = r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>页面标题</title>
<style>p { color: red }</style><script>var a = "<p>不显示</p>";</script></head>
<body><div class="nav">首页 &gt; 政务公开</div>
<!-- 注释 <p>不显示</p> -->
<div style="display: none">隐藏的分享框</div>
<h1>2021年工作要点</h1>
<p>一、总体要求</p>
<p>（一）加强&nbsp;组织   领导<br>（市知识产权局负责；持续推进）</p>
<p>R&amp;D&#x3000;&#12288;&unknown; a &lt; b</p>
<table>
  <tr><th>序号</th><th>任务</th><th>牵头单位</th></tr>
  <tr><td>1</td><td><p>完善制度</p><p>第二段</p></td><td rowspan="2">市知识产权局</td></tr>
  <tr><td>2</td><td>加强执法</td></tr>
</table>
<pre>  保留
  空白</pre>
</body></html>"#;
    let dir = temp_dir();
    let path = write(dir.path(), "page.html", html.as_bytes());
    let source = load::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(source.format, Format::Html);
    let expected = "首页 > 政务公开
2021年工作要点
一、总体要求
（一）加强\u{A0}组织 领导
（市知识产权局负责；持续推进）
R&D\u{3000}\u{3000}&unknown; a < b
序号\t任务\t牵头单位
1\t完善制度 第二段\t市知识产权局
2\t加强执法\t市知识产权局
  保留
  空白
";
    assert_eq!(&*source.text, expected);
    assert_only_documented_changes(&source);
}

#[test]
fn html_meta_charset_gb2312_is_decoded_as_gb18030() {
    let html = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head>\
                <body><p>一、总体要求</p><p>（一）加强组织领导</p></body></html>";
    let (bytes, _, _) = encoding_rs::GB18030.encode(html);
    let dir = temp_dir();
    let path = write(dir.path(), "gb.htm", &bytes);
    let source = load::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(source.encoding, "GB18030");
    assert_eq!(&*source.text, "一、总体要求\n（一）加强组织领导\n");
}

#[test]
fn html_layout_tables_keep_their_lines() {
    // Old government sites lay the whole page out in nested tables.
    let html = "<html><body><table><tr><td>站点导航</td></tr><tr><td>\
                <table><tr><td><p>一、总体要求</p><p>（一）加强组织领导</p></td></tr></table>\
                </td></tr></table></body></html>";
    let source = load::load_bytes(Path::new("layout.html"), html.as_bytes()).expect("loads");
    assert_eq!(
        &*source.text,
        "站点导航\n一、总体要求\n（一）加强组织领导\n"
    );
}

#[test]
fn html_fixture_task_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/load/task-table.html");
    let source = load::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let expected =
        std::fs::read_to_string(path.with_extension("expected.txt")).expect("expected text");
    assert_eq!(&*source.text, expected);
}

#[test]
fn hostile_html_does_not_hang_or_panic() {
    let cases: [&[u8]; 8] = [
        b"<html><body><p>\xE6\x96\x87<",
        b"<html><!-- never closed <p>x</p>",
        b"<html><script>never closed",
        b"<html><p attr=\"never closed>text",
        b"<html><td rowspan=99999999 colspan=99999999>x</td>",
        b"<html>&#xFFFFFFFF;&#0;&#xD800;&#99999999999;",
        b"<html></table></tr></td><td><table><td>",
        b"<html><div hidden><div><div>x</div></div>",
    ];
    for bytes in cases {
        let _ = load::load_bytes(Path::new("x.html"), bytes);
    }
    let deep = format!("<html>{}text", "<table><tr><td>".repeat(10_000));
    let source = load::load_bytes(Path::new("deep.html"), deep.as_bytes()).expect("loads");
    assert_eq!(source.text.trim(), "text");
}

// ------------------------------------------------------------- hostile --

fn assert_error(path: &Path, code: &str) -> LoadError {
    let err = load::load(path).expect_err("refused");
    assert_eq!(err.code(), code, "{err}");
    let message = err.to_string();
    assert!(
        message.starts_with(&path.display().to_string()),
        "names the file: {message}"
    );
    assert_eq!(err.path(), path);
    err
}

#[test]
fn empty_and_blank_files_are_refused() {
    let dir = temp_dir();
    assert_error(&write(dir.path(), "empty.txt", b""), "load::empty");
    assert_error(
        &write(dir.path(), "blank.txt", " \n\t\r\n\u{3000}".as_bytes()),
        "load::empty",
    );
    assert_error(
        &write(dir.path(), "bom-only.txt", b"\xEF\xBB\xBF"),
        "load::empty",
    );
}

#[test]
fn binary_files_are_refused() {
    let dir = temp_dir();
    let png = [b"\x89PNG\r\n\x1A\n".as_slice(), &[0u8, 0, 0, 13], b"IHDR"].concat();
    let err = assert_error(&write(dir.path(), "image.txt", &png), "load::binary");
    assert!(err.to_string().contains("PNG"), "{err}");
    let err = assert_error(
        &write(dir.path(), "doc.pdf", b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"),
        "load::binary",
    );
    assert!(err.to_string().contains("PDF"), "{err}");
    let err = assert_error(
        &write(
            dir.path(),
            "old.doc",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0",
        ),
        "load::binary",
    );
    assert!(err.to_string().contains(".docx"), "tells what to do: {err}");
    let err = assert_error(
        &write(dir.path(), "nul.txt", b"plan text\0with a NUL"),
        "load::binary",
    );
    assert!(err.to_string().contains("byte offset 9"), "{err}");
    let controls: Vec<u8> = (0..200u8)
        .map(|i| if i % 3 == 0 { 0x01 } else { b'a' })
        .collect();
    assert_error(&write(dir.path(), "ctl.txt", &controls), "load::binary");
    let utf16: Vec<u8> = "plain ASCII text in UTF-16"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let err = assert_error(&write(dir.path(), "u16.txt", &utf16), "load::binary");
    assert!(
        err.to_string().contains("UTF-16 without a byte-order mark"),
        "{err}"
    );
}

#[test]
fn invalid_bytes_that_are_neither_utf8_nor_gb18030_are_refused() {
    let dir = temp_dir();
    // Latin-1 French: not UTF-8, and chardetng does not take it for Chinese.
    let latin1 =
        b"Le plan d'action pour l'ann\xE9e: \xE9valuer, d\xE9velopper, \xE0 la r\xE9gion.\n"
            .repeat(20);
    let err = assert_error(
        &write(dir.path(), "latin1.txt", &latin1),
        "load::undecodable",
    );
    let message = err.to_string();
    assert!(message.contains("not UTF-8"), "{message}");
    assert!(message.contains("line 1, byte offset 27"), "{message}");

    // Chinese in GBK with a byte that GB18030 cannot have (0xFF) on line 2.
    let mut bytes = encoding_rs::GBK
        .encode("一、总体要求\n（一）加强组织领导")
        .0
        .into_owned();
    bytes.extend_from_slice(b"\xFF\xFF");
    let err = assert_error(
        &write(dir.path(), "broken-gbk.txt", &bytes),
        "load::undecodable",
    );
    assert!(err.to_string().contains("GB18030"), "{err}");

    // Invalid UTF-16 after a BOM: an unpaired surrogate.
    let err = assert_error(
        &write(
            dir.path(),
            "bad16.txt",
            &[0xFF, 0xFE, b'a', 0, 0x00, 0xD8, b'b', 0],
        ),
        "load::undecodable",
    );
    assert!(err.to_string().contains("UTF-16LE"), "{err}");
}

#[test]
fn directory_and_missing_path_are_refused() {
    let dir = temp_dir();
    assert_error(dir.path(), "load::is-directory");
    assert_error(&dir.path().join("missing.txt"), "load::not-found");
}

#[test]
fn file_past_the_size_limit_is_refused_unread() {
    let dir = temp_dir();
    let path = dir.path().join("huge.txt");
    let file = std::fs::File::create(&path).expect("create");
    // Sparse: costs no disk, and must not be read.
    file.set_len(load::MAX_FILE_SIZE + 1).expect("set_len");
    let err = assert_error(&path, "load::too-large");
    assert!(err.to_string().contains("67108864"), "{err}");
}

/// Whether this process can read files whatever their mode (root can).
fn ignores_permissions(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let probe = write(dir, "probe", b"x");
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    std::fs::read(&probe).is_ok()
}

#[test]
fn unreadable_file_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir();
    if ignores_permissions(dir.path()) {
        eprintln!("skipped: running with privileges that read a mode-000 file (root)");
        return;
    }
    let path = write(dir.path(), "secret.txt", "一、总体要求\n".as_bytes());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    assert_error(&path, "load::permission-denied");
}

#[test]
fn load_bytes_never_panics_on_damaged_seeds() {
    // Every prefix length class and a few bit flips of a real seed and of a docx.
    let text = std::fs::read(seed("000_")).expect("seed");
    let docx = sample_docx();
    for bytes in [&text, &docx] {
        for cut in (0..bytes.len()).step_by(bytes.len() / 97 + 1) {
            let _ = load::load_bytes(Path::new("cut.docx"), &bytes[..cut]);
        }
        for i in (0..bytes.len()).step_by(bytes.len() / 61 + 1) {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x5A;
            let _ = load::load_bytes(Path::new("flip.txt"), &flipped);
        }
    }
}

// ---------------------------------------------------------------- walk --

#[test]
fn discover_walks_directories_sorted_and_skips_noise() {
    let dir = temp_dir();
    let root = dir.path();
    for name in [
        "b/plan.txt",
        "a/plan.DOCX",
        "a/page.htm",
        "a/page.html",
        "a/notes.md",
        "a/data.csv",
        "a/~$plan.docx",
        "a/.hidden.txt",
        ".git/config.txt",
        "target/debug/out.txt",
        "c/target.txt",
    ] {
        write(root, name, b"x");
    }
    let given = write(root, "direct.pdf", b"x");
    let found = load::discover(&[root.to_path_buf(), given.clone(), root.join("a/notes.md")]);
    let paths: Vec<String> = found
        .iter()
        .map(|r| {
            r.as_ref()
                .expect("no errors here")
                .strip_prefix(root)
                .expect("under root")
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        paths,
        [
            "a/notes.md",
            "a/page.htm",
            "a/page.html",
            "a/plan.DOCX",
            "b/plan.txt",
            "c/target.txt",
            "direct.pdf"
        ]
    );
}

#[test]
fn discover_reports_missing_paths_and_goes_on() {
    let dir = temp_dir();
    let plan = write(dir.path(), "plan.txt", b"x");
    let missing = dir.path().join("missing.txt");
    let found = load::discover(&[missing.clone(), plan.clone()]);
    assert_eq!(found.len(), 2);
    let err = found[0].as_ref().expect_err("missing");
    assert_eq!(err.code(), "load::not-found");
    assert_eq!(err.path(), missing);
    assert_eq!(found[1].as_ref().expect("plan"), &plan);
}

#[test]
fn discover_reports_a_symlink_loop_and_keeps_walking() {
    let dir = temp_dir();
    let root = dir.path();
    write(root, "plans/a.txt", b"x");
    write(root, "plans/sub/b.txt", b"x");
    std::os::unix::fs::symlink(root.join("plans"), root.join("plans/sub/loop")).expect("symlink");
    std::os::unix::fs::symlink(root.join("nowhere"), root.join("plans/broken.txt"))
        .expect("symlink");
    let found = load::discover(&[root.join("plans")]);
    let ok: Vec<&PathBuf> = found.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(
        ok,
        [&root.join("plans/a.txt"), &root.join("plans/sub/b.txt")]
    );
    let errors: Vec<&LoadError> = found.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    let looped = errors
        .iter()
        .find(|e| e.code() == "load::symlink-loop")
        .expect("loop reported");
    assert_eq!(looped.path(), root.join("plans/sub/loop"));
    assert!(
        looped.to_string().contains("symbolic link loop"),
        "{looped}"
    );
    let broken = errors
        .iter()
        .find(|e| e.path() == root.join("plans/broken.txt"))
        .expect("broken link reported");
    assert!(
        broken.to_string().contains("broken symbolic link"),
        "{broken}"
    );
}

#[test]
fn discover_reports_an_unreadable_directory() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir();
    if ignores_permissions(dir.path()) {
        eprintln!("skipped: running with privileges that read a mode-000 file (root)");
        return;
    }
    write(dir.path(), "locked/a.txt", b"x");
    write(dir.path(), "open/b.txt", b"x");
    let locked = dir.path().join("locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let found = load::discover(&[dir.path().to_path_buf()]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod back");
    assert!(found.iter().any(|r| r
        .as_ref()
        .is_err_and(|e| e.code() == "load::permission-denied" && e.path() == locked)));
    assert!(found
        .iter()
        .any(|r| r.as_ref().is_ok_and(|p| p.ends_with("open/b.txt"))));
}

// --------------------------------------------------------------- write --

#[test]
fn write_atomic_replaces_and_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir();
    let path = write(dir.path(), "plan.txt", b"old");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    load::write_atomic(&path, "新的内容".as_bytes()).expect("written");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "新的内容");
    assert_eq!(
        std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
        0o640
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["plan.txt"], "no temporary file left");

    // A new file gets the usual mode, not the 0600 of a temporary file.
    let new = dir.path().join("report.csv");
    load::write_atomic(&new, b"a,b\n").expect("written");
    assert_ne!(
        std::fs::metadata(&new).expect("meta").permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn write_atomic_through_a_symlink_replaces_the_target() {
    let dir = temp_dir();
    let target = write(dir.path(), "real.txt", b"old");
    let link = dir.path().join("link.txt");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    load::write_atomic(&link, b"new").expect("written");
    assert!(
        link.symlink_metadata()
            .expect("meta")
            .file_type()
            .is_symlink(),
        "link kept"
    );
    assert_eq!(std::fs::read(&target).expect("read"), b"new");
}

#[test]
fn failed_write_leaves_the_original_intact() {
    let dir = temp_dir();
    let path = write(dir.path(), "plan.txt", "原来的计划\n".as_bytes());
    let err = load::write_atomic_with(&path, |file| {
        file.write_all("写了一半".as_bytes())?;
        Err(std::io::Error::other("disk full"))
    })
    .expect_err("write fails");
    assert_eq!(err.code(), "load::write");
    assert!(
        err.to_string().starts_with(&path.display().to_string()),
        "{err}"
    );
    assert!(err.to_string().contains("disk full"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "原来的计划\n"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["plan.txt"], "no temporary file left");

    // Writing over a directory fails the same way.
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).expect("mkdir");
    assert_eq!(
        load::write_atomic(&sub, b"x")
            .expect_err("a directory")
            .code(),
        "load::write"
    );
    assert!(sub.is_dir());

    // So does writing into a directory that does not exist.
    let nowhere = dir.path().join("no/such/dir/plan.txt");
    assert_eq!(
        load::write_atomic(&nowhere, b"x")
            .expect_err("no dir")
            .code(),
        "load::write"
    );
}

// ----------------------------------------------------------- locations --

#[test]
fn locate_counts_characters_on_chinese_text() {
    let text = "一、总体要求\n（一）加强组织领导（市知识产权局负责）\r\n\n末行";
    let index = LineIndex::new(text);
    assert_eq!(index.line_count(), 4);
    assert_eq!(index.locate(text, 0), (1, 1));
    assert_eq!(index.locate(text, text.find("总").unwrap()), (1, 3));
    assert_eq!(
        index.locate(text, text.find('\n').unwrap()),
        (1, 7),
        "the newline ends line 1"
    );
    assert_eq!(index.locate(text, text.find("加强").unwrap()), (2, 4));
    assert_eq!(index.locate(text, text.find("市知识").unwrap()), (2, 11));
    assert_eq!(index.locate(text, text.find("末行").unwrap()), (4, 1));
    // Inside a multi-byte character: that character.
    assert_eq!(index.locate(text, text.find("加强").unwrap() + 1), (2, 4));
    // Past the end: clamped to the end.
    assert_eq!(index.locate(text, text.len() + 10), (4, 3));
    assert_eq!(index.line_start(2), Some(text.find('（').unwrap()));
    assert_eq!(index.line_start(0), None);
    assert_eq!(index.line_start(5), None);
}

#[test]
fn locate_matches_on_a_seed() {
    let source = load::load(&seed("000_")).expect("000 loads");
    // Every line start is column 1 of its line, and the column of the first
    // character after a known prefix counts characters.
    for line in 1..=source.lines.line_count() as u32 {
        let start = source.lines.line_start(line).expect("line exists");
        assert_eq!(source.locate(start), (line, 1));
    }
    let at = source.text.find("津市场监管办").expect("doc number");
    let (line, column) = source.locate(at);
    let line_text = &source.text[source.lines.line_start(line).unwrap()..];
    assert_eq!(line_text.chars().nth(column as usize - 1), Some('津'));
}

#[test]
fn error_codes_are_stable() {
    let path = PathBuf::from("p.txt");
    let io = || std::io::Error::other("x");
    let cases: Vec<(LoadError, &str)> = vec![
        (
            LoadError::NotFound { path: path.clone() },
            "load::not-found",
        ),
        (
            LoadError::IsDirectory { path: path.clone() },
            "load::is-directory",
        ),
        (
            LoadError::PermissionDenied { path: path.clone() },
            "load::permission-denied",
        ),
        (
            LoadError::Io {
                path: path.clone(),
                source: io(),
            },
            "load::io",
        ),
        (
            LoadError::Empty {
                path: path.clone(),
                what: "x",
            },
            "load::empty",
        ),
        (
            LoadError::Binary {
                path: path.clone(),
                what: "x".into(),
            },
            "load::binary",
        ),
        (
            LoadError::Undecodable {
                path: path.clone(),
                detail: "x".into(),
            },
            "load::undecodable",
        ),
        (
            LoadError::CorruptDocx {
                path: path.clone(),
                detail: "x".into(),
            },
            "load::corrupt-docx",
        ),
        (
            LoadError::DocxTooLarge {
                path: path.clone(),
                part: "x",
                limit: 1,
            },
            "load::docx-too-large",
        ),
        (
            LoadError::TooLarge {
                path: path.clone(),
                size: 2,
                limit: 1,
            },
            "load::too-large",
        ),
        (
            LoadError::SymlinkLoop {
                path: path.clone(),
                ancestor: path.clone(),
            },
            "load::symlink-loop",
        ),
        (
            LoadError::CannotWriteBack {
                path: path.clone(),
                format: Format::Docx,
            },
            "load::cannot-write-back",
        ),
        (
            LoadError::Unencodable {
                path: path.clone(),
                encoding: "GB18030",
                detail: "x".into(),
            },
            "load::unencodable",
        ),
        (
            LoadError::Write {
                path: path.clone(),
                source: io(),
            },
            "load::write",
        ),
    ];
    for (err, code) in cases {
        assert_eq!(err.code(), code);
        assert!(err.to_string().starts_with("p.txt: "), "{err}");
    }
}

/// Writing "atomically" to a device writes into it: renaming a temporary
/// file over `/dev/null` would replace the device with a regular file.
#[cfg(unix)]
#[test]
fn write_atomic_into_a_device_writes_into_it() {
    use std::os::unix::fs::FileTypeExt;
    planlint::load::write_atomic(std::path::Path::new("/dev/null"), b"nothing").unwrap();
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(
        meta.file_type().is_char_device(),
        "/dev/null is still a device"
    );
}
