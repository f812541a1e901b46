import Policy

/// One self-contained HTML file: styles inline, the map as inline SVG, no script, no font or
/// image fetched (the page forbids it in its Content-Security-Policy), laid out to print.
enum HTMLRenderer {
    static func render(_ document: ReportDocument) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="\(document.language.htmlTag)">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(document.title))</title>
            <style>\(style)</style>
            </head>
            <body>
            <header>
            <h1>\(escape(document.title))</h1>
            <p class="subtitle">\(escape(document.subtitle))</p>
            \(facts(document.facts))
            \(document.notices.map { "<p class=\"notice\">\(escape($0))</p>" }.joined(separator: "\n"))
            </header>
            <nav><ol>\(document.sections.map { "<li><a href=\"#\(escape($0.id))\">\(escape($0.title))</a></li>" }.joined())</ol></nav>

            """
        for section in document.sections { html += self.section(section, level: 2) + "\n" }
        return html + "</body>\n</html>\n"
    }

    /// One section as an HTML fragment, for a page that has its own head and styles.
    static func fragment(_ section: ReportSection, level: Int) -> String {
        self.section(section, level: level)
    }

    private static func section(_ section: ReportSection, level: Int) -> String {
        let classes = ["section"] + (section.pageBreak ? ["page"] : []) + (section.id.hasPrefix("finding-") ? ["finding"] : [])
        var html = "<section id=\"\(escape(section.id))\" class=\"\(classes.joined(separator: " "))\">\n<h\(level)>\(escape(section.title))</h\(level)>\n"
        for block in section.blocks { html += self.block(block, level: level) + "\n" }
        return html + "</section>"
    }

    private static func block(_ block: ReportBlock, level: Int) -> String {
        switch block {
        case .paragraph(let text): return "<p>\(lines(text))</p>"
        case .notice(let text): return "<p class=\"notice\">\(lines(text))</p>"
        case .facts(let list): return facts(list)
        case .list(let items): return "<ul>" + items.map { "<li>\(lines($0))</li>" }.joined() + "</ul>"
        case .table(let header, let rows):
            let head = "<thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead>"
            let body = rows.map { "<tr>" + $0.map { "<td>\(lines($0))</td>" }.joined() + "</tr>" }.joined()
            return "<table>\(head)<tbody>\(body)</tbody></table>"
        case .map(let map): return "<figure class=\"map\">\(map.svg())</figure>"
        case .subsection(let section): return self.section(section, level: min(level + 1, 6))
        case .severity(let severity, let text):
            return "<p class=\"badge severity-\(severity.rawValue.lowercased())\">\(escape(text)) · \(severity.rawValue)</p>"
        }
    }

    private static func facts(_ list: [ReportFact]) -> String {
        "<dl>" + list.map { "<dt>\(escape($0.label))</dt><dd>\(lines($0.value))</dd>" }.joined() + "</dl>"
    }

    private static func lines(_ text: String) -> String {
        escape(text).replacingOccurrences(of: "\n", with: "<br>")
    }

    private static let style = """
        body{font-family:'Noto Sans CJK SC','Noto Sans CJK','Noto Sans','DejaVu Sans',sans-serif;color:#212121;margin:2em auto;max-width:1050px;padding:0 1em;line-height:1.45;font-size:14px}
        h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #263238;padding-bottom:.2em;margin-top:1.6em}h3{margin-bottom:.3em}h4{margin-bottom:.2em}
        .subtitle{color:#455a64}.notice{background:#fff8e1;border-left:4px solid #f9a825;padding:.5em .8em}
        dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}
        table{border-collapse:collapse;width:100%;margin:.4em 0;font-size:.92em}th,td{border:1px solid #cfd8dc;padding:.25em .45em;text-align:left;vertical-align:top;word-break:break-word}th{background:#eceff1}
        .badge{display:inline-block;padding:.15em .7em;border-radius:1em;color:#fff;font-weight:bold}
        .severity-critical{background:#7f0000}.severity-high{background:#c62828}.severity-medium{background:#ef6c00}.severity-low{background:#558b2f}.severity-info{background:#546e7a}
        figure.map{margin:0}nav ol{columns:2}
        @media print{body{margin:0;max-width:none;font-size:11px}nav{display:none}.page{break-before:page}tr,dl,figure{break-inside:avoid}.badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
        """
}

/// The same document as Markdown; the map becomes a table of far ends by country.
enum MarkdownRenderer {
    static func render(_ document: ReportDocument) -> String {
        var lines = ["# \(inline(document.title))", "", inline(document.subtitle), ""]
        lines += document.facts.map { "- **\(inline($0.label))**: \(inline($0.value))" }
        lines.append("")
        lines += document.notices.map { "> \(inline($0))\n" }
        for section in document.sections { lines += self.section(section, level: 2) }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func section(_ section: ReportSection, level: Int) -> [String] {
        var lines = ["<a id=\"\(section.id)\"></a>", "", String(repeating: "#", count: level) + " " + inline(section.title), ""]
        for block in section.blocks { lines += self.block(block, level: level) }
        return lines
    }

    private static func block(_ block: ReportBlock, level: Int) -> [String] {
        switch block {
        case .paragraph(let text): return [inline(text), ""]
        case .notice(let text): return ["> " + inline(text), ""]
        case .facts(let list): return list.map { "- **\(inline($0.label))**: \(inline($0.value))" } + [""]
        case .list(let items): return items.map { "- " + inline($0) } + [""]
        case .table(let header, let rows): return table(header, rows)
        case .map(let map):
            let rows = map.groups.flatMap { group in group.ends.map { [group.name, $0.circuitID, $0.label, $0.category.rawValue] } }
            let t = { (text: ReportText) in text.text(map.language) }
            return [inline(map.gatewayLabel) + " →", ""] + table([t(.region), t(.circuit), t(.remoteEnd), t(.category)], rows)
                + [map.legend.map { "`\($0.category.rawValue)` \(inline($0.label))" }.joined(separator: " · "), ""]
        case .subsection(let section): return self.section(section, level: min(level + 1, 6))
        case .severity(let severity, let text): return ["**\(inline(text)) · \(severity.rawValue)**", ""]
        }
    }

    private static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        let cells = { (row: [String]) in "| " + row.map(cell).joined(separator: " | ") + " |" }
        return [cells(header), "|" + String(repeating: " --- |", count: header.count)] + rows.map(cells) + [""]
    }

    /// Table cells: pipes escaped, line breaks kept as <br>.
    private static func cell(_ text: String) -> String {
        inline(text).replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: "<br>")
    }

    /// Text that Markdown must not read as markup or HTML.
    private static func inline(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\", "`", "*", "_", "[", "]", "#": out += "\\\(character)"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            default: out.append(character)
            }
        }
        return out
    }
}
