import Audit
import Policy

/// The circuits drawn as a diagram: the gateway, the organization's sites the circuits reach,
/// and every far end grouped by country or region, each line coloured by its category. It is a
/// schematic, not geography: what counsel needs is which circuit leaves for where.
public struct CircuitMap: Sendable, Equatable {
    public struct Group: Sendable, Equatable {
        /// ISO country code, nil when the far end could not be placed.
        public var country: String?
        public var name: String
        public var ends: [End]
    }

    public struct End: Sendable, Equatable {
        public var circuitID: String
        public var label: String
        public var category: Category
        public var severity: Severity
        /// The far end is one of the organization's declared sites (drawn as a square).
        public var isSite: Bool
    }

    public var language: ReportLanguage
    public var gatewayLabel: String
    public var groups: [Group]
    public var legend: [(category: Category, label: String)]
    public var title: String

    public static func == (lhs: CircuitMap, rhs: CircuitMap) -> Bool {
        lhs.gatewayLabel == rhs.gatewayLabel && lhs.groups == rhs.groups && lhs.title == rhs.title
            && lhs.legend.map(\.category) == rhs.legend.map(\.category)
    }

    init(_ context: ReportContext) {
        let language = context.language
        self.language = language
        title = ReportText.map.text(language)
        let gatewaySite = context.result.circuits.compactMap { $0.localLocation?.site }.first
        gatewayLabel = ReportText.gateway.text(language) + (gatewaySite.map { " — \($0)" } ?? "")
        var byCountry: [String: [End]] = [:]
        for finding in context.orderedFindings {
            let circuit = context.circuit(finding.circuitID)
            let location = circuit?.remoteLocation
            let place = location?.site ?? circuit?.remoteAddress ?? circuit?.remote.first?.host ?? "—"
            let end = End(circuitID: finding.circuitID, label: "\(finding.circuitName) → \(place)", category: finding.category, severity: finding.severity,
                          isSite: location?.site != nil)
            byCountry[location?.country ?? "", default: []].append(end)
        }
        // Mainland first (the domestic circuits), then the rest by code, the unplaced last.
        let order = byCountry.keys.sorted { lhs, rhs in
            let rank = { (code: String) in code == "CN" ? 0 : code.isEmpty ? 2 : 1 }
            return (rank(lhs), lhs) < (rank(rhs), rhs)
        }
        groups = order.map { code in
            Group(country: code.isEmpty ? nil : code, name: RegionNames.name(code.isEmpty ? nil : code, language), ends: byCountry[code]!)
        }
        let used = Set(context.result.findings.map(\.category))
        legend = Category.allCases.filter(used.contains).map { ($0, "\($0.rawValue.prefix(2)) \(language.pick($0.label))") }
    }

    /// Print-safe colours, distinct in greyscale order too: the more a category needs review,
    /// the darker and warmer.
    static func colour(_ category: Category) -> String {
        switch category {
        case .c5: "#7f0000"
        case .c6: "#b71c1c"
        case .c4: "#d84315"
        case .c2: "#ef6c00"
        case .c3: "#c79100"
        case .c9: "#6a1b9a"
        case .c1: "#2e7d32"
        case .c0: "#546e7a"
        }
    }

