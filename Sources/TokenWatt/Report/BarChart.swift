import Foundation
import KernelPower

/// Horizontal bar charts for reports: one row per category, each bar made of stacked segments
/// (or floating between a start and an end, for waterfalls), optional whiskers. Segments are
/// told apart by hatch pattern as well as colour so that a grey-scale print keeps them apart;
/// category labels sit one per row on the left, so they cannot overlap.
public struct BarChart {
    public struct Bar: Sendable {
        public var label: String
        /// Stacked segment lengths (each ≥ 0), in segment order.
        public var segments: [Double]
        /// Where the bar starts (waterfalls); 0 for ordinary bars.
        public var start: Double = 0
        public var whisker: (low: Double, high: Double)?
        /// Text printed at the end of the bar.
        public var valueLabel: String?
        /// Segments drawn faded and named with `outsideLabel` in their tooltip: a ledger's lines
        /// beyond its scenario's boundary, which its figure leaves out.
        public var outside: Set<Int> = []
        public var outsideLabel = ""

        public init(label: String, segments: [Double], start: Double = 0, whisker: (Double, Double)? = nil, valueLabel: String? = nil) {
            self.label = label; self.segments = segments; self.start = start
            self.whisker = whisker.map { (low: $0.0, high: $0.1) }; self.valueLabel = valueLabel
        }
    }

    /// Names the chart's hatch patterns; any text (a scenario's name), written as `patternID`.
    public var id: String
    public var title: String
    public var xTitle: String
    public var segmentNames: [String]
    public var bars: [Bar] = []
    public var width = 720.0

    public init(id: String, title: String, xTitle: String, segmentNames: [String]) {
        self.id = id; self.title = title; self.xTitle = xTitle; self.segmentNames = segmentNames
    }

    static let rowHeight = 26.0
    static let patterns = ["", "M0 6L6 0", "M0 0L6 6", "M3 0L3 6", "M0 3L6 3", "M0 0L6 6M0 6L6 0"]

    func f(_ x: Double) -> String { formatFixed(x, decimals: 1) }

    /// `id` as an SVG id and `url(#…)` reference: letters, digits, `-` and `.` as they are, every
    /// other byte of its UTF-8 as `_` and two hex digits. A scenario named `a b` or with a quote
    /// made an invalid reference (the bars lost their fills), and `<` put markup in the page;
    /// the encoding is one-to-one, so two names never share an id, and plain names are unchanged.
    var patternID: String {
        id.utf8.map { b -> String in
            let plain = (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45 || b == 46
            return plain ? String(UnicodeScalar(b)) : (b < 16 ? "_0" : "_") + String(b, radix: 16, uppercase: true)
        }.joined()
    }

    public func render() -> String {
        let labelWidth = min(260, max(80, Double(bars.map(\.label.count).max() ?? 8) * 6.6 + 12))
        let left = labelWidth + 8, top = 40.0
        let right = max(30, Double(bars.compactMap { $0.valueLabel?.count }.max() ?? 0) * 6.8 + 14)
        let columns = Self.legendColumns(segmentNames, width: width)
        let legendRows = segmentNames.count > 1 ? Double((segmentNames.count + columns - 1) / columns) : 0
        let plotHeight = Double(max(1, bars.count)) * Self.rowHeight
        let height = top + plotHeight + 46 + legendRows * 18 + 8
        let hi = bars.map { max($0.start + $0.segments.reduce(0, +), $0.whisker?.high ?? 0, $0.start) }.max() ?? 1
        let xr = 0...(hi > 0 ? hi * 1.02 : 1)
        let pw = width - left - right
        func sx(_ x: Double) -> Double { left + pw * (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\" role=\"img\" class=\"chart\">\n"
        svg += "<title>\(SVGChart.escape(title))</title>\n" + defs()
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        svg += "<text x=\"\(f(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(SVGChart.escape(title))</text>\n"
        for t in SVGChart.ticks(xr, scale: .linear, maxCount: max(2, Int(pw / 80))) {
            svg += "<line x1=\"\(f(sx(t)))\" y1=\"\(f(top))\" x2=\"\(f(sx(t)))\" y2=\"\(f(top + plotHeight))\" stroke=\"#e4e4e4\"/>"
            svg += "<text x=\"\(f(sx(t)))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"middle\">\(SVGChart.tickLabel(t))</text>\n"
        }
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotHeight))\" stroke=\"#333\"/>\n"
        svg += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(top + plotHeight + 36))\" text-anchor=\"middle\">\(SVGChart.escape(xTitle))</text>\n"
        for (i, bar) in bars.enumerated() { svg += row(bar, y: top + Double(i) * Self.rowHeight, left: left, sx: sx) }
        svg += legend(y: top + plotHeight + 56, left: left)
        return svg + "</svg>\n"
    }

