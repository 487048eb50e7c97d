"""A small spreadsheet model (Grid) written to .xlsx (xlsxwriter), .xls (xlwt), .ods (zipfile) or
.csv, and the title/header layout helpers shared by the generators.

Standard library only; xlsxwriter and xlwt are imported inside the functions that need them (the
corpus generator make_corpus.py runs where only python3-xlsxwriter and python3-xlwt are installed)."""

import csv
import datetime
import re


class Grid:
    def __init__(self, name):
        self.name = name
        self.cells = {}        # (r, c) -> (value, style); value may be ("=formula", cached)
        self.merges = []       # (r1, c1, r2, c2)
        self.widths = {}
        self.ncols = 0
        self.nrows = 0
        self.header_rows = None

    def put(self, r, c, value, style="text"):
        self.cells[(r, c)] = (value, style)
        self.nrows = max(self.nrows, r + 1)
        self.ncols = max(self.ncols, c + 1)

    def merge(self, r1, c1, r2, c2, value, style="text"):
        self.put(r1, c1, value, style)
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    self.cells[(r, c)] = (None, style)
        self.merges.append((r1, c1, r2, c2))
        self.nrows = max(self.nrows, r2 + 1)
        self.ncols = max(self.ncols, c2 + 1)


class Formula:
    def __init__(self, text, value):
        self.text = text
        self.value = value


def col_letter(c):
    s = ""
    c += 1
    while c:
        c, m = divmod(c - 1, 26)
        s = chr(65 + m) + s
    return s


