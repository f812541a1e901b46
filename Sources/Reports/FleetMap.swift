import Policy

/// The report's circuit map drawn for a whole fleet: the sites (each with its gateways) on the
/// left, the countries and regions their circuits reach on the right, one line per site,
/// country and category, coloured as in each gateway's map and thicker with more circuits.
public struct FleetMap: Sendable, Equatable {
    /// Circuits from one site to one country in one category.
    public struct Edge: Sendable, Equatable {
        public var site: String
        public var gateways: Int
        public var country: String?
        public var category: Category
        public var circuits: Int

        public init(site: String, gateways: Int, country: String?, category: Category, circuits: Int) {
            self.site = site
            self.gateways = gateways
            self.country = country
            self.category = category
            self.circuits = circuits
        }
    }

    public var edges: [Edge]
    public var language: ReportLanguage
    /// Sites drawn one by one; the rest are joined in a last row.
    public var maximumSites: Int

    public init(edges: [Edge], language: ReportLanguage, maximumSites: Int = 40) {
        self.edges = edges
        self.language = language
        self.maximumSites = maximumSites
    }

    /// The diagram as SVG: no script, no style element, no external reference.
    public func svg() -> String {
        var circuitsBySite: [String: Int] = [:]
        for edge in edges { circuitsBySite[edge.site, default: 0] += edge.circuits }
        let ranked = circuitsBySite.keys.sorted { (circuitsBySite[$0]!, $1) > (circuitsBySite[$1]!, $0) }
        let shown = Array(ranked.prefix(maximumSites)).sorted()
        let others = ranked.count - shown.count
        let otherLabel = "+\(others) \(ReportText.site.text(language))"
        let siteOf = { (site: String) in shown.contains(site) ? site : otherLabel }
        let sites = shown + (others > 0 ? [otherLabel] : [])
        let countries = Set(edges.map { $0.country ?? "" }).sorted { lhs, rhs in
            let rank = { (code: String) in code == "CN" ? 0 : code.isEmpty ? 2 : 1 }
            return (rank(lhs), lhs) < (rank(rhs), rhs)
        }
        var merged: [String: Edge] = [:]
        for edge in edges {
            let key = "\(siteOf(edge.site))|\(edge.country ?? "")|\(edge.category.rawValue)"
            if var existing = merged[key] {
                existing.circuits += edge.circuits
                merged[key] = existing
            } else {
                var copy = edge
                copy.site = siteOf(edge.site)
                merged[key] = copy
            }
        }
        let rowHeight = 24, top = 50, width = 980, siteX = 20, siteWidth = 260, countryX = 700
        let rows = max(sites.count, countries.count, 1)
        let legendTop = top + rows * rowHeight + 20
        let used = Category.allCases.filter { category in edges.contains { $0.category == category } }
        let height = legendTop + 24 * ((used.count + 2) / 3) + 20
        let siteY = { (site: String) in top + (sites.firstIndex(of: site) ?? 0) * rowHeight * rows / max(sites.count, 1) }
        let countryY = { (code: String) in top + (countries.firstIndex(of: code) ?? 0) * rowHeight * rows / max(countries.count, 1) }

        var svg = ##"<svg xmlns="http://www.w3.org/2000/svg" id="fleet-map" role="img" viewBox="0 0 \##(width) \##(height)" width="100%" font-family="'Noto Sans CJK SC','Noto Sans CJK','Noto Sans',sans-serif" font-size="13">"##
        svg += "<title>\(escape(ReportText.map.text(language)))</title>"
        svg += ##"<rect x="0" y="0" width="\##(width)" height="\##(height)" fill="#ffffff"/>"##
        svg += ##"<text x="\##(siteX)" y="\##(top - 24)" font-weight="bold" fill="#455a64">\##(escape(ReportText.site.text(language)))</text>"##
        svg += ##"<text x="\##(countryX)" y="\##(top - 24)" font-weight="bold" fill="#455a64">\##(escape(ReportText.region.text(language)))</text>"##
        for edge in merged.values.sorted(by: { ($0.category.rawValue, $0.site) < ($1.category.rawValue, $1.site) }) {
            let y1 = siteY(edge.site) + 8, y2 = countryY(edge.country ?? "") + 8
            let stroke = min(8, 1 + Int(Double(edge.circuits).squareRoot()))
            svg += ##"<path class="edge" d="M \##(siteX + siteWidth) \##(y1) C \##(siteX + siteWidth + 160) \##(y1), \##(countryX - 180) \##(y2), \##(countryX - 10) \##(y2)" fill="none" stroke="\##(CircuitMap.colour(edge.category))" stroke-width="\##(stroke)" stroke-opacity="0.8"><title>\##(escape(edge.site)) → \##(escape(RegionNames.name(edge.country, language))): \##(edge.circuits) \##(escape(edge.category.rawValue))</title></path>"##
        }
        for site in sites {
            let y = siteY(site)
            let gateways = edges.filter { siteOf($0.site) == site }.map(\.gateways).max() ?? 0
            svg += ##"<rect class="site" x="\##(siteX)" y="\##(y - 4)" width="\##(siteWidth)" height="20" rx="4" fill="#263238"/>"##
            svg += ##"<text class="site" x="\##(siteX + 8)" y="\##(y + 11)" fill="#ffffff"><title>\##(escape(site))</title>\##(escape(CircuitMap.clip(site, width: 28))) (\##(gateways))</text>"##
        }
        for code in countries {
            let y = countryY(code)
            svg += ##"<circle cx="\##(countryX)" cy="\##(y + 8)" r="6" fill="#616161"/>"##
            svg += ##"<text class="country" x="\##(countryX + 12)" y="\##(y + 12)" fill="#212121">\##(escape(RegionNames.name(code.isEmpty ? nil : code, language)))</text>"##
        }
        for (index, category) in used.enumerated() {
            let x = siteX + (index % 3) * 310, y = legendTop + (index / 3) * 24
            svg += ##"<rect x="\##(x)" y="\##(y - 11)" width="22" height="6" fill="\##(CircuitMap.colour(category))"/>"##
            svg += ##"<text x="\##(x + 30)" y="\##(y - 4)" fill="#212121">\##(escape(CircuitMap.clip("\(category.rawValue.prefix(2)) \(language.pick(category.label))", width: 44)))</text>"##
        }
        return svg + "</svg>"
    }
}