    /// The diagram as SVG: no script, no external reference, text in the document's language.
    public func svg() -> String {
        let rowHeight = 26, groupGap = 34, top = 40, left = 30, gatewayWidth = 190, endX = 430, width = 980
        var y = top
        var rows: [(group: Int, end: End?, y: Int)] = []
        for (index, group) in groups.enumerated() {
            rows.append((index, nil, y))
            y += rowHeight
            for end in group.ends {
                rows.append((index, end, y))
                y += rowHeight
            }
            y += groupGap - rowHeight
        }
        let legendTop = max(y, top + 80) + 10
        let height = legendTop + 24 * ((legend.count + 2) / 3) + 44
        let gatewayY = groups.isEmpty ? top + 20 : (top + y - groupGap) / 2
        var svg = ##"<svg xmlns="http://www.w3.org/2000/svg" id="circuit-map" role="img" viewBox="0 0 \##(width) \##(height)" width="100%" font-family="'Noto Sans CJK SC','Noto Sans CJK','Noto Sans',sans-serif" font-size="13">"##
        svg += "<title>\(escape(title))</title>"
        svg += ##"<rect x="0" y="0" width="\##(width)" height="\##(height)" fill="#ffffff"/>"##
        for row in rows {
            if let end = row.end {
                let colour = Self.colour(end.category)
                svg += ##"<path class="circuit" data-circuit="\##(escape(end.circuitID))" d="M \##(left + gatewayWidth) \##(gatewayY) C \##(endX - 120) \##(gatewayY), \##(endX - 120) \##(row.y - 4), \##(endX - 8) \##(row.y - 4)" fill="none" stroke="\##(colour)" stroke-width="\##(end.severity >= .high ? 3 : 2)"><title>\##(escape(end.circuitID)) \##(escape(end.category.rawValue))</title></path>"##
                svg += end.isSite
                    ? ##"<rect class="site" x="\##(endX - 6)" y="\##(row.y - 10)" width="12" height="12" fill="\##(colour)"/>"##
                    : ##"<circle cx="\##(endX)" cy="\##(row.y - 4)" r="6" fill="\##(colour)"/>"##
                svg += ##"<text class="end" x="\##(endX + 12)" y="\##(row.y)" fill="#212121"><title>\##(escape(end.label))</title>\##(escape(end.circuitID)) \##(escape(Self.clip(end.label, width: 56)))</text>"##
            } else {
                let group = groups[row.group]
                let span = group.ends.count * rowHeight + rowHeight
                svg += ##"<rect class="country" x="\##(endX - 20)" y="\##(row.y - 18)" width="\##(width - endX + 10)" height="\##(span)" rx="6" fill="#f5f5f5" stroke="#bdbdbd"/>"##
                svg += ##"<text class="country" x="\##(endX - 10)" y="\##(row.y)" font-weight="bold" fill="#212121">\##(escape(group.name))</text>"##
            }
        }
        svg += ##"<rect class="gateway" x="\##(left)" y="\##(gatewayY - 22)" width="\##(gatewayWidth)" height="44" rx="8" fill="#263238"/>"##
        svg += ##"<text x="\##(left + 10)" y="\##(gatewayY + 5)" fill="#ffffff" font-weight="bold">\##(escape(Self.clip(gatewayLabel, width: 24)))</text>"##
        for (index, entry) in legend.enumerated() {
            let x = left + (index % 3) * 310, ly = legendTop + (index / 3) * 24
            svg += ##"<rect x="\##(x)" y="\##(ly - 11)" width="22" height="6" fill="\##(Self.colour(entry.category))"/>"##
            svg += ##"<text x="\##(x + 30)" y="\##(ly - 4)" fill="#212121">\##(escape(entry.label))</text>"##
        }
        let shapesY = legendTop + 24 * ((legend.count + 2) / 3)
        svg += ##"<rect x="\##(left + 5)" y="\##(shapesY - 11)" width="12" height="12" fill="#616161"/>"##
        svg += ##"<text x="\##(left + 30)" y="\##(shapesY)" fill="#212121">\##(escape(ReportText.mapSite.text(language)))</text>"##
        svg += ##"<circle cx="\##(left + 321)" cy="\##(shapesY - 5)" r="6" fill="#616161"/>"##
        svg += ##"<text x="\##(left + 340)" y="\##(shapesY)" fill="#212121">\##(escape(ReportText.mapOtherEnd.text(language)))</text>"##
        return svg + "</svg>"
    }
}

extension CircuitMap {
    /// Shortens a label to about `width` Latin characters (a CJK character counts as two), so
    /// it stays inside the diagram; the full text is in the element's tooltip and the report.
    static func clip(_ text: String, width: Int) -> String {
        var used = 0
        var out = ""
        for character in text {
            let cost = character.unicodeScalars.first.map { $0.value >= 0x2E80 ? 2 : 1 } ?? 1
            if used + cost > width { return out + "…" }
            used += cost
            out.append(character)
        }
        return out
    }
}

/// Text escaped as every page and diagram here escapes it, for other targets' markup.
public enum MarkupText {
    /// Escapes text for HTML and SVG (element content and quoted attributes).
    public static func escaped(_ text: String) -> String { escape(text) }
}

/// Escapes text for HTML and SVG (element content and quoted attributes).
func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(character)
        }
    }
    return out
}