XLSX_STYLES = {
    "title": {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter", "font_name": "宋体"},
    "info": {"align": "left", "valign": "vcenter", "font_name": "宋体", "font_size": 11},
    "unit": {"align": "right", "valign": "vcenter", "font_name": "宋体", "font_size": 11},
    "header": {"bold": True, "align": "center", "valign": "vcenter", "border": 1, "text_wrap": True,
               "font_name": "黑体", "font_size": 11},
    "text": {"border": 1, "valign": "vcenter", "font_name": "宋体", "font_size": 11},
    "center": {"border": 1, "align": "center", "valign": "vcenter", "font_name": "宋体", "font_size": 11},
    "int": {"border": 1, "num_format": "0", "valign": "vcenter", "font_name": "宋体", "font_size": 11},
    "code": {"border": 1, "num_format": "0", "valign": "vcenter", "font_name": "宋体", "font_size": 11},
    "date": {"border": 1, "num_format": "yyyy/m/d", "align": "center", "valign": "vcenter",
             "font_name": "宋体", "font_size": 11},
    "datecn": {"border": 1, "num_format": 'yyyy"年"m"月"d"日"', "align": "center", "valign": "vcenter",
               "font_name": "宋体", "font_size": 11},
    "sum": {"bold": True, "border": 1, "num_format": "0", "align": "center", "valign": "vcenter",
            "font_name": "宋体", "font_size": 11},
    "num2": {"border": 1, "num_format": "0.00", "valign": "vcenter", "font_name": "宋体", "font_size": 11},
    "sum2": {"bold": True, "border": 1, "num_format": "0.00", "align": "center", "valign": "vcenter",
             "font_name": "宋体", "font_size": 11},
    "note": {"align": "left", "valign": "top", "text_wrap": True, "font_name": "宋体", "font_size": 10},
}

FIXED_TIME = datetime.datetime(2022, 6, 20, 9, 0, 0)


def write_xlsx(path, grids, author="滨州市清洁取暖建设推进办公室", created=None):
    import xlsxwriter
    wb = xlsxwriter.Workbook(path, {"strings_to_numbers": False, "strings_to_formulas": False,
                                    "strings_to_urls": False})
    wb.set_properties({"author": author, "created": created or FIXED_TIME})
    fmts = {k: wb.add_format(v) for k, v in XLSX_STYLES.items()}
    for g in grids:
        ws = wb.add_worksheet(g.name)
        if not g.cells:
            continue
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        if g.header_rows:
            ws.repeat_rows(*g.header_rows)
        for c, w in g.widths.items():
            ws.set_column(c, c, w)
        skip = set()
        for m in g.merges:
            for r in range(m[0], m[2] + 1):
                for c in range(m[1], m[3] + 1):
                    skip.add((r, c))
        for m in g.merges:
            val, st = g.cells[(m[0], m[1])]
            f = fmts[st]
            if isinstance(val, (datetime.date, datetime.datetime)) or isinstance(val, Formula):
                ws.merge_range(m[0], m[1], m[2], m[3], None, f)
                _xlsx_cell(ws, m[0], m[1], val, f)
            else:
                ws.merge_range(m[0], m[1], m[2], m[3], "" if val is None else val, f)
        for (r, c), (val, st) in sorted(g.cells.items()):
            if (r, c) in skip:
                continue
            _xlsx_cell(ws, r, c, val, fmts[st])
    wb.close()


def _xlsx_cell(ws, r, c, val, f):
    if val is None:
        ws.write_blank(r, c, None, f)
    elif isinstance(val, Formula):
        ws.write_formula(r, c, val.text, f, val.value)
    elif isinstance(val, (datetime.datetime, datetime.date)):
        if not isinstance(val, datetime.datetime):
            val = datetime.datetime(val.year, val.month, val.day)
        ws.write_datetime(r, c, val, f)
    elif isinstance(val, (int, float)) and not isinstance(val, bool):
        ws.write_number(r, c, val, f)
    else:
        ws.write_string(r, c, str(val), f)


def write_xls(path, grids):
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    styles = {}

    def style(st):
        if st in styles:
            return styles[st]
        d = XLSX_STYLES[st]
        s = xlwt.XFStyle()
        fnt = xlwt.Font()
        fnt.name = d.get("font_name", "宋体")
        fnt.bold = bool(d.get("bold"))
        fnt.height = int(d.get("font_size", 11) * 20)
        s.font = fnt
        al = xlwt.Alignment()
        al.horz = {"center": xlwt.Alignment.HORZ_CENTER, "right": xlwt.Alignment.HORZ_RIGHT,
                   "left": xlwt.Alignment.HORZ_LEFT}.get(d.get("align"), xlwt.Alignment.HORZ_GENERAL)
        al.vert = xlwt.Alignment.VERT_CENTER
        al.wrap = 1 if d.get("text_wrap") else 0
        s.alignment = al
        if d.get("border"):
            b = xlwt.Borders()
            b.left = b.right = b.top = b.bottom = xlwt.Borders.THIN
            s.borders = b
        if "num_format" in d:
            s.num_format_str = d["num_format"].replace('"', "")
        styles[st] = s
        return s

    for g in grids:
        ws = wb.add_sheet(g.name)
        ws.set_portrait(False)
        ws.paper_size_code = 9
        for c, w in g.widths.items():
            ws.col(c).width = int(w * 256)
        skip = set()
        for m in g.merges:
            val, st = g.cells[(m[0], m[1])]
            ws.write_merge(m[0], m[2], m[1], m[3], "" if val is None else val, style(st))
            for r in range(m[0], m[2] + 1):
                for c in range(m[1], m[3] + 1):
                    skip.add((r, c))
        for (r, c), (val, st) in sorted(g.cells.items()):
            if (r, c) in skip:
                continue
            if isinstance(val, Formula):
                val = val.value
            if isinstance(val, Formula):  # xls: the cached value
                val = val.value
            ws.write(r, c, val, style(st))
    wb.save(path)


def write_csv(path, grid, encoding="gb18030"):
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        for r in range(grid.nrows):
            row = []
            for c in range(grid.ncols):
                val = grid.cells.get((r, c), (None, ""))[0]
                if isinstance(val, Formula):
                    val = val.value
                if val is None:
                    row.append("")
                elif isinstance(val, float) and val.is_integer():
                    row.append(str(int(val)))
                else:
                    row.append(str(val))
            w.writerow(row)


ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
           'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
           'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" '
           'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"')


