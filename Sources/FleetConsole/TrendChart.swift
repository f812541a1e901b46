import FleetStore
import Policy
import Reports

/// Open findings day by day as stacked bars, one colour per severity: SVG with presentation
/// attributes only (the console's policy forbids inline styles and scripts).
struct TrendChart {
    var points: [TrendPoint]
    var language: ReportLanguage

    static func colour(_ severity: Severity) -> String {
        switch severity {
        case .critical: "#7f0000"
        case .high: "#c62828"
        case .medium: "#ef6c00"
        case .low: "#558b2f"
        case .info: "#90a4ae"
        }
    }

    func svg() -> String {
        let width = 980, height = 260, left = 50, bottom = 40, top = 16, legendHeight = 24
        let plotHeight = height - bottom - top - legendHeight
        let totals = points.map { $0.bySeverity.reduce(0, +) }
        let peak = max(totals.max() ?? 0, 1)
        let scale = Double(plotHeight) / Double(niceCeiling(peak))
        let slot = points.isEmpty ? 0 : Double(width - left - 10) / Double(points.count)
        var svg = ##"<svg xmlns="http://www.w3.org/2000/svg" id="trend-chart" role="img" viewBox="0 0 \##(width) \##(height)" width="100%" font-family="'Noto Sans CJK SC','Noto Sans',sans-serif" font-size="11">"##
        svg += "<title>\(MarkupText.escaped(ReportText.bySeverity.text(language)))</title>"
        svg += ##"<rect x="0" y="0" width="\##(width)" height="\##(height)" fill="#ffffff"/>"##
        let axisY = top + plotHeight
        for step in 0...4 {
            let value = niceCeiling(peak) * step / 4
            let y = axisY - Int(Double(value) * scale)
            svg += ##"<line x1="\##(left)" y1="\##(y)" x2="\##(width - 10)" y2="\##(y)" stroke="#eceff1"/>"##
            svg += ##"<text x="\##(left - 6)" y="\##(y + 4)" text-anchor="end" fill="#607d8b">\##(value)</text>"##
        }
        for (index, point) in points.enumerated() {
            let x = Double(left) + Double(index) * slot
            var y = Double(axisY)
            for (rank, severity) in Severity.allCases.enumerated() {
                let count = rank < point.bySeverity.count ? point.bySeverity[rank] : 0
                guard count > 0 else { continue }
                let h = Double(count) * scale
                y -= h
                svg += ##"<rect class="bar" x="\##(format(x + slot * 0.1))" y="\##(format(y))" width="\##(format(max(slot * 0.8, 1)))" height="\##(format(h))" fill="\##(Self.colour(severity))"><title>\##(point.day): \##(count) \##(MarkupText.escaped(severity.reportText.text(language)))</title></rect>"##
            }
            if points.count <= 14 || index % max(points.count / 10, 1) == 0 {
                svg += ##"<text x="\##(format(x + slot / 2))" y="\##(axisY + 16)" text-anchor="middle" fill="#607d8b">\##(point.day.dropFirst(5))</text>"##
            }
        }
        svg += ##"<line x1="\##(left)" y1="\##(axisY)" x2="\##(width - 10)" y2="\##(axisY)" stroke="#90a4ae"/>"##
        for (index, severity) in Severity.allCases.reversed().enumerated() {
            let x = left + index * 150, y = height - 8
            svg += ##"<rect x="\##(x)" y="\##(y - 10)" width="14" height="10" fill="\##(Self.colour(severity))"/>"##
            svg += ##"<text x="\##(x + 20)" y="\##(y)" fill="#212121">\##(MarkupText.escaped(severity.reportText.text(language)))</text>"##
        }
        return svg + "</svg>"
    }

    /// The axis' top: four equal ticks of a round step (1, 2, 5 × 10ⁿ) that reach `value`.
    private func niceCeiling(_ value: Int) -> Int {
        var magnitude = 1
        while magnitude * 10 <= (value + 3) / 4 { magnitude *= 10 }
        let step = [1, 2, 5, 10].map { $0 * magnitude }.first { $0 * 4 >= value } ?? magnitude * 10
        return step * 4
    }

    private func format(_ value: Double) -> String { String(Int(value.rounded())) }
}