    /// Hatch patterns, one per segment, with ids unique to this chart.
    func defs() -> String {
        var s = "<defs>"
        for i in segmentNames.indices {
            let color = SVGChart.colors[i % SVGChart.colors.count], path = Self.patterns[i % Self.patterns.count]
            s += "<pattern id=\"\(patternID)-p\(i)\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\"><rect width=\"6\" height=\"6\" fill=\"\(color)\"/>"
            if !path.isEmpty { s += "<path d=\"\(path)\" stroke=\"#ffffff\" stroke-width=\"1.4\"/>" }
            s += "</pattern>"
        }
        return s + "</defs>\n"
    }

    func row(_ bar: Bar, y: Double, left: Double, sx: (Double) -> Double) -> String {
        let h = Self.rowHeight * 0.62, cy = y + Self.rowHeight / 2
        var s = "<g class=\"bar\" data-name=\"\(SVGChart.escape(bar.label))\">"
        let shown = bar.label.count > 38 ? String(bar.label.prefix(37)) + "…" : bar.label
        s += "<text x=\"\(f(left - 8))\" y=\"\(f(cy + 4))\" text-anchor=\"end\">\(SVGChart.escape(shown))</text>"
        var x = bar.start
        for (j, v) in bar.segments.enumerated() where v > 0 {
            let out = bar.outside.contains(j)
            s += "<rect class=\"mark\" x=\"\(f(sx(x)))\" y=\"\(f(cy - h / 2))\" width=\"\(f(max(0.5, sx(x + v) - sx(x))))\" height=\"\(f(h))\" fill=\"url(#\(patternID)-p\(j))\"\(out ? " fill-opacity=\"0.35\"" : "") stroke=\"#333\" stroke-width=\"0.5\"><title>\(SVGChart.escape(bar.label)): \(SVGChart.escape(segmentNames[j])) \(formatNumber(v, significant: 3))\(out ? " (\(SVGChart.escape(bar.outsideLabel)))" : "")</title></rect>"
            x += v
        }
        if let w = bar.whisker {
            s += "<path class=\"whisker\" d=\"M\(f(sx(w.low))) \(f(cy))L\(f(sx(w.high))) \(f(cy))M\(f(sx(w.low))) \(f(cy - 5))L\(f(sx(w.low))) \(f(cy + 5))M\(f(sx(w.high))) \(f(cy - 5))L\(f(sx(w.high))) \(f(cy + 5))\" stroke=\"#000\" stroke-width=\"1.2\"/>"
        }
        if let label = bar.valueLabel {
            let end = max(x, bar.whisker?.high ?? 0)
            s += "<text x=\"\(f(sx(end) + 6))\" y=\"\(f(cy + 4))\">\(SVGChart.escape(label))</text>"
        }
        return s + "</g>\n"
    }

    /// Legend entries in as many columns as their longest name allows, from the left edge.
    func legend(y: Double, left: Double) -> String {
        guard segmentNames.count > 1 else { return "" }
        var s = "<g class=\"legend\">"
        let columnWidth = Double(segmentNames.map(\.count).max() ?? 8) * 6.8 + 32
        let columns = Self.legendColumns(segmentNames, width: width)
        for (i, name) in segmentNames.enumerated() {
            let x = 20 + Double(i % columns) * columnWidth, yy = y + Double(i / columns) * 18
            s += "<rect x=\"\(f(x))\" y=\"\(f(yy - 10))\" width=\"14\" height=\"12\" fill=\"url(#\(patternID)-p\(i))\" stroke=\"#333\" stroke-width=\"0.5\"/>"
            s += "<text x=\"\(f(x + 20))\" y=\"\(f(yy))\">\(SVGChart.escape(name))</text>"
        }
        return s + "</g>\n"
    }

    static func legendColumns(_ names: [String], width: Double) -> Int {
        max(1, min(names.count, Int((width - 40) / (Double(names.map(\.count).max() ?? 8) * 6.8 + 32))))
    }
}
