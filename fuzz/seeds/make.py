#!/usr/bin/env python3
"""Writes the committed seed corpora of the fuzz targets (run from fuzz/).

seeds/text:  the five seeds, the small plans of tests/fixtures/plans, and four
             damaged variants of each seed (every 年 removed, every closing
             bracket removed, the first half, the second half).
seeds/bytes: the text seeds as bytes plus encodings and containers the load
             stage must detect: a GB18030 seed, a UTF-16LE (BOM) seed, a
             UTF-8 BOM seed, a .docx built from seed 003 (with Word numbering
             in numbering.xml and a task table), a GB2312 web page, and a cut
             .docx.
"""
import glob, io, os, re, zipfile
from xml.sax.saxutils import escape

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
TEXT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "text")
BYTES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bytes")
os.makedirs(TEXT, exist_ok=True)
os.makedirs(BYTES, exist_ok=True)


def put(d, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


seeds = sorted(glob.glob(os.path.join(ROOT, "seeds", "*.txt")))
assert len(seeds) == 5, seeds
for path in seeds:
    text = open(path, encoding="utf-8").read()
    tag = os.path.basename(path)[:3]
    half = len(text) // 2
    for name, variant in [
        ("", text),
        ("-no-nian", text.replace("年", "")),
        ("-no-closing", re.sub("[）)]", "", text)),
        ("-first-half", text[:half]),
        ("-second-half", text[half:]),
    ]:
        put(TEXT, f"seed{tag}{name}.txt", variant)
for path in sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "plans", "*.txt"))):
    put(TEXT, "fixture-" + os.path.basename(path), open(path, "rb").read())

for path in seeds[:5]:
    tag = os.path.basename(path)[:3]
    put(BYTES, f"seed{tag}.txt", open(path, "rb").read())
s003 = open(seeds[3], encoding="utf-8").read()
s002 = open(seeds[2], encoding="utf-8").read()
put(BYTES, "seed003-gb18030.txt", s003.encode("gb18030"))
put(BYTES, "seed003-utf16le.txt", b"\xff\xfe" + s003.encode("utf-16-le"))
put(BYTES, "seed003-utf8bom.txt", b"\xef\xbb\xbf" + s003.encode("utf-8"))

# A GB2312 web page with a task table.
rows = "".join(
    f"<tr><td>{i}</td><td>开展第{i}项工作</td><td>市知识产权局</td><td>2021年6月底前</td></tr>"
    for i in range(1, 4)
)
page = (
    '<!DOCTYPE html><html><head><meta charset="gb2312"><title>工作要点</title>'
    "<style>p{}</style><script>var x = '<p>';</script></head><body>"
    + "".join(f"<p>{escape(line)}</p>" for line in s002.splitlines()[:40] if line.strip())
    + f"<table>{rows}</table></body></html>"
)
put(BYTES, "seed002-gb2312.html", page.encode("gb18030"))

# A .docx from seed 003: 一、 and （一） become Word numbering.
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
paras = []
for line in s003.splitlines():
    if not line.strip():
        continue
    m1 = re.match(r"^[一二三四五六七八九十]+、(.*)", line)
    m2 = re.match(r"^（[一二三四五六七八九十]+）(.*)", line)
    if m1 or m2:
        ilvl, body = (0, m1.group(1)) if m1 else (1, m2.group(1))
        paras.append(
            f'<w:p><w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="1"/></w:numPr></w:pPr>'
            f"<w:r><w:t>{escape(body)}</w:t></w:r></w:p>"
        )
    else:
        paras.append(f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>')
table = (
    "<w:tbl>"
    + "".join(
        "<w:tr>"
        + "".join(f"<w:tc><w:p><w:r><w:t>{c}</w:t></w:r></w:p></w:tc>" for c in cells)
        + "</w:tr>"
        for cells in [("序号", "任务", "责任单位"), ("1", "开展执法", "执法支队")]
    )
    + "</w:tbl>"
)
document = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>'
    + "".join(paras[:60])
    + '<w:p><w:r><w:t>删</w:t></w:r><w:del><w:r><w:delText>旧</w:delText></w:r></w:del>'
    + '<w:ins><w:r><w:t>新&amp;</w:t></w:r></w:ins><w:r><w:tab/><w:t>尾</w:t><w:br/></w:r></w:p>'
    + table
    + "</w:body></w:document>"
)
numbering = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering {W}>'
    '<w:abstractNum w:abstractNumId="0">'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
    '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>'
    "</w:abstractNum>"
    '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>'
)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
    z.writestr("word/document.xml", document)
    z.writestr("word/numbering.xml", numbering)
docx = buf.getvalue()
put(BYTES, "seed003.docx", docx)
put(BYTES, "seed003-cut.docx", docx[: len(docx) // 2])
# The bare XML too: the load target also wraps each input into a zip as
# word/document.xml.
put(BYTES, "seed003-document.xml", document)