def _xml(s):
    return (str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _ods_formula(text):
    """=SUM(F6:I6) -> of:=SUM([.F6:.I6]); =F31+F33 -> of:=[.F31]+[.F33]; argument separator ;"""
    return "of:" + re.sub(r"\b([A-Z]{1,3}[0-9]+)(?::([A-Z]{1,3}[0-9]+))?\b",
                          lambda m: "[.%s:.%s]" % m.groups() if m.group(2) else "[.%s]" % m.group(1), text.replace(",", ";"))


def _ods_styles():
    """Automatic styles of content.xml: one cell style per XLSX_STYLES entry, two date formats."""
    out = ['<number:date-style style:name="Nymd"><number:year number:style="long"/><number:text>/</number:text>'
           '<number:month/><number:text>/</number:text><number:day/></number:date-style>',
           '<number:date-style style:name="Ncn"><number:year number:style="long"/><number:text>年</number:text>'
           '<number:month/><number:text>月</number:text><number:day/><number:text>日</number:text>'
           '</number:date-style>']
    for name, d in XLSX_STYLES.items():
        data = {"date": ' style:data-style-name="Nymd"', "datecn": ' style:data-style-name="Ncn"'}.get(name, "")
        cell = ' style:vertical-align="middle"'
        if d.get("border"):
            cell += ' fo:border="0.5pt solid #000000"'
        if d.get("text_wrap"):
            cell += ' fo:wrap-option="wrap"'
        text = ' fo:font-size="%gpt" style:font-family-asian="%s"' % (d.get("font_size", 11), _xml(d.get("font_name", "宋体")))
        if d.get("bold"):
            text += ' fo:font-weight="bold" style:font-weight-asian="bold"'
        align = {"center": "center", "right": "end", "left": "start"}.get(d.get("align"))
        para = '<style:paragraph-properties fo:text-align="%s"/>' % align if align else ""
        out.append('<style:style style:name="ce_%s" style:family="table-cell" style:parent-style-name="Default"%s>'
                   '<style:table-cell-properties%s/>%s<style:text-properties%s/></style:style>'
                   % (name, data, cell, para, text))
    return out


def _ods_cell(val, st, span):
    attrs = ' table:style-name="ce_%s"' % st
    if span:
        attrs += ' table:number-columns-spanned="%d" table:number-rows-spanned="%d"' % span
    if isinstance(val, Formula):
        attrs += ' table:formula="%s"' % _xml(_ods_formula(val.text))
        val = val.value
    if val is None:
        return "<table:table-cell%s/>" % attrs
    if isinstance(val, (datetime.date, datetime.datetime)):
        d = datetime.date(val.year, val.month, val.day)
        shown = ("%d年%d月%d日" if st == "datecn" else "%d/%d/%d") % (d.year, d.month, d.day)
        return ('<table:table-cell%s office:value-type="date" office:date-value="%s"><text:p>%s</text:p>'
                '</table:table-cell>' % (attrs, d.isoformat(), shown))
    if isinstance(val, (int, float)) and not isinstance(val, bool):
        num = repr(val) if isinstance(val, float) and not val.is_integer() else "%d" % val
        return ('<table:table-cell%s office:value-type="float" office:value="%s"><text:p>%s</text:p>'
                '</table:table-cell>' % (attrs, num, num))
    return ('<table:table-cell%s office:value-type="string"><text:p>%s</text:p></table:table-cell>'
            % (attrs, _xml(val)))


def write_ods(path, grids, author="滨州市清洁取暖建设推进办公室", created=None):
    """An OpenDocument spreadsheet written directly (zip: mimetype stored first, content.xml,
    styles.xml, meta.xml, META-INF/manifest.xml) with fixed timestamps: byte-identical on re-runs.
    Merged cells are number-columns-spanned / number-rows-spanned with covered cells; numbers are
    office:value-type="float"; formulas carry their cached value."""
    import zipfile
    created = created or FIXED_TIME
    content = ['<?xml version="1.0" encoding="UTF-8"?>',
               '<office:document-content %s office:version="1.2">' % _ODS_NS,
               "<office:automatic-styles>"]
    widths = sorted({w for g in grids for w in g.widths.values()})
    for w in widths:
        content.append('<style:style style:name="co%g" style:family="table-column">'
                       '<style:table-column-properties style:column-width="%.3fcm"/></style:style>'
                       % (w, w * 0.2 + 0.1))
    content += _ods_styles()
    content.append("</office:automatic-styles><office:body><office:spreadsheet>")
    for g in grids:
        content.append('<table:table table:name="%s">' % _xml(g.name))
        ncols = max(g.ncols, 1)
        for c in range(ncols):
            w = g.widths.get(c)
            content.append('<table:table-column%s/>' % (' table:style-name="co%g"' % w if w else ""))
        span = {(m[0], m[1]): (m[3] - m[1] + 1, m[2] - m[0] + 1) for m in g.merges}
        covered = {(r, c) for m in g.merges for r in range(m[0], m[2] + 1) for c in range(m[1], m[3] + 1)
                   if (r, c) != (m[0], m[1])}
        hr = g.header_rows if g.header_rows and g.header_rows[1] < g.nrows else None
        for r in range(max(g.nrows, 1)):
            if hr and r == hr[0]:
                content.append("<table:table-header-rows>")
            cells = []
            last = max([c for (rr, c) in list(g.cells) + list(covered) if rr == r] or [-1])
            for c in range(last + 1):
                if (r, c) in covered:
                    cells.append("<table:covered-table-cell/>")
                elif (r, c) in g.cells:
                    val, st = g.cells[(r, c)]
                    cells.append(_ods_cell(val, st, span.get((r, c))))
                else:
                    cells.append("<table:table-cell/>")
            content.append("<table:table-row>%s</table:table-row>" % ("".join(cells) or "<table:table-cell/>"))
            if hr and r == hr[1]:
                content.append("</table:table-header-rows>")
        content.append("</table:table>")
    content.append("</office:spreadsheet></office:body></office:document-content>")
    styles = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles %s office:version="1.2">'
              '<office:styles><style:default-style style:family="table-cell"><style:text-properties '
              'style:font-family-asian="宋体" fo:font-size="11pt"/></style:default-style>'
              '<style:style style:name="Default" style:family="table-cell"/></office:styles>'
              '<office:automatic-styles><style:page-layout style:name="pm1"><style:page-layout-properties '
              'fo:page-width="29.7cm" fo:page-height="21cm" style:print-orientation="landscape"/>'
              '</style:page-layout></office:automatic-styles><office:master-styles><style:master-page '
              'style:name="Default" style:page-layout-name="pm1"/></office:master-styles>'
              '</office:document-styles>' % _ODS_NS)
    stamp = created.strftime("%Y-%m-%dT%H:%M:%S")
    meta = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta %s office:version="1.2"><office:meta>'
            '<meta:generator>cleanheat data-samples</meta:generator><meta:initial-creator>%s</meta:initial-creator>'
            '<dc:creator>%s</dc:creator><meta:creation-date>%s</meta:creation-date><dc:date>%s</dc:date>'
            '</office:meta></office:document-meta>' % (_ODS_NS, _xml(author), _xml(author), stamp, stamp))
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
                'manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="%s"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
                '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>' % ODS_MIMETYPE)
    when = (created.year, created.month, created.day, created.hour, created.minute, created.second)

    def add(zf, name, data, method):
        zi = zipfile.ZipInfo(name, date_time=when)
        zi.compress_type = method
        zi.create_system = 3
        zi.external_attr = 0o100644 << 16
        zf.writestr(zi, data.encode("utf-8"))

    with zipfile.ZipFile(path, "w") as zf:
        add(zf, "mimetype", ODS_MIMETYPE, zipfile.ZIP_STORED)
        add(zf, "content.xml", "\n".join(content) + "\n", zipfile.ZIP_DEFLATED)
        add(zf, "styles.xml", styles, zipfile.ZIP_DEFLATED)
        add(zf, "meta.xml", meta, zipfile.ZIP_DEFLATED)
        add(zf, "META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)


def lay_title(g, title, ncols, info, unit):
    """Title, 填报单位/日期 line(s), optional 单位 line.  Returns the next free row."""
    g.merge(0, 0, 0, ncols - 1, title, "title")
    r = 1
    if isinstance(info, tuple):      # split over two cells
        half = ncols // 2
        g.merge(r, 0, r, half - 1, info[0], "info")
        g.merge(r, half, r, ncols - 1, info[1], "info")
    else:
        g.merge(r, 0, r, ncols - 1, info, "info")
    r += 1
    if unit:
        g.merge(r, 0, r, ncols - 1, unit, "unit")
        r += 1
    return r


def lay_headers(g, r, cols, two_level):
    """cols: [(key, top, sub)].  Returns the first data row."""
    if not two_level:
        for c, (_, top, _) in enumerate(cols):
            g.put(r, c, top, "header")
        g.header_rows = (r, r)
        return r + 1
    c = 0
    while c < len(cols):
        key, top, sub = cols[c]
        if sub is None:
            g.merge(r, c, r + 1, c, top, "header")
            c += 1
            continue
        c2 = c
        while c2 + 1 < len(cols) and cols[c2 + 1][1] == top and cols[c2 + 1][2] is not None:
            c2 += 1
        if c2 > c:
            g.merge(r, c, r, c2, top, "header")
        else:
            g.put(r, c, top, "header")
        for k in range(c, c2 + 1):
            g.put(r + 1, k, cols[k][2], "header")
        c = c2 + 1
    g.header_rows = (r, r + 1)
    return r + 2
